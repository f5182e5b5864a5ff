"""`GET /api/communication/analytics`: campaign and platform figures of a period, read from the
marts, compared with the period of the same length just before it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query
from sqlalchemy import Connection

from mediaflow_dagster.api.communication_models import Analytics
from mediaflow_dagster.api.context import ApiContext, context
from mediaflow_dagster.api.models import INT32_MAX
from mediaflow_dagster.api.problems import field_refused
from mediaflow_dagster.api.routes.common import Cursor, Limit, protected_router
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import analytics
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.schema import Platform

router = protected_router(prefix="/api/communication", tags=["communication"])
Store = Annotated[Connection, Depends(connection)]
Api = Annotated[ApiContext, Depends(context)]
Reader = require("analytics:read")
DEFAULT_DAYS = 7
MAX_DAYS = 366


@router.get("/analytics", response_model=Analytics)
def campaign_analytics(
    store: Store,
    api: Api,
    _: Reader,
    start: Annotated[
        date | None, Query(description=f"First day (UTC); default {DEFAULT_DAYS} days to `end`.")
    ] = None,
    end: Annotated[date | None, Query(description="Last day, included; default today.")] = None,
    campaign_id: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
    platform: Annotated[Platform | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The period's figures per campaign and platform beside the previous period's, from the
    marts the last warehouse build published (503 until a first build)."""
    end = end or utcnow().date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise field_refused("start", "`start` is after `end`", start.isoformat(), "query")
    if (end - start).days + 1 > MAX_DAYS:
        raise field_refused(
            "start", f"a period is at most {MAX_DAYS} days", start.isoformat(), "query"
        )
    period = analytics.Period(start, end)
    scope = analytics.Scope(campaign_id, platform, after_campaign_id=cursor)
    try:
        items, next_cursor = analytics.campaign_analytics(api.settings, store, period, scope, limit)
    except analytics.MartsNotBuilt as error:
        raise HTTPException(503, str(error)) from error
    return {
        "start": start,
        "end": end,
        "previous_start": period.previous.start,
        "previous_end": period.previous.end,
        "marts_built_at": analytics.marts_built_at(api.settings),
        "items": items,
        "next_cursor": next_cursor,
    }

"""A campaign's performance thresholds (watched after each build of the marts) and the alerts
they raised."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Response
from sqlalchemy import Connection

from mediaflow_dagster.api.models import (
    Page,
    PerformanceAlert,
    PerformanceThreshold,
    PerformanceThresholdIn,
)
from mediaflow_dagster.api.problems import documented
from mediaflow_dagster.api.routes.common import Cursor, Limit, PathId, protected_router
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import performance_alerts

router = protected_router(prefix="/api/campaigns", tags=["campaigns"])
Store = Annotated[Connection, Depends(connection)]
Reader = require("campaigns:read")
Editor = require("campaigns:write")


@router.get(
    "/{campaign_id}/performance-thresholds",
    response_model=Page[PerformanceThreshold],
    responses=documented(404),
)
def list_thresholds(
    campaign_id: PathId, store: Store, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    items, next_cursor = performance_alerts.thresholds_page(store, campaign_id, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/{campaign_id}/performance-thresholds",
    status_code=201,
    response_model=PerformanceThreshold,
    responses=documented(404, 409),
)
def add_threshold(
    campaign_id: PathId,
    wanted: PerformanceThresholdIn,
    response: Response,
    store: Store,
    editor: Editor,
) -> dict[str, Any]:
    """Watch a figure: one threshold per campaign, figure and direction (409 for a second)."""
    threshold = performance_alerts.add_threshold(
        store, campaign_id, **wanted.model_dump(), created_by=editor.actor
    )
    response.headers["location"] = (
        f"/api/campaigns/{campaign_id}/performance-thresholds/{threshold['id']}"
    )
    return threshold


@router.delete(
    "/{campaign_id}/performance-thresholds/{threshold_id}",
    status_code=204,
    responses=documented(404),
)
def remove_threshold(
    campaign_id: PathId, threshold_id: PathId, store: Store, _: Editor
) -> Response:
    """Stop watching the figure; the alerts it raised stay."""
    performance_alerts.remove_threshold(store, campaign_id, threshold_id)
    return Response(status_code=204)


@router.get(
    "/{campaign_id}/performance-alerts",
    response_model=Page[PerformanceAlert],
    responses=documented(404),
)
def list_alerts(
    campaign_id: PathId, store: Store, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    """The alerts raised, oldest first: one per crossing, `recovered_at` once it recovered."""
    items, next_cursor = performance_alerts.alerts_page(store, campaign_id, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}

"""Campaign reports (made by Dagster's reports schedules): a campaign's list, and each report as
its HTML page or its PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Response
from fastapi.responses import FileResponse
from sqlalchemy import Connection

from mediaflow_dagster.api.context import ApiContext, context
from mediaflow_dagster.api.models import CampaignReport, Page
from mediaflow_dagster.api.problems import documented
from mediaflow_dagster.api.routes.common import Cursor, Limit, PathId, protected_router
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import campaign_reports

router = protected_router(tags=["reports"])
Store = Annotated[Connection, Depends(connection)]
Api = Annotated[ApiContext, Depends(context)]
Reader = require("analytics:read")


@router.get(
    "/api/campaigns/{campaign_id}/reports",
    response_model=Page[CampaignReport],
    responses=documented(404),
)
def list_reports(
    campaign_id: PathId, store: Store, api: Api, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    """The campaign's reports, oldest first, with where to read each."""
    items, next_cursor = campaign_reports.reports_page(store, campaign_id, cursor, limit)
    return {
        "items": [
            {**item, **campaign_reports.report_urls(api.settings, item["id"])} for item in items
        ],
        "next_cursor": next_cursor,
    }


@router.get(
    "/api/reports/{report_id}",
    response_class=FileResponse,
    responses={**documented(404), 200: {"content": {"text/html": {}}}},
)
def report_page(report_id: PathId, store: Store, _: Reader) -> Response:
    """The report as an HTML page, its charts inline."""
    return _file(campaign_reports.get_report(store, report_id)["html_path"], "text/html")


@router.get(
    "/api/reports/{report_id}/pdf",
    response_class=FileResponse,
    responses={**documented(404), 200: {"content": {"application/pdf": {}}}},
)
def report_pdf(report_id: PathId, store: Store, _: Reader) -> Response:
    """The report as a PDF."""
    return _file(campaign_reports.get_report(store, report_id)["pdf_path"], "application/pdf")


def _file(path: str, media_type: str) -> Response:
    if not Path(path).is_file():
        raise HTTPException(404, "the report's file is no longer where it was stored")
    return FileResponse(path, media_type=media_type)

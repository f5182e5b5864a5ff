"""Notification requests: accepted here, sent by the `notifications` sensor's runs. A request
whose data does not fill its template (in any of its languages) is refused with a 422 naming
the missing variable, before anything is planned."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Response
from sqlalchemy import Connection

from mediaflow_dagster.api.communication_models import NotificationRequest, NotifyIn
from mediaflow_dagster.api.problems import documented
from mediaflow_dagster.api.routes.common import PathId, protected_router
from mediaflow_dagster.api.routes.templates import refused
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import notifications
from mediaflow_dagster.cms.campaigns import get_campaign
from mediaflow_dagster.cms.templates import check_fills
from mediaflow_dagster.communication.templates import TemplateProblem

router = protected_router(prefix="/api/communication", tags=["communication"])
Store = Annotated[Connection, Depends(connection)]
Sender = require("notifications:send")


@router.post(
    "/notify", status_code=202, response_model=NotificationRequest, responses=documented(404)
)
def notify(wanted: NotifyIn, response: Response, store: Store, principal: Sender) -> dict[str, Any]:
    """Send the template to the audience; follow the request at the `location`."""
    if wanted.campaign_id is not None:
        get_campaign(store, wanted.campaign_id)
    try:
        check_fills(store, wanted.template, wanted.data)
    except TemplateProblem as problem:
        raise refused(problem, wanted.data) from problem
    created = notifications.create_request(
        store, requested_by=principal.actor, **wanted.model_dump()
    )
    response.headers["location"] = f"/api/communication/notifications/{created['id']}"
    return created


@router.get(
    "/notifications/{request_id}",
    response_model=NotificationRequest,
    responses=documented(404),
)
def get_request(request_id: PathId, store: Store, _: Sender) -> dict[str, Any]:
    return notifications.get_request(store, request_id)

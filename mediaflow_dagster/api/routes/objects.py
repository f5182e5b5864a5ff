"""Campaign objects and their approval."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends
from sqlalchemy import Connection

from mediaflow_dagster.api.models import ApprovalIn, CampaignObject
from mediaflow_dagster.api.problems import documented
from mediaflow_dagster.api.routes.common import PathId, protected_router
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import campaigns as cms

router = protected_router(prefix="/api/objects", tags=["objects"])
Store = Annotated[Connection, Depends(connection)]
Reader = require("campaigns:read")
Approver = require("objects:approve")


@router.get("/{object_id}", response_model=CampaignObject, responses=documented(404))
def get_object(object_id: PathId, store: Store, _: Reader) -> dict[str, Any]:
    return cms.get_object(store, object_id)


@router.post("/{object_id}/approve", response_model=CampaignObject, responses=documented(404, 409))
def approve_object(
    object_id: PathId,
    store: Store,
    approver: Approver,
    approval: Annotated[ApprovalIn | None, Body()] = None,
) -> dict[str, Any]:
    """Approve the object's current content for publication now or at `scheduled_time`. The
    approval records who is signed in (or whose key this is): a body naming someone else is
    refused (`approved_by` is not a field)."""
    approval = approval or ApprovalIn()
    return cms.approve_object(
        store,
        object_id,
        approver.actor,
        scheduled_time=approval.scheduled_time,
        targeting=approval.targeting.model_dump() if approval.targeting else None,
    )

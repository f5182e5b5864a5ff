"""The communication module's campaign routes: the running campaigns with their channels and
phase, the publish request (an object of a campaign, approved by whoever asks, published by the
publishing runs), and a campaign's phases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Response
from sqlalchemy import Connection

from mediaflow_dagster.api.automation_models import (
    Phase,
    PhasesIn,
    Published,
    PublishIn,
    RunningCampaign,
)
from mediaflow_dagster.api.models import Page
from mediaflow_dagster.api.problems import documented
from mediaflow_dagster.api.routes.common import Cursor, Limit, PathId, protected_router
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import campaigns, phases
from mediaflow_dagster.cms.publish import PublishRequest, publish

router = protected_router(prefix="/api/communication", tags=["communication"])
Store = Annotated[Connection, Depends(connection)]
Reader = require("campaigns:read")
Editor = require("campaigns:write")
Approver = require("objects:approve")
RUNNING = ["active"]


@router.get("/campaigns", response_model=Page[RunningCampaign])
def running_campaigns(
    store: Store, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    """Active campaigns, oldest first, each with the platforms it publishes on now (those of its
    active accounts) and its current phase."""
    items, next_cursor = campaigns.campaigns_matching(store, cursor, limit, statuses=RUNNING)
    ids = [campaign["id"] for campaign in items]
    channels = campaigns.target_platforms(store, ids)
    phases_by_campaign = phases.phases_of(store, ids)
    return {
        "items": [
            {
                **campaign,
                "channels": channels[campaign["id"]],
                "phase": phases.current_phase(phases_by_campaign[campaign["id"]]),
                "phases": phases_by_campaign[campaign["id"]],
            }
            for campaign in items
        ],
        "next_cursor": next_cursor,
    }


@router.post("/publish", status_code=202, response_model=Published, responses=documented(404, 409))
def publish_content(
    wanted: PublishIn, response: Response, store: Store, approver: Approver
) -> dict[str, Any]:
    """Publish the content on the campaign's accounts of the `platforms` named, now or at
    `scheduled_time`: it becomes an object of the campaign, approved by the caller, that the
    publishing runs plan, send and settle as any other. Refused (422, nothing stored): a
    platform the campaign has no active account on, a time already past, content a platform's
    specs refuse (each reason with its fix); a campaign that is not scheduled or active is 409."""
    content = wanted.content
    published = publish(
        store,
        PublishRequest(
            campaign_id=wanted.campaign_id,
            title=content.title,
            body=content.body,
            media=[medium.model_dump(mode="json") for medium in content.media],
            hashtags=content.hashtags,
            platforms=wanted.platforms,
            scheduled_time=wanted.scheduled_time,
            targeting=wanted.targeting.model_dump() if wanted.targeting else None,
        ),
        approver.actor,
    )
    response.headers["location"] = f"/api/objects/{published['object_id']}"
    return published


@router.get(
    "/campaigns/{campaign_id}/phases", response_model=list[Phase], responses=documented(404)
)
def campaign_phases(campaign_id: PathId, store: Store, _: Reader) -> list[dict[str, Any]]:
    campaigns.get_campaign(store, campaign_id)
    return phases.phases_of(store, [campaign_id])[campaign_id]


@router.put(
    "/campaigns/{campaign_id}/phases",
    response_model=list[Phase],
    responses=documented(404, 409),
)
def set_campaign_phases(
    campaign_id: PathId, wanted: PhasesIn, store: Store, _: Editor
) -> list[dict[str, Any]]:
    """Replace the campaign's phases (teaser, launch, follow-up), each with its start, end and
    the actions it takes then (`post`, `notify`, `pause`; `on` start or end). A phase that
    started can no longer change or go (409); an action naming a platform the campaign has no
    account on, content a platform refuses or a template that does not exist is 422."""
    return phases.set_phases(
        store,
        campaign_id,
        [
            {
                **phase.model_dump(mode="json"),
                "starts_at": phase.starts_at,
                "ends_at": phase.ends_at,
            }
            for phase in wanted.phases
        ],
    )

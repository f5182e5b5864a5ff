"""Campaigns, the accounts they target, their objects and the candidates found for them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Response
from sqlalchemy import Connection

from mediaflow_dagster.api.models import (
    Campaign,
    CampaignIn,
    CampaignObject,
    CampaignObjectIn,
    CampaignStatusIn,
    Candidate,
    Page,
    PickedCandidate,
)
from mediaflow_dagster.api.problems import documented
from mediaflow_dagster.api.routes.common import Cursor, Limit, PathId, protected_router
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import accounts, sourcing
from mediaflow_dagster.cms import campaigns as cms
from mediaflow_dagster.cms.schema import CandidateKind

router = protected_router(prefix="/api/campaigns", tags=["campaigns"])
Store = Annotated[Connection, Depends(connection)]
Reader = require("campaigns:read")
Editor = require("campaigns:write")


@router.get("", response_model=Page[Campaign])
def list_campaigns(
    store: Store, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    items, next_cursor = cms.campaigns_page(store, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("", status_code=201, response_model=Campaign, responses=documented(404, 409))
def create_campaign(
    campaign: CampaignIn, response: Response, store: Store, _: Editor
) -> dict[str, Any]:
    created = cms.create_campaign(store, **campaign.model_dump())
    response.headers["location"] = f"/api/campaigns/{created['id']}"
    return created


@router.get("/{campaign_id}", response_model=Campaign, responses=documented(404))
def get_campaign(campaign_id: PathId, store: Store, _: Reader) -> dict[str, Any]:
    return cms.get_campaign(store, campaign_id)


@router.post("/{campaign_id}/status", response_model=Campaign, responses=documented(404, 409))
def change_campaign_status(
    campaign_id: PathId, change: CampaignStatusIn, store: Store, _: Editor
) -> dict[str, Any]:
    """Move the campaign along `draft → scheduled → active → paused → completed / canceled`."""
    return cms.change_campaign_status(store, campaign_id, change.status)


@router.put(
    "/{campaign_id}/targets/{account_id}", response_model=Campaign, responses=documented(404)
)
def add_target(campaign_id: PathId, account_id: PathId, store: Store, _: Editor) -> dict[str, Any]:
    """Have the campaign publish to the account (again, after a revocation)."""
    cms.get_campaign(store, campaign_id)
    accounts.add_target(store, campaign_id, account_id)
    return cms.get_campaign(store, campaign_id)


@router.delete(
    "/{campaign_id}/targets/{account_id}", response_model=Campaign, responses=documented(404)
)
def revoke_target(
    campaign_id: PathId, account_id: PathId, store: Store, _: Editor
) -> dict[str, Any]:
    """Stop this campaign publishing to the account; other campaigns keep it."""
    accounts.revoke_target(store, campaign_id, account_id)
    return cms.get_campaign(store, campaign_id)


@router.post(
    "/{campaign_id}/objects",
    status_code=201,
    response_model=CampaignObject,
    responses=documented(404),
)
def create_object(
    campaign_id: PathId, content: CampaignObjectIn, response: Response, store: Store, _: Editor
) -> dict[str, Any]:
    created = cms.create_object(store, campaign_id=campaign_id, **content.model_dump())
    response.headers["location"] = f"/api/objects/{created['id']}"
    return created


@router.get("/{campaign_id}/candidates", response_model=Page[Candidate], responses=documented(404))
def list_candidates(
    campaign_id: PathId,
    store: Store,
    _: Reader,
    kind: Annotated[CandidateKind | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Stock photos and feed ideas found for the campaign, in the order they were found."""
    items, next_cursor = sourcing.candidates_page(store, campaign_id, kind, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/{campaign_id}/candidates/{candidate_id}/pick",
    status_code=201,
    response_model=PickedCandidate,
    responses=documented(404, 409),
)
def pick_candidate(
    campaign_id: PathId, candidate_id: PathId, response: Response, store: Store, _: Editor
) -> dict[str, Any]:
    """Make the candidate a draft object of the campaign: an image of the photo, or a text on
    the idea; a candidate is picked once."""
    picked = sourcing.pick_candidate(store, campaign_id, candidate_id)
    response.headers["location"] = f"/api/objects/{picked['object']['id']}"
    return picked

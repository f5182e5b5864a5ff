"""Campaigns, the accounts they target, their objects and the candidates found for them."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Query, Response
from pydantic_core import to_jsonable_python
from sqlalchemy import Connection

from mediaflow_dagster.api.models import (
    Campaign,
    CampaignChanges,
    CampaignDate,
    CampaignIn,
    CampaignObject,
    CampaignObjectIn,
    CampaignStatus,
    CampaignStatusIn,
    Candidate,
    Page,
    PickedCandidate,
)
from mediaflow_dagster.api.problems import documented, field_refused
from mediaflow_dagster.api.routes.common import Cursor, Limit, PathId, protected_router
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import accounts, sourcing
from mediaflow_dagster.cms import campaigns as cms
from mediaflow_dagster.cms.errors import StaleVersion
from mediaflow_dagster.cms.schema import CandidateKind

router = protected_router(prefix="/api/campaigns", tags=["campaigns"])
Store = Annotated[Connection, Depends(connection)]
Reader = require("campaigns:read")
Editor = require("campaigns:write")


JSON_FIELDS = ("target_audience", "success_metrics")
IF_MATCH = re.compile(r'^(?:W/)?"campaign-(\d{1,9})-v(\d{1,9})"$')


def etag(campaign: dict[str, Any]) -> str:
    return f'"campaign-{campaign["id"]}-v{campaign["version"]}"'


def stored(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields as the store keeps them: the JSON ones in their JSON form."""
    return {
        name: to_jsonable_python(value) if name in JSON_FIELDS else value
        for name, value in fields.items()
    }


@router.get("", response_model=Page[Campaign])
def list_campaigns(
    store: Store,
    _: Reader,
    status: Annotated[list[CampaignStatus] | None, Query(max_length=6)] = None,
    owner: Annotated[str | None, Query(min_length=1, max_length=320)] = None,
    running_from: Annotated[CampaignDate | None, Query()] = None,
    running_to: Annotated[CampaignDate | None, Query()] = None,
    archived: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Campaigns, oldest first: in any of the `status` given (repeatable), of the `owner`
    (e-mail), running on some day from `running_from` to `running_to`; archived ones instead
    of the others with `archived=true`."""
    items, next_cursor = cms.campaigns_matching(
        store,
        cursor,
        limit,
        statuses=status,
        owner_email=owner,
        running_from=running_from,
        running_to=running_to,
        archived=archived,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post("", status_code=201, response_model=Campaign, responses=documented(404, 409))
def create_campaign(
    campaign: CampaignIn, response: Response, store: Store, _: Editor
) -> dict[str, Any]:
    created = cms.create_campaign(store, **stored(dict(campaign)))
    response.headers["location"] = f"/api/campaigns/{created['id']}"
    response.headers["etag"] = etag(created)
    return created


@router.get("/{campaign_id}", response_model=Campaign, responses=documented(404))
def get_campaign(
    campaign_id: PathId, response: Response, store: Store, _: Reader
) -> dict[str, Any]:
    """The campaign, with its `ETag`: send it back as `If-Match` to change it."""
    campaign = cms.get_campaign(store, campaign_id)
    response.headers["etag"] = etag(campaign)
    return campaign


@router.patch("/{campaign_id}", response_model=Campaign, responses=documented(404, 409, 412, 428))
def update_campaign(
    campaign_id: PathId,
    changes: CampaignChanges,
    response: Response,
    store: Store,
    _: Editor,
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> dict[str, Any]:
    """Change the fields given, if the campaign is still the one read (`If-Match` with its
    `ETag`: 428 without one, 412 when it changed since) and its lifecycle allows it (409)."""
    if if_match is None:
        raise HTTPException(428, "send If-Match with the campaign's ETag (GET it first)")
    matched = IF_MATCH.match(if_match.strip())
    if matched is None or int(matched.group(1)) != campaign_id:
        cms.get_campaign(store, campaign_id)
        raise StaleVersion(f"If-Match {if_match!r} is not an ETag of campaign {campaign_id}")
    fields = {name: getattr(changes, name) for name in changes.model_fields_set}
    if not fields:
        raise field_refused("body", "name at least one field to change", {})
    updated = cms.update_campaign(store, campaign_id, int(matched.group(2)), stored(fields))
    response.headers["etag"] = etag(updated)
    return updated


@router.delete(
    "/{campaign_id}",
    status_code=200,
    response_model=Campaign | None,
    responses={**documented(404, 409), 204: {"description": "deleted: it never published"}},
)
def remove_campaign(campaign_id: PathId, store: Store, _: Editor) -> Any:
    """Delete a campaign that never sent anything to a platform (204); one that did is archived
    instead (200, with `archived_at`): its publications and insights stay. A campaign still
    publishing (scheduled or active) is refused (409): pause, complete or cancel it first."""
    archived = cms.remove_campaign(store, campaign_id)
    if archived is None:
        return Response(status_code=204)
    return archived


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
    created = cms.create_object(store, campaign_id=campaign_id, **content.model_dump(mode="json"))
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

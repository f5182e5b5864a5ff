"""Content candidates: stock photos and feed ideas found for a campaign, each kept once, that a
user picks into a draft object of the campaign (an image from the photo, a text on the idea)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, update

from mediaflow_dagster.cms.campaigns import create_object, get_campaign
from mediaflow_dagster.cms.database import (
    Bind,
    insert_ignoring_duplicates,
    page,
    transaction,
    utcnow,
)
from mediaflow_dagster.cms.errors import Conflict, NotFound
from mediaflow_dagster.cms.schema import campaign_objects, content_candidates

TITLE_LENGTH = content_candidates.c.title.type.length


def land_candidates(bind: Bind, campaign_id: int, found: list[Mapping[str, Any]]) -> int:
    """Keep what was found for the campaign, each (source, external id) once however often it is
    found again; return how many candidates are new."""
    if not found:
        return 0
    now = utcnow()
    rows = [
        {
            **candidate,
            "title": candidate["title"][:TITLE_LENGTH],
            "campaign_id": campaign_id,
            "found_at": now,
        }
        for candidate in found
    ]
    with transaction(bind) as connection:
        landed = connection.execute(
            insert_ignoring_duplicates(connection, content_candidates).returning(
                content_candidates.c.id
            ),
            rows,
        )
        return len(landed.all())


def list_candidates(bind: Bind, campaign_id: int, kind: str | None = None) -> list[dict]:
    """The campaign's candidates (of one kind, when given), in the order they were found."""
    get_campaign(bind, campaign_id)
    query = select(content_candidates).where(content_candidates.c.campaign_id == campaign_id)
    if kind is not None:
        query = query.where(content_candidates.c.kind == kind)
    with transaction(bind) as connection:
        rows = connection.execute(query.order_by(content_candidates.c.id))
        return [dict(row._mapping) for row in rows]


def candidates_page(
    bind: Bind, campaign_id: int, kind: str | None, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the campaign's candidates (of one kind, when given), in the order found."""
    get_campaign(bind, campaign_id)
    query = select(content_candidates).where(content_candidates.c.campaign_id == campaign_id)
    if kind is not None:
        query = query.where(content_candidates.c.kind == kind)
    return page(bind, query, content_candidates.c.id, after, limit)


def get_candidate(bind: Bind, campaign_id: int, candidate_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(
            select(content_candidates).where(
                content_candidates.c.id == candidate_id,
                content_candidates.c.campaign_id == campaign_id,
            )
        ).first()
    if row is None:
        raise NotFound(f"campaign {campaign_id} has no content candidate {candidate_id}")
    return dict(row._mapping)


def pick_candidate(bind: Bind, campaign_id: int, candidate_id: int) -> dict[str, Any]:
    """Make the candidate a draft object of its campaign; a candidate is picked once only.

    The draft is made first and the pick recorded only if no one picked the candidate
    meanwhile; otherwise the draft goes and the pick is refused.
    """
    candidate = get_candidate(bind, campaign_id, candidate_id)
    if candidate["picked_at"] is not None:
        raise Conflict(_already_picked(candidate))
    draft = create_object(bind, campaign_id=campaign_id, **_draft_of(candidate))
    with transaction(bind) as connection:
        picked = connection.execute(
            update(content_candidates)
            .where(
                content_candidates.c.id == candidate_id, content_candidates.c.picked_at.is_(None)
            )
            .values(picked_at=utcnow(), picked_object_id=draft["id"])
        ).rowcount
        if not picked:
            connection.execute(delete(campaign_objects).where(campaign_objects.c.id == draft["id"]))
    if not picked:
        raise Conflict(_already_picked(get_candidate(bind, campaign_id, candidate_id)))
    return {"candidate": get_candidate(bind, campaign_id, candidate_id), "object": draft}


def _draft_of(candidate: Mapping[str, Any]) -> dict[str, Any]:
    """An image object made from the photo's full-size file, or a text object on the idea."""
    if candidate["kind"] == "image":
        return {
            "object_type": "image",
            "title": candidate["title"],
            "sources": [candidate["url"]],
            "config": {
                "credit": {
                    "source": candidate["source"],
                    "author": candidate["author"],
                    "author_url": candidate["author_url"],
                }
            },
        }
    return {
        "object_type": "text",
        "title": candidate["title"],
        "sources": [],
        "config": {
            "topic": candidate["title"],
            "topic_summary": candidate["summary"],
            "topic_link": candidate["url"],
        },
    }


def _already_picked(candidate: Mapping[str, Any]) -> str:
    return (
        f"content candidate {candidate['id']} was already picked, as campaign object "
        f"{candidate['picked_object_id']}"
    )

"""Generation requests to n8n: one request id per attempt (n8n's callback event ids derive from
it, so a resent request is still counted once), generations that went quiet, and the
per-platform renditions of what came back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, insert, select, update

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.schema import campaign_objects, media_renditions

AWAITING_CONTENT = ("generating", "stalled")


def request_id_for(engine: Engine, content: dict[str, Any]) -> str:
    """The id of the request about to be sent for a draft object: the one already chosen when an
    earlier send of it never got an answer, else a new attempt's."""
    if content["generation_request_id"] and content["status"] == "draft":
        return content["generation_request_id"]
    return new_attempt(engine, content["id"])


def new_attempt(engine: Engine, object_id: int) -> str:
    """A new request for the object's content; the callbacks of earlier ones are refused."""
    request_id = f"{object_id}-{uuid.uuid4().hex[:12]}"
    count_attempt(engine, object_id, generation_request_id=request_id)
    return request_id


def count_attempt(engine: Engine, object_id: int, **changes: Any) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(campaign_objects)
            .where(campaign_objects.c.id == object_id)
            .values(
                generation_attempts=campaign_objects.c.generation_attempts + 1,
                updated_at=utcnow(),
                **changes,
            )
        )


def record_execution(
    engine: Engine, object_id: int, execution_id: str | None, note: str | None
) -> None:
    """What n8n answered to the object's request (its execution id, or why there is none yet),
    whatever the object's status: its callback may have come first."""
    with engine.begin() as connection:
        connection.execute(
            update(campaign_objects)
            .where(campaign_objects.c.id == object_id)
            .values(generation_execution_id=execution_id, error=note)
        )


def content_callback_refusal(
    object_id: int, status: str, waiting_for: str | None, request_id: str
) -> str | None:
    """Why a new content callback for request `request_id` is refused by an object in `status`
    waiting for request `waiting_for`: it is taken only for the object's current request while
    the object waits for content. None when it is taken."""
    if status not in AWAITING_CONTENT:
        return f"campaign object {object_id} is {status}: it is not waiting for content"
    if waiting_for != request_id:
        return f"campaign object {object_id} waits for request {waiting_for}, not {request_id}"
    return None


def _waiting_since_before(requested_before: datetime):
    return and_(
        campaign_objects.c.status.in_(AWAITING_CONTENT),
        campaign_objects.c.generation_requested_at < requested_before,
    )


def quiet_generations(
    engine: Engine, campaign_id: int, requested_before: datetime
) -> list[dict[str, Any]]:
    """The campaign's objects still waiting for content asked for before `requested_before`."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(campaign_objects)
            .where(
                campaign_objects.c.campaign_id == campaign_id,
                _waiting_since_before(requested_before),
            )
            .order_by(campaign_objects.c.id)
        )
        return [dict(row._mapping) for row in rows]


def campaigns_with_quiet_generations(engine: Engine, requested_before: datetime) -> list[int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(campaign_objects.c.campaign_id)
            .where(_waiting_since_before(requested_before))
            .group_by(campaign_objects.c.campaign_id)
            .order_by(campaign_objects.c.campaign_id)
        )
        return [row.campaign_id for row in rows]


def replace_renditions(
    connection: Any, content: dict[str, Any], renditions: list[dict[str, Any]]
) -> None:
    """The object's renditions are those of its latest content: earlier ones go."""
    connection.execute(
        media_renditions.delete().where(media_renditions.c.object_id == content["id"])
    )
    now = utcnow()
    for rendition in renditions:
        connection.execute(
            insert(media_renditions).values(
                object_id=content["id"],
                campaign_id=content["campaign_id"],
                created_at=now,
                **rendition,
            )
        )


def uninspected_renditions(engine: Engine, campaign_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(media_renditions)
            .where(
                media_renditions.c.campaign_id == campaign_id,
                media_renditions.c.inspected_at.is_(None),
                media_renditions.c.sharepoint_item_id.is_not(None),
            )
            .order_by(media_renditions.c.id)
        )
        return [dict(row._mapping) for row in rows]


def record_inspection(engine: Engine, rendition_id: int, facts: dict[str, Any]) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(media_renditions)
            .where(media_renditions.c.id == rendition_id)
            .values(inspected_at=utcnow(), **facts)
        )


def campaign_renditions(engine: Engine, campaign_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(media_renditions)
            .where(media_renditions.c.campaign_id == campaign_id)
            .order_by(media_renditions.c.object_id, media_renditions.c.platform)
        )
        return [dict(row._mapping) for row in rows]


def rendition_for(engine: Engine, object_id: int, platform: str) -> dict[str, Any] | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(media_renditions).where(
                and_(
                    media_renditions.c.object_id == object_id,
                    media_renditions.c.platform == platform,
                )
            )
        ).first()
        return dict(row._mapping) if row else None

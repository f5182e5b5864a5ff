"""Publications: one per (approved object, targeted account), keyed so it is never made twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from mediaflow_dagster.cms.campaigns import active_targets, objects_in_status
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.errors import Conflict, NotFound
from mediaflow_dagster.cms.schema import campaign_objects, publications, social_accounts

ACCEPTED_OBJECT_TYPES = {
    "facebook": {"video", "image", "text"},
    "instagram": {"video", "image"},
    "x": {"video", "image", "text"},
    "youtube": {"video"},
    "tiktok": {"video"},
    "linkedin": {"video", "image", "text"},
    "wordpress": {"video", "image", "text", "audio"},
}


def accepts(platform: str, object_type: str) -> bool:
    """Whether a platform can carry this kind of content at all (a YouTube post is a video)."""
    return object_type in ACCEPTED_OBJECT_TYPES[platform]


def idempotency_key(object_id: int, social_account_id: int) -> str:
    return f"pub-{object_id}-{social_account_id}"


def plan_publications(engine: Engine, campaign_id: int) -> list[dict[str, Any]]:
    """Create the missing publications of the campaign's approved objects, on every targeted
    account whose platform takes that kind of content; return those still waiting to be sent,
    each with its object and account."""
    targets = active_targets(engine, campaign_id)
    now = utcnow()
    with engine.begin() as connection:
        for content in objects_in_status(engine, campaign_id, "approved"):
            planned = set(
                connection.execute(
                    select(publications.c.social_account_id).where(
                        publications.c.object_id == content["id"]
                    )
                ).scalars()
            )
            new_rows = [
                {
                    "object_id": content["id"],
                    "social_account_id": account["id"],
                    "campaign_id": campaign_id,
                    "status": "pending",
                    "idempotency_key": idempotency_key(content["id"], account["id"]),
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for account in targets
                if account["id"] not in planned
                and accepts(account["platform"], content["object_type"])
            ]
            if new_rows:
                connection.execute(insert(publications), new_rows)
    return _pending_publications(engine, campaign_id)


def _pending_publications(engine: Engine, campaign_id: int) -> list[dict[str, Any]]:
    account = social_accounts.alias("account")
    content = campaign_objects.alias("content")
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                publications,
                account.c.platform,
                account.c.external_account_id,
                account.c.account_type,
                account.c.make_webhook_url,
                content.c.content_text,
                content.c.hashtags,
                content.c.media_url,
                content.c.object_type,
            )
            .join(account, account.c.id == publications.c.social_account_id)
            .join(content, content.c.id == publications.c.object_id)
            .where(publications.c.campaign_id == campaign_id, publications.c.status == "pending")
            .order_by(publications.c.id)
        )
        return [dict(row._mapping) for row in rows]


def mark_sent(engine: Engine, publication_id: int, object_id: int) -> None:
    """The scenario accepted the publication; the object is now being published."""
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(
            update(publications)
            .where(publications.c.id == publication_id, publications.c.status == "pending")
            .values(
                status="sent",
                requested_at=now,
                attempts=publications.c.attempts + 1,
                updated_at=now,
            )
        )
        connection.execute(
            update(campaign_objects)
            .where(campaign_objects.c.id == object_id, campaign_objects.c.status == "approved")
            .values(status="publishing", updated_at=now)
        )


def note_dispatch_failure(engine: Engine, publication_id: int, error: str) -> None:
    """The scenario could not be reached; the publication stays pending for the next run."""
    with engine.begin() as connection:
        connection.execute(
            update(publications)
            .where(publications.c.id == publication_id)
            .values(error=error, attempts=publications.c.attempts + 1, updated_at=utcnow())
        )


def get_publication(engine: Engine, publication_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            select(publications).where(publications.c.id == publication_id)
        ).first()
    if row is None:
        raise NotFound(f"publication {publication_id} does not exist")
    return dict(row._mapping)


def record_outcome(
    connection: Connection,
    publication_id: int,
    *,
    status: str,
    external_post_id: str | None,
    external_url: str | None,
    published_at: datetime | None,
    error: str | None,
) -> None:
    """Store what the scenario reported and settle the object once all its publications are."""
    settled = connection.execute(
        update(publications)
        .where(publications.c.id == publication_id, publications.c.status.in_(["pending", "sent"]))
        .values(
            status=status,
            external_post_id=external_post_id,
            external_url=external_url,
            published_at=published_at,
            error=error,
            updated_at=utcnow(),
        )
    )
    if settled.rowcount != 1:
        current = connection.execute(
            select(publications.c.status).where(publications.c.id == publication_id)
        ).scalar()
        if current is None:
            raise NotFound(f"publication {publication_id} does not exist")
        raise Conflict(
            f"publication {publication_id} is already {current}; it cannot become {status}"
        )
    object_id = connection.execute(
        select(publications.c.object_id).where(publications.c.id == publication_id)
    ).scalar_one()
    counts = dict(
        connection.execute(
            select(publications.c.status, func.count())
            .where(publications.c.object_id == object_id)
            .group_by(publications.c.status)
        ).all()
    )
    if counts.get("pending") or counts.get("sent"):
        return
    connection.execute(
        update(campaign_objects)
        .where(campaign_objects.c.id == object_id, campaign_objects.c.status == "publishing")
        .values(status="published" if counts.get("published") else "failed", updated_at=utcnow())
    )


def published_posts(engine: Engine, published_before: datetime) -> list[dict[str, Any]]:
    """Every publication live on its platform before the given instant, with its platform."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                publications.c.id.label("publication_id"),
                publications.c.external_post_id,
                publications.c.published_at,
                social_accounts.c.platform,
            )
            .join(social_accounts, social_accounts.c.id == publications.c.social_account_id)
            .where(
                publications.c.status == "published",
                publications.c.published_at < published_before,
            )
            .order_by(publications.c.id)
        )
        return [dict(row._mapping) for row in rows]


def status_counts(engine: Engine, campaign_id: int) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(publications.c.status, func.count())
            .where(publications.c.campaign_id == campaign_id)
            .group_by(publications.c.status)
        )
        return {status: count for status, count in rows}


def failed_publications(engine: Engine, campaign_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(publications.c.id, publications.c.social_account_id, publications.c.error)
            .where(publications.c.campaign_id == campaign_id, publications.c.status == "failed")
            .order_by(publications.c.id)
        )
        return [dict(row._mapping) for row in rows]

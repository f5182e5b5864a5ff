"""Publications: one per (approved object, targeted account), keyed so it is never made twice.

A publication's life: `blocked` (the platform's specs refuse the content, with the reason and a
fix), `scheduled` (waiting for its time), `pending` (ready to send), `sent` (the scenario took
it), `unknown` (sent, but no answer: reconciled before anything is sent again), then
`published` or `failed`. While one run sends a publication it is `sending`: claimed, so no
other run sends it too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    exists,
    func,
    insert,
    or_,
    select,
    tuple_,
    union,
    update,
)

from mediaflow_dagster.cms.campaigns import (
    PUBLISHING_CAMPAIGN_STATUSES,
    active_targets,
    get_campaign,
    objects_in_status,
)
from mediaflow_dagster.cms.database import insert_ignoring_duplicates, utcnow
from mediaflow_dagster.cms.errors import Conflict, NotFound
from mediaflow_dagster.cms.schema import (
    campaign_events,
    campaign_objects,
    campaign_targets,
    campaigns,
    object_platforms,
    publications,
    social_accounts,
)
from mediaflow_dagster.cms.webhooks import emit


@dataclass(frozen=True)
class Plan:
    """What the platform's specs make of one object: the adapted content, or why it cannot go."""

    spec_version: str
    adapted_content: dict[str, Any]
    violations: list[str] = field(default_factory=list)


Planner = Callable[[Connection, dict[str, Any], dict[str, Any]], Plan]


def idempotency_key(object_id: int, social_account_id: int) -> str:
    return f"pub-{object_id}-{social_account_id}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plan_publications(engine: Engine, campaign_id: int, planner: Planner) -> int:
    """Create the missing publications of a publishing campaign's approved objects, one per
    targeted active account (of the object's own platforms, when it names some), adapted and
    checked by `planner` (in the planning transaction); return how many were planned (a
    concurrent run may have made some of them first)."""
    if get_campaign(engine, campaign_id)["status"] not in PUBLISHING_CAMPAIGN_STATUSES:
        return 0
    targets = active_targets(engine, campaign_id)
    now = utcnow()
    made = 0
    with engine.begin() as connection:
        for content in objects_in_status(engine, campaign_id, "approved"):
            planned = set(
                connection.execute(
                    select(publications.c.social_account_id).where(
                        publications.c.object_id == content["id"]
                    )
                ).scalars()
            )
            platforms = set(
                connection.execute(
                    select(object_platforms.c.platform).where(
                        object_platforms.c.object_id == content["id"]
                    )
                ).scalars()
            )
            new_rows = []
            for account in targets:
                if account["id"] in planned or (platforms and account["platform"] not in platforms):
                    continue
                plan = planner(connection, account, content)
                new_rows.append(
                    {
                        "object_id": content["id"],
                        "social_account_id": account["id"],
                        "campaign_id": campaign_id,
                        "status": _initial_status(plan, content["scheduled_time"], now),
                        "idempotency_key": idempotency_key(content["id"], account["id"]),
                        "adapted_content": plan.adapted_content,
                        "spec_version": plan.spec_version,
                        "error": "; ".join(plan.violations) or None,
                        "scheduled_time": content["scheduled_time"],
                        "targeting": content["targeting"],
                        "approved_at": content["approved_at"],
                        "attempts": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            if new_rows:
                connection.execute(insert_ignoring_duplicates(connection, publications), new_rows)
                made += len(new_rows)
    return made


def _initial_status(plan: Plan, scheduled_time: datetime | None, now: datetime) -> str:
    if plan.violations:
        return "blocked"
    return "scheduled" if scheduled_time and scheduled_time > now else "pending"


def release_due(engine: Engine, campaign_id: int, now: datetime) -> int:
    """Scheduled publications whose time has come become pending: not a moment earlier."""
    with engine.begin() as connection:
        return connection.execute(
            update(publications)
            .where(
                publications.c.campaign_id == campaign_id,
                publications.c.status == "scheduled",
                publications.c.scheduled_time <= now,
            )
            .values(status="pending", updated_at=now)
        ).rowcount


def _with_account_and_content(*conditions) -> Any:
    account = social_accounts.alias("account")
    return (
        select(
            publications,
            account.c.platform,
            account.c.external_account_id,
            account.c.account_type,
            account.c.make_webhook_url,
            account.c.status.label("account_status"),
            campaign_objects.c.object_type,
            campaign_objects.c.media_url,
        )
        .join(account, account.c.id == publications.c.social_account_id)
        .join(campaign_objects, campaign_objects.c.id == publications.c.object_id)
        .where(*conditions)
        .order_by(publications.c.id)
    )


def dispatchable(engine: Engine, campaign_id: int) -> list[dict[str, Any]]:
    """Pending publications whose account can take them now (active, with its scenario)."""
    with engine.connect() as connection:
        rows = connection.execute(
            _with_account_and_content(
                publications.c.campaign_id == campaign_id,
                publications.c.status == "pending",
            )
        )
        return [
            dict(row._mapping)
            for row in rows
            if row.account_status == "active" and row.make_webhook_url
        ]


def to_reconcile(engine: Engine, campaign_id: int, sent_before: datetime) -> list[dict[str, Any]]:
    """Publications whose outcome is unknown, whose callback is overdue, or whose sending run
    died before it could say."""
    with engine.connect() as connection:
        rows = connection.execute(
            _with_account_and_content(
                publications.c.campaign_id == campaign_id,
                or_(
                    publications.c.status == "unknown",
                    and_(
                        publications.c.status.in_(["sent", "sending"]),
                        publications.c.requested_at < sent_before,
                    ),
                ),
            )
        )
        return [dict(row._mapping) for row in rows]


def claim_for_sending(engine: Engine, publication_id: int, token: str) -> bool:
    """Take a pending publication for sending, with a fresh single-use callback token (stored
    before it is sent: the scenario's callback may arrive before its webhook's answer does).
    False when another run took it first: then it must not be sent from here."""
    with engine.begin() as connection:
        claimed = connection.execute(
            update(publications)
            .where(publications.c.id == publication_id, publications.c.status == "pending")
            .values(
                status="sending",
                callback_token_hash=token_digest(token),
                callback_token_used_at=None,
                requested_at=utcnow(),
            )
        )
    return claimed.rowcount == 1


def mark_sent(engine: Engine, publication: dict[str, Any], *, answered: bool) -> None:
    """The publication went to its scenario; `answered` False means no answer came back (its
    outcome is unknown, to reconcile before anything is sent again)."""
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(
            update(publications)
            .where(publications.c.id == publication["id"], publications.c.status == "sending")
            .values(
                status="sent" if answered else "unknown",
                requested_at=now,
                attempts=publications.c.attempts + 1,
                updated_at=now,
            )
        )
        connection.execute(
            update(campaign_objects)
            .where(
                campaign_objects.c.id == publication["object_id"],
                campaign_objects.c.status == "approved",
            )
            .values(status="publishing", updated_at=now)
        )


def note_dispatch_failure(engine: Engine, publication_id: int, error: str) -> None:
    """The scenario could not be reached (nothing was sent): the publication is pending again,
    for the next run."""
    with engine.begin() as connection:
        connection.execute(
            update(publications)
            .where(publications.c.id == publication_id, publications.c.status == "sending")
            .values(
                status="pending",
                error=error,
                attempts=publications.c.attempts + 1,
                updated_at=utcnow(),
            )
        )


def return_to_pending(engine: Engine, publication_id: int, reason: str) -> None:
    """The scenario never received it: sending it again cannot make a duplicate."""
    with engine.begin() as connection:
        connection.execute(
            update(publications)
            .where(
                publications.c.id == publication_id, publications.c.status.in_(["sent", "unknown"])
            )
            .values(status="pending", error=reason, updated_at=utcnow())
        )


def get_publication(engine: Engine, publication_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            _with_account_and_content(publications.c.id == publication_id)
        ).first()
    if row is None:
        raise NotFound(f"publication {publication_id} does not exist")
    return dict(row._mapping)


def claim_callback_tokens(connection: Connection, digests: dict[int, str]) -> set[int]:
    """Spend the single-use callback tokens of publications (id → the digest of the token a
    callback carried) in one statement; the ids whose token matched and was unspent, now spent."""
    if not digests:
        return set()
    return set(
        connection.execute(
            update(publications)
            .where(
                publications.c.id.in_(list(digests)),  # the index: SQLite scans for a row value
                tuple_(publications.c.id, publications.c.callback_token_hash).in_(
                    list(digests.items())
                ),
                publications.c.callback_token_used_at.is_(None),
            )
            .values(callback_token_used_at=utcnow())
            .returning(publications.c.id)
        ).scalars()
    )


def record_outcome(
    connection: Connection,
    publication_id: int,
    *,
    status: str,
    external_post_id: str | None,
    external_url: str | None,
    published_at: datetime | None,
    error: str | None,
    confirmed_at: datetime | None = None,
) -> None:
    """Store what the scenario reported, tell the campaign's owner, and settle the object once
    all its publications are settled."""
    current = connection.execute(
        select(publications).where(publications.c.id == publication_id)
    ).first()
    if current is None:
        raise NotFound(f"publication {publication_id} does not exist")
    if current.status in ("published", "failed"):
        raise Conflict(
            f"publication {publication_id} is already {current.status}; it cannot become {status}"
        )
    confirmed_at = confirmed_at or utcnow()
    connection.execute(
        update(publications)
        .where(publications.c.id == publication_id)
        .values(
            status=status,
            external_post_id=external_post_id,
            external_url=external_url,
            published_at=published_at,
            error=error,
            confirmed_at=confirmed_at,
            time_to_publish_seconds=(
                (confirmed_at - current.approved_at).total_seconds()
                if current.approved_at
                else None
            ),
            updated_at=utcnow(),
        )
    )
    connection.execute(
        insert(campaign_events).values(
            campaign_id=current.campaign_id,
            publication_id=publication_id,
            event_type=f"publication.{status}",
            detail=external_url or external_post_id if status == "published" else error,
            created_at=utcnow(),
        )
    )
    platform = connection.execute(
        select(social_accounts.c.platform).where(social_accounts.c.id == current.social_account_id)
    ).scalar_one()
    emit(
        connection,
        "publication_success" if status == "published" else "publication_failed",
        {
            "publication_id": publication_id,
            "campaign_id": current.campaign_id,
            "object_id": current.object_id,
            "platform": platform,
            "external_post_id": external_post_id,
            "url": external_url,
            "published_at": published_at.isoformat() + "Z" if published_at else None,
            "error": error,
        },
    )
    _settle_object(connection, current.object_id)


def _settle_object(connection: Connection, object_id: int) -> None:
    counts = dict(
        connection.execute(
            select(publications.c.status, func.count())
            .where(publications.c.object_id == object_id)
            .group_by(publications.c.status)
        ).all()
    )
    if any(counts.get(status) for status in ("scheduled", "pending", "sending", "sent", "unknown")):
        return
    connection.execute(
        update(campaign_objects)
        .where(campaign_objects.c.id == object_id, campaign_objects.c.status == "publishing")
        .values(status="published" if counts.get("published") else "failed", updated_at=utcnow())
    )


def status_counts(engine: Engine, campaign_id: int) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(publications.c.status, func.count())
            .where(publications.c.campaign_id == campaign_id)
            .group_by(publications.c.status)
        )
        return {status: count for status, count in rows}


def unsuccessful_publications(engine: Engine, campaign_id: int) -> list[dict[str, Any]]:
    """Failed and blocked publications, with why."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                publications.c.id,
                social_accounts.c.platform,
                publications.c.object_id,
                publications.c.status,
                publications.c.error,
            )
            .join(social_accounts, social_accounts.c.id == publications.c.social_account_id)
            .where(
                publications.c.campaign_id == campaign_id,
                publications.c.status.in_(["failed", "blocked"]),
            )
            .order_by(publications.c.id)
        )
        return [dict(row._mapping) for row in rows]


def published_posts(
    engine: Engine, published_before: datetime, platform: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every publication live on its platform (or on `platform` only) before the given instant,
    with its platform and account, read row by row (an hour's collection reads tens of
    thousands)."""
    on_platform = [social_accounts.c.platform == platform] if platform else []
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                publications.c.id.label("publication_id"),
                publications.c.external_post_id,
                publications.c.published_at,
                social_accounts.c.platform,
                social_accounts.c.external_account_id,
            )
            .join(social_accounts, social_accounts.c.id == publications.c.social_account_id)
            .where(
                publications.c.status == "published",
                publications.c.published_at < published_before,
                *on_platform,
            )
            .order_by(publications.c.id)
        )
        for row in rows:
            yield dict(row._mapping)


def campaigns_with_due_work(engine: Engine, now: datetime, sent_before: datetime) -> list[int]:
    """Campaigns with publishing to do: a scheduled publication now due, a pending one, one to
    reconcile, or, while the campaign publishes, an approved object not yet planned for every
    active target of its platforms (the campaign just became active, an account was
    reconnected)."""
    due = select(publications.c.campaign_id).where(
        or_(
            and_(publications.c.status == "scheduled", publications.c.scheduled_time <= now),
            publications.c.status.in_(["pending", "unknown"]),
            and_(
                publications.c.status.in_(["sent", "sending"]),
                publications.c.requested_at < sent_before,
            ),
        )
    )
    active_targets_count = (
        select(func.count())
        .select_from(
            campaign_targets.join(
                social_accounts, social_accounts.c.id == campaign_targets.c.social_account_id
            )
        )
        .where(
            campaign_targets.c.campaign_id == campaign_objects.c.campaign_id,
            campaign_targets.c.is_active.is_(True),
            social_accounts.c.status == "active",
            or_(
                ~exists().where(object_platforms.c.object_id == campaign_objects.c.id),
                social_accounts.c.platform.in_(
                    select(object_platforms.c.platform).where(
                        object_platforms.c.object_id == campaign_objects.c.id
                    )
                ),
            ),
        )
        .scalar_subquery()
    )
    planned_count = (
        select(func.count())
        .select_from(publications)
        .where(publications.c.object_id == campaign_objects.c.id)
        .scalar_subquery()
    )
    unplanned = (
        select(campaign_objects.c.campaign_id)
        .join(campaigns, campaigns.c.id == campaign_objects.c.campaign_id)
        .where(
            campaigns.c.status.in_(PUBLISHING_CAMPAIGN_STATUSES),
            campaign_objects.c.status.in_(["approved", "publishing"]),
            planned_count < active_targets_count,
        )
    )
    with engine.connect() as connection:
        found = connection.execute(union(due, unplanned)).scalars()
        return sorted(set(found))

"""Campaigns, the accounts they target, their objects and the objects' approvals."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from mediaflow_dagster.cms.database import Bind, page, transaction, utcnow
from mediaflow_dagster.cms.errors import Conflict, Invalid, NotFound, StaleVersion
from mediaflow_dagster.cms.schema import (
    approvals,
    campaign_events,
    campaign_objects,
    campaign_phases,
    campaign_reports,
    campaign_targets,
    campaigns,
    content_candidates,
    media_renditions,
    menus,
    object_platforms,
    performance_alerts,
    performance_thresholds,
    publications,
    social_accounts,
)
from mediaflow_dagster.cms.webhooks import EventType, emit

CAMPAIGN_TRANSITIONS: dict[str, set[str]] = {
    "draft": {"scheduled", "active", "canceled"},
    "scheduled": {"draft", "active", "paused", "canceled"},
    "active": {"paused", "completed", "canceled"},
    "paused": {"active", "completed", "canceled"},
    "completed": set(),
    "canceled": set(),
}
PUBLISHING_CAMPAIGN_STATUSES = ("scheduled", "active")

OBJECT_TRANSITIONS: dict[str, set[str]] = {
    # an article or an advertisement is written, not generated: ready once its media is
    "draft": {"generating", "ready"},
    # back to a draft only when its request never reached n8n
    "generating": {"draft", "ready", "failed", "stalled"},
    "stalled": {"draft", "generating", "ready", "failed"},
    "ready": {"approved", "generating"},
    "approved": {"publishing", "generating"},
    "publishing": {"published", "failed"},
    "published": set(),
    "failed": {"generating"},
}


def create_campaign(
    bind: Bind,
    *,
    name: str,
    description: str | None,
    topics: list[str],
    budget: Decimal,
    currency: str,
    start_date: date,
    end_date: date,
    social_account_ids: list[int],
    owner_email: str | None = None,
    goals: list[str] | None = None,
    target_audience: dict[str, Any] | None = None,
    success_metrics: list[dict[str, Any]] | None = None,
    channels: list[str] | None = None,
) -> dict[str, Any]:
    if end_date < start_date:
        raise Conflict(f"end_date {end_date} is before start_date {start_date}")
    now = utcnow()
    with transaction(bind) as connection:
        known = set(
            connection.execute(
                select(social_accounts.c.id).where(social_accounts.c.id.in_(social_account_ids))
            ).scalars()
        )
        missing = sorted(set(social_account_ids) - known)
        if missing:
            raise NotFound(f"social accounts {missing} do not exist")
        campaign_id = connection.execute(
            insert(campaigns).values(
                name=name,
                description=description,
                topics=topics,
                budget=budget,
                currency=currency,
                start_date=start_date,
                end_date=end_date,
                owner_email=owner_email,
                goals=goals or [],
                target_audience=target_audience,
                success_metrics=success_metrics or [],
                channels=channels or [],
                status="draft",
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        if social_account_ids:
            connection.execute(
                insert(campaign_targets),
                [
                    {
                        "campaign_id": campaign_id,
                        "social_account_id": account_id,
                        "is_active": True,
                        "created_at": now,
                    }
                    for account_id in dict.fromkeys(social_account_ids)
                ],
            )
    return get_campaign(bind, campaign_id)


def get_campaign(bind: Bind, campaign_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(select(campaigns).where(campaigns.c.id == campaign_id)).first()
        if row is None:
            raise NotFound(f"campaign {campaign_id} does not exist")
        target_ids = connection.execute(
            select(campaign_targets.c.social_account_id)
            .where(campaign_targets.c.campaign_id == campaign_id)
            .order_by(campaign_targets.c.social_account_id)
        ).scalars()
        return {**row._mapping, "social_account_ids": list(target_ids)}


def change_campaign_status(bind: Bind, campaign_id: int, to_status: str) -> dict[str, Any]:
    """Move a campaign along its lifecycle; an illegal move is refused with `Conflict`."""
    with transaction(bind) as connection:
        current = connection.execute(
            select(campaigns.c.status).where(campaigns.c.id == campaign_id)
        ).scalar()
        if current is None:
            raise NotFound(f"campaign {campaign_id} does not exist")
        if to_status not in CAMPAIGN_TRANSITIONS[current]:
            allowed = ", ".join(sorted(CAMPAIGN_TRANSITIONS[current])) or "nothing"
            raise Conflict(
                f"campaign {campaign_id} is {current}; it cannot become {to_status} "
                f"(it can become: {allowed})"
            )
        connection.execute(
            update(campaigns)
            .where(campaigns.c.id == campaign_id)
            .values(status=to_status, updated_at=utcnow(), version=campaigns.c.version + 1)
        )
        if event_type := _lifecycle_event(current, to_status):
            emit(
                connection,
                event_type,
                {"campaign_id": campaign_id, "from_status": current, "status": to_status},
            )
    return get_campaign(bind, campaign_id)


def _lifecycle_event(from_status: str, to_status: str) -> EventType | None:
    """The outbound event a move reports: a campaign starts once (a paused one resuming does not
    start again) and completes once."""
    if to_status == "active" and from_status in ("draft", "scheduled"):
        return "campaign_started"
    if to_status == "completed":
        return "campaign_completed"
    return None


EDITABLE_WHILE_RUNNING = frozenset(
    {
        "name",
        "description",
        "topics",
        "goals",
        "target_audience",
        "success_metrics",
        "channels",
        "end_date",
        "owner_email",
    }
)
"""What an active or paused campaign may still change: not its start, budget or currency,
which its publications and the marts' pro-rated budget already rest on."""
FINISHED_STATUSES = ("completed", "canceled")


def campaigns_matching(
    bind: Bind,
    after: int | None,
    limit: int,
    *,
    statuses: list[str] | None = None,
    owner_email: str | None = None,
    running_from: date | None = None,
    running_to: date | None = None,
    archived: bool = False,
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of campaigns, oldest first: in one of `statuses`, of one owner, running on some
    day between `running_from` and `running_to`; archived ones only when asked for."""
    query = select(campaigns.c.id)
    if statuses:
        query = query.where(campaigns.c.status.in_(statuses))
    if owner_email:
        query = query.where(func.lower(campaigns.c.owner_email) == owner_email.lower())
    if running_from:
        query = query.where(campaigns.c.end_date >= running_from)
    if running_to:
        query = query.where(campaigns.c.start_date <= running_to)
    query = query.where(
        campaigns.c.archived_at.is_not(None) if archived else campaigns.c.archived_at.is_(None)
    )
    rows, next_cursor = page(bind, query, campaigns.c.id, after, limit)
    return [get_campaign(bind, row["id"]) for row in rows], next_cursor


def update_campaign(
    bind: Bind, campaign_id: int, expected_version: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """`changes` applied if the campaign is still at `expected_version` (else `StaleVersion`)
    and its lifecycle allows them (else `Conflict` naming what it refuses)."""
    with transaction(bind) as connection:
        row = connection.execute(select(campaigns).where(campaigns.c.id == campaign_id)).first()
        if row is None:
            raise NotFound(f"campaign {campaign_id} does not exist")
        if row.version != expected_version:
            raise StaleVersion(
                f"campaign {campaign_id} changed since version {expected_version}: it is at "
                f"version {row.version}; read it again"
            )
        if row.archived_at is not None or row.status in FINISHED_STATUSES:
            state = "archived" if row.archived_at is not None else row.status
            raise Conflict(f"campaign {campaign_id} is {state}: it can no longer change")
        if row.status not in ("draft", "scheduled"):
            refused = sorted(set(changes) - EDITABLE_WHILE_RUNNING)
            if refused:
                raise Conflict(
                    f"campaign {campaign_id} is {row.status}: {', '.join(refused)} can no longer "
                    "change (only while draft or scheduled)"
                )
        start = changes.get("start_date", row.start_date)
        end = changes.get("end_date", row.end_date)
        if end < start:
            raise Conflict(f"end_date {end} is before start_date {start}")
        connection.execute(
            update(campaigns)
            .where(campaigns.c.id == campaign_id)
            .values(**changes, updated_at=utcnow(), version=row.version + 1)
        )
    return get_campaign(bind, campaign_id)


def remove_campaign(bind: Bind, campaign_id: int) -> dict[str, Any] | None:
    """Delete a campaign that never reached a platform; archive one that did (its publications
    and their insights stay, as history): the archived campaign, or None when deleted. One
    still publishing (scheduled or active) is refused: pause, complete or cancel it first."""
    campaign = get_campaign(bind, campaign_id)
    if campaign["status"] in PUBLISHING_CAMPAIGN_STATUSES:
        raise Conflict(
            f"campaign {campaign_id} is {campaign['status']}: pause, complete or cancel it "
            "before removing it"
        )
    with transaction(bind) as connection:
        menu_ids = (
            connection.execute(
                select(menus.c.id).where(menus.c.campaign_id == campaign_id).order_by(menus.c.id)
            )
            .scalars()
            .all()
        )
        if menu_ids:
            raise Conflict(
                f"campaign {campaign_id} publishes menu(s) {', '.join(map(str, menu_ids))}: "
                "give them another campaign before removing it"
            )
        sent = connection.execute(
            select(func.count())
            .select_from(publications)
            .where(publications.c.campaign_id == campaign_id)
        ).scalar_one()
        if sent:
            connection.execute(
                update(campaigns)
                .where(campaigns.c.id == campaign_id, campaigns.c.archived_at.is_(None))
                .values(archived_at=utcnow(), updated_at=utcnow(), version=campaigns.c.version + 1)
            )
        else:
            _delete_campaign(connection, campaign_id)
    return get_campaign(bind, campaign_id) if sent else None


def _delete_campaign(connection: Connection, campaign_id: int) -> None:
    objects = select(campaign_objects.c.id).where(campaign_objects.c.campaign_id == campaign_id)
    connection.execute(
        update(content_candidates)
        .where(content_candidates.c.picked_object_id.in_(objects))
        .values(picked_object_id=None)
    )
    for table in (media_renditions, approvals, object_platforms):
        connection.execute(delete(table).where(table.c.object_id.in_(objects)))
    for table in (
        campaign_events,
        content_candidates,
        campaign_targets,
        campaign_objects,
        performance_alerts,
        performance_thresholds,
        campaign_reports,
        campaign_phases,
    ):
        connection.execute(delete(table).where(table.c.campaign_id == campaign_id))
    connection.execute(delete(campaigns).where(campaigns.c.id == campaign_id))


def active_targets(bind: Bind, campaign_id: int) -> list[dict[str, Any]]:
    """The campaign's accounts that publishing may use right now."""
    with transaction(bind) as connection:
        rows = connection.execute(
            select(social_accounts)
            .join(campaign_targets, campaign_targets.c.social_account_id == social_accounts.c.id)
            .where(
                campaign_targets.c.campaign_id == campaign_id,
                campaign_targets.c.is_active.is_(True),
                social_accounts.c.status == "active",
            )
            .order_by(social_accounts.c.id)
        )
        return [dict(row._mapping) for row in rows]


def create_object(
    bind: Bind,
    *,
    campaign_id: int,
    object_type: str,
    title: str,
    sources: list[Any],
    config: dict[str, Any],
    article: dict[str, Any] | None = None,
    advertisement: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A draft object; an article's cover and an ad's creative must be objects of the same
    campaign of a type they can be (`Invalid` naming the field otherwise)."""
    get_campaign(bind, campaign_id)
    now = utcnow()
    with transaction(bind) as connection:
        if article and article.get("cover_object_id"):
            _check_used_object(
                connection, campaign_id, "article.cover_object_id", article["cover_object_id"]
            )
        if advertisement:
            _check_used_object(
                connection,
                campaign_id,
                "advertisement.creative_object_id",
                advertisement["creative_object_id"],
            )
        object_id = connection.execute(
            insert(campaign_objects).values(
                campaign_id=campaign_id,
                object_type=object_type,
                title=title,
                sources=sources,
                config=config,
                status="draft",
                hashtags=[],
                article=article,
                advertisement=advertisement,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
    return get_object(bind, object_id)


USABLE_TYPES = {
    "article.cover_object_id": ("image",),
    "advertisement.creative_object_id": ("image", "video"),
}
"""What an article's cover and an ad's creative may be."""


def _check_used_object(
    connection: Connection, campaign_id: int, field: str, object_id: int
) -> None:
    used = connection.execute(
        select(campaign_objects.c.campaign_id, campaign_objects.c.object_type).where(
            campaign_objects.c.id == object_id
        )
    ).first()
    if used is None or used.campaign_id != campaign_id:
        raise Invalid(field, f"object {object_id} is not an object of campaign {campaign_id}")
    if used.object_type not in USABLE_TYPES[field]:
        allowed = " or ".join(USABLE_TYPES[field])
        raise Invalid(field, f"object {object_id} is a {used.object_type}, not an {allowed}")


def get_object(bind: Bind, object_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(
            select(campaign_objects).where(campaign_objects.c.id == object_id)
        ).first()
    if row is None:
        raise NotFound(f"campaign object {object_id} does not exist")
    return dict(row._mapping)


def objects_in_status(bind: Bind, campaign_id: int, status: str) -> list[dict[str, Any]]:
    with transaction(bind) as connection:
        rows = connection.execute(
            select(campaign_objects)
            .where(
                campaign_objects.c.campaign_id == campaign_id,
                campaign_objects.c.status == status,
            )
            .order_by(campaign_objects.c.id)
        )
        return [dict(row._mapping) for row in rows]


def transition_object(bind: Bind, object_id: int, to_status: str, **changes: Any) -> None:
    """Move an object along its lifecycle; an illegal move is refused with `Conflict`."""
    with transaction(bind) as connection:
        move_object(connection, object_id, to_status, changes)


def move_object(
    connection: Connection, object_id: int, to_status: str, changes: dict[str, Any]
) -> dict[str, Any]:
    row = connection.execute(
        select(campaign_objects).where(campaign_objects.c.id == object_id)
    ).first()
    if row is None:
        raise NotFound(f"campaign object {object_id} does not exist")
    if to_status not in OBJECT_TRANSITIONS[row.status]:
        raise Conflict(f"campaign object {object_id} is {row.status}; it cannot become {to_status}")
    if to_status == "generating" and row.status in ("ready", "approved"):
        _void_approval(connection, object_id)
        changes = {**changes, "approved_at": None, "content_hash": None}
    connection.execute(
        update(campaign_objects)
        .where(campaign_objects.c.id == object_id, campaign_objects.c.status == row.status)
        .values(status=to_status, updated_at=utcnow(), **changes)
    )
    return dict(row._mapping)


def _void_approval(connection: Connection, object_id: int) -> None:
    """Regenerated content is not what was approved: the approval no longer holds, and the
    publications it planned but never sent go with it."""
    connection.execute(
        update(approvals)
        .where(approvals.c.object_id == object_id, approvals.c.voided_at.is_(None))
        .values(voided_at=utcnow())
    )
    connection.execute(
        delete(publications).where(
            publications.c.object_id == object_id,
            publications.c.status.in_(["pending", "scheduled", "blocked"]),
        )
    )


def content_fingerprint(
    text: str | None, hashtags: list[str], media_item_id: str | None, media_bytes: int | None
) -> str:
    """What an approval is bound to: a hash of the text, hashtags and media file."""
    material = json.dumps([text, hashtags, media_item_id, media_bytes], ensure_ascii=False)
    return hashlib.sha256(material.encode()).hexdigest()


def approve_object(
    bind: Bind,
    object_id: int,
    approved_by: str,
    *,
    scheduled_time: datetime | None = None,
    targeting: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Approve the object's current content, bound to its fingerprint, for publication now or
    at `scheduled_time`, with optional audience targeting."""
    now = utcnow()
    with transaction(bind) as connection:
        approved = move_object(
            connection,
            object_id,
            "approved",
            {"approved_at": now, "scheduled_time": scheduled_time, "targeting": targeting},
        )
        connection.execute(
            insert(approvals).values(
                object_id=object_id,
                campaign_id=approved["campaign_id"],
                approved_by=approved_by,
                approved_at=now,
                content_hash=approved["content_hash"],
            )
        )
    return get_object(bind, object_id)


def approvals_after(bind: Bind, approval_id: int, limit: int) -> list[dict[str, Any]]:
    with transaction(bind) as connection:
        rows = connection.execute(
            select(approvals)
            .where(approvals.c.id > approval_id)
            .order_by(approvals.c.id)
            .limit(limit)
        )
        return [dict(row._mapping) for row in rows]


def target_platforms(bind: Bind, campaign_ids: list[int]) -> dict[int, list[str]]:
    """The platforms each campaign publishes on now: those of its active targeted accounts."""
    with transaction(bind) as connection:
        rows = connection.execute(
            select(campaign_targets.c.campaign_id, social_accounts.c.platform)
            .distinct()
            .join(social_accounts, social_accounts.c.id == campaign_targets.c.social_account_id)
            .where(
                campaign_targets.c.campaign_id.in_(campaign_ids),
                campaign_targets.c.is_active.is_(True),
                social_accounts.c.status == "active",
            )
            .order_by(campaign_targets.c.campaign_id, social_accounts.c.platform)
        )
        platforms: dict[int, list[str]] = {campaign_id: [] for campaign_id in campaign_ids}
        for campaign_id, platform in rows:
            platforms[campaign_id].append(platform)
        return platforms

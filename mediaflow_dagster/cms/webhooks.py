"""Outbound webhooks in the ops store: subscriptions per event type, and the outbox.

An event is written to the outbox in the same transaction as the change it reports (a
publication confirmed, a campaign started), one delivery per active subscription to its type,
so a change is never reported without having happened nor lost after it did. Dagster sends the
deliveries (`assets/webhooks.py`): each is claimed for a while before it is sent, so two runs
never send it at once, and the answer decides what follows:

- 2xx: delivered;
- 410 Gone: the receiver asked never to be called again: the subscription is disabled and the
  delivery given up;
- anything else (another status, a timeout, a refused address): tried again on the schedule of
  `RETRY_DELAYS` (the Standard Webhooks one: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), then given
  up as a dead letter, which an admin can replay through the API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import Connection, and_, func, insert, select, update

from mediaflow_dagster.cms.database import Bind, page, transaction, utcnow
from mediaflow_dagster.cms.errors import Conflict, NotFound
from mediaflow_dagster.cms.schema import webhook_deliveries, webhook_subscriptions

EventType = Literal[
    "publication_success",
    "publication_failed",
    "campaign_started",
    "campaign_completed",
    "performance_alert",
    "menu_synced",
    "run_failed",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
"""The wait after each failed attempt; after the last one the delivery is a dead letter."""
ATTEMPTS = len(RETRY_DELAYS) + 1
CLAIM = timedelta(minutes=2)
"""How long a claimed delivery is kept from other runs: longer than one attempt can take."""


@dataclass(frozen=True)
class Due:
    """A delivery to send now, with what signing and sending it needs."""

    id: int
    message_id: str
    subscription_id: int
    url: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Attempt:
    """What one attempt got: the receiver's status, or why no status came back."""

    status: int | None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status == 410


def subscribe(
    bind: Bind, *, url: str, event_types: list[str], description: str | None, created_by: str
) -> dict[str, Any]:
    now = utcnow()
    with transaction(bind) as connection:
        subscription_id = connection.execute(
            insert(webhook_subscriptions).values(
                url=url,
                event_types=sorted(set(event_types)),
                description=description,
                status="active",
                created_by=created_by,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
    return get_subscription(bind, subscription_id)


def get_subscription(bind: Bind, subscription_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(
            select(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
        ).first()
    if row is None:
        raise NotFound(f"webhook subscription {subscription_id} does not exist")
    return dict(row._mapping)


def list_subscriptions(
    bind: Bind, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    return page(bind, select(webhook_subscriptions), webhook_subscriptions.c.id, after, limit)


def set_subscription_status(
    bind: Bind, subscription_id: int, status: Literal["active", "disabled"], reason: str | None
) -> dict[str, Any]:
    get_subscription(bind, subscription_id)
    with transaction(bind) as connection:
        connection.execute(
            update(webhook_subscriptions)
            .where(webhook_subscriptions.c.id == subscription_id)
            .values(status=status, disabled_reason=reason, updated_at=utcnow())
        )
    return get_subscription(bind, subscription_id)


def emit(connection: Connection, event_type: EventType, data: dict[str, Any]) -> int:
    """Put `event_type` in the outbox for every active subscription to it, in the caller's
    transaction; how many deliveries that makes."""
    now = utcnow()
    subscribers = [
        row.id
        for row in connection.execute(
            select(webhook_subscriptions.c.id, webhook_subscriptions.c.event_types).where(
                webhook_subscriptions.c.status == "active"
            )
        )
        if event_type in row.event_types
    ]
    if not subscribers:
        return 0
    payload = {"type": event_type, "timestamp": now.isoformat() + "Z", "data": data}
    connection.execute(
        insert(webhook_deliveries),
        [
            {
                "message_id": f"msg_{uuid.uuid4().hex}",
                "subscription_id": subscription_id,
                "event_type": event_type,
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for subscription_id in subscribers
        ],
    )
    return len(subscribers)


def due_count(bind: Bind, now: datetime) -> int:
    with transaction(bind) as connection:
        return connection.execute(
            select(func.count()).select_from(webhook_deliveries).where(_is_due(now))
        ).scalar_one()


def claim_due(bind: Bind, now: datetime, limit: int) -> list[Due]:
    """Up to `limit` deliveries due at `now`, claimed for `CLAIM`: another run claiming at the
    same time gets other deliveries or none."""
    with transaction(bind) as connection:
        wanted = select(webhook_deliveries.c.id).where(_is_due(now)).limit(limit)
        claimed = {
            row.id: row
            for row in connection.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id.in_(wanted.scalar_subquery()), _is_due(now))
                .values(next_attempt_at=now + CLAIM)
                .returning(
                    webhook_deliveries.c.id,
                    webhook_deliveries.c.message_id,
                    webhook_deliveries.c.subscription_id,
                    webhook_deliveries.c.payload,
                    webhook_deliveries.c.attempts,
                )
            )
        }
        subscribers = {row.subscription_id for row in claimed.values()}
        urls = dict(
            connection.execute(
                select(webhook_subscriptions.c.id, webhook_subscriptions.c.url).where(
                    webhook_subscriptions.c.id.in_(subscribers)
                )
            ).all()
        )
    return [
        Due(
            id=row.id,
            message_id=row.message_id,
            subscription_id=row.subscription_id,
            url=urls[row.subscription_id],
            payload=row.payload,
            attempts=row.attempts,
        )
        for row in sorted(claimed.values(), key=lambda row: row.id)
    ]


def _is_due(now: datetime):
    active = (
        select(webhook_subscriptions.c.id)
        .where(webhook_subscriptions.c.status == "active")
        .scalar_subquery()
    )
    return and_(
        webhook_deliveries.c.status == "pending",
        webhook_deliveries.c.next_attempt_at <= now,
        webhook_deliveries.c.subscription_id.in_(active),
    )


def record_attempt(bind: Bind, due: Due, attempt: Attempt, now: datetime) -> str:
    """Store what the attempt got; the delivery's status after it."""
    attempts = due.attempts + 1
    if attempt.delivered:
        status, next_attempt_at = "delivered", None
    elif attempt.gone or attempts >= ATTEMPTS:
        status, next_attempt_at = "dead", None
    else:
        status, next_attempt_at = "pending", now + RETRY_DELAYS[attempts - 1]
    with transaction(bind) as connection:
        connection.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == due.id)
            .values(
                status=status,
                attempts=attempts,
                next_attempt_at=next_attempt_at,
                last_status=attempt.status,
                last_error=(attempt.error or "")[:500] or None,
                delivered_at=now if attempt.delivered else None,
            )
        )
        if attempt.gone:
            connection.execute(
                update(webhook_subscriptions)
                .where(webhook_subscriptions.c.id == due.subscription_id)
                .values(
                    status="disabled",
                    disabled_reason="the receiver answered 410 Gone",
                    updated_at=now,
                )
            )
    return status


def list_deliveries(
    bind: Bind, status: str | None, subscription_id: int | None, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    query = select(webhook_deliveries)
    if status is not None:
        query = query.where(webhook_deliveries.c.status == status)
    if subscription_id is not None:
        query = query.where(webhook_deliveries.c.subscription_id == subscription_id)
    return page(bind, query, webhook_deliveries.c.id, after, limit)


def get_delivery(bind: Bind, delivery_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(
            select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
        ).first()
    if row is None:
        raise NotFound(f"webhook delivery {delivery_id} does not exist")
    return dict(row._mapping)


def replay(bind: Bind, delivery_id: int) -> dict[str, Any]:
    """Send a dead letter again, from its first attempt, under its own message id (receivers
    that deduplicate by `webhook-id` take it once)."""
    delivery = get_delivery(bind, delivery_id)
    if delivery["status"] != "dead":
        raise Conflict(
            f"webhook delivery {delivery_id} is {delivery['status']}: "
            "only a dead letter is replayed"
        )
    subscription = get_subscription(bind, delivery["subscription_id"])
    if subscription["status"] != "active":
        raise Conflict(
            f"webhook subscription {subscription['id']} is disabled: enable it before replaying"
        )
    with transaction(bind) as connection:
        connection.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id)
            .values(status="pending", attempts=0, next_attempt_at=utcnow())
        )
    return get_delivery(bind, delivery_id)

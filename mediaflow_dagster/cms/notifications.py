"""Notification requests and their messages in the ops store: planned once per (request,
contact, channel), claimed before sending and settled after, and what happened to each message
afterwards (delivery, bounce, open, click, unsubscribe) as events kept once by their id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from mediaflow_dagster.cms.database import insert_ignoring_duplicates, utcnow
from mediaflow_dagster.cms.errors import NotFound
from mediaflow_dagster.cms.schema import (
    message_events,
    notification_messages,
    notification_requests,
)


def record_event(
    connection: Connection,
    event_id: str,
    message_id: int | None,
    event_type: str,
    detail: str | None = None,
    now=None,
) -> bool:
    """Keep the event once under its id; False when it was kept already."""
    inserted = connection.execute(
        insert_ignoring_duplicates(connection, message_events).values(
            event_id=event_id,
            message_id=message_id,
            event_type=event_type,
            detail=detail,
            occurred_at=now or utcnow(),
        )
    ).rowcount
    return inserted == 1


def record_unsubscribe(connection: Connection, message_id: int | None) -> None:
    """The message the contact unsubscribed from, for the warehouse's counts."""
    if message_id is None:
        return
    now = utcnow()
    if record_event(connection, f"unsubscribe-{message_id}", message_id, "unsubscribed", now=now):
        connection.execute(
            update(notification_messages)
            .where(notification_messages.c.id == message_id)
            .values(unsubscribed_at=now, updated_at=now)
        )


def message(connection: Connection, message_id: int) -> dict[str, Any] | None:
    row = connection.execute(
        select(notification_messages).where(notification_messages.c.id == message_id)
    ).first()
    return dict(row._mapping) if row else None


def create_request(connection: Connection, *, requested_by: str, **wanted: Any) -> dict[str, Any]:
    request_id = connection.execute(
        insert(notification_requests).values(
            template_name=wanted["template"],
            audience={key: value for key, value in wanted["audience"].items() if value},
            data=wanted["data"],
            channels=wanted["channels"],
            all_channels=wanted["all_channels"],
            send_at=wanted["send_at"],
            best_hour=wanted["best_hour"],
            campaign_id=wanted["campaign_id"],
            status="pending",
            requested_by=requested_by,
            created_at=utcnow(),
        )
    ).inserted_primary_key[0]
    return get_request(connection, request_id)


def get_request(connection: Connection, request_id: int) -> dict[str, Any]:
    row = connection.execute(
        select(notification_requests).where(notification_requests.c.id == request_id)
    ).first()
    if row is None:
        raise NotFound(f"notification request {request_id} does not exist")
    counts = connection.execute(
        select(notification_messages.c.status, func.count())
        .where(notification_messages.c.request_id == request_id)
        .group_by(notification_messages.c.status)
    ).all()
    return dict(row._mapping) | {"messages": dict(counts)}


def pending_work(connection: Connection, now) -> dict[str, Any]:
    """What the sending sensor starts a run for: requests not planned yet, due messages."""
    requests = connection.execute(
        select(func.max(notification_requests.c.id)).where(
            notification_requests.c.status == "pending"
        )
    ).scalar()
    due = connection.execute(
        select(
            func.max(notification_messages.c.id), func.sum(notification_messages.c.attempts)
        ).where(
            (notification_messages.c.status == "pending")
            & (notification_messages.c.send_after <= now)
        )
    ).one()
    return {"request": requests, "message": due[0], "attempts": due[1]}


def status_counts(connection: Connection) -> dict[str, int]:
    return dict(
        connection.execute(
            select(notification_messages.c.status, func.count()).group_by(
                notification_messages.c.status
            )
        ).all()
    )


def recent_failures(connection: Connection, limit: int = 20) -> list[dict[str, Any]]:
    """The latest failed or blocked messages with their reasons (ids only, no personal data)."""
    rows = connection.execute(
        select(
            notification_messages.c.id,
            notification_messages.c.request_id,
            notification_messages.c.channel,
            notification_messages.c.status,
            notification_messages.c.reason,
        )
        .where(notification_messages.c.status.in_(("failed", "blocked", "bounced")))
        .order_by(notification_messages.c.updated_at.desc(), notification_messages.c.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]


def record_tracking(connection: Connection, message_id: int, kind: str, now=None) -> None:
    """An open or a click of the message; the first of each is kept on the message."""
    now = now or utcnow()
    column = {"opened": "opened_at", "clicked": "clicked_at"}[kind]
    found = message(connection, message_id)
    if found is None:
        return
    record_event(connection, f"{kind}-{message_id}-{now.isoformat()}", message_id, kind, now=now)
    values = {"updated_at": now}
    if found[column] is None:
        values[column] = now
    if kind == "clicked" and found["opened_at"] is None:
        values["opened_at"] = now
    connection.execute(
        update(notification_messages)
        .where(notification_messages.c.id == message_id)
        .values(**values)
    )


SMS_STATUSES = {"delivered": "delivered", "undelivered": "bounced", "failed": "bounced"}


def record_sms_status(
    connection: Connection, provider_message_id: str, status: str, error_code: str | None
) -> bool:
    """A status callback of the SMS provider, kept once per (message, status); False when it
    was a replay. `delivered` and `undelivered`/`failed` (a bounce) settle the message."""
    row = connection.execute(
        select(notification_messages).where(
            notification_messages.c.provider_message_id == provider_message_id
        )
    ).first()
    if row is None:
        raise NotFound("no message was sent under this id")
    detail = f"error {error_code}" if error_code else None
    event = f"sms-{provider_message_id}-{status}"
    if not record_event(connection, event, row.id, f"sms_{status}", detail):
        return False
    final = SMS_STATUSES.get(status)
    if final is not None and row.status in ("sent", "sending"):
        now = utcnow()
        connection.execute(
            update(notification_messages)
            .where(notification_messages.c.id == row.id)
            .values(
                status=final,
                reason=detail if final == "bounced" else row.reason,
                delivered_at=now if final == "delivered" else None,
                updated_at=now,
            )
        )
    return True

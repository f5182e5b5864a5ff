"""Notification requests and their messages in the ops store: planned once per (request,
contact, channel), claimed before sending and settled after, and what happened to each message
afterwards (delivery, bounce, open, click, unsubscribe) as events kept once by their id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from mediaflow_dagster.cms.database import insert_ignoring_duplicates, utcnow
from mediaflow_dagster.cms.schema import message_events, notification_messages


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

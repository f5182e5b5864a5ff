"""Retention: rows past their table's retention period deleted, oldest facts first (a message's
events before the message). Messages still waiting or being sent are never purged."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update

from mediaflow_dagster.cms.schema import (
    audit_log,
    contact_imports,
    link_clicks,
    message_events,
    notification_messages,
)

RETAINED_TABLES = ("message_events", "notification_messages", "contact_imports", "audit_log")


def purge_expired(engine: Engine, days: dict[str, int], now: datetime) -> dict[str, int]:
    """Delete what each table keeps past `days[table]` days; rows deleted per table. A click of
    a deleted message stays, for attribution, without the message."""
    limit = {table: now - timedelta(days=days[table]) for table in RETAINED_TABLES}
    with engine.begin() as connection:
        expired_messages = (
            select(notification_messages.c.id)
            .where(notification_messages.c.created_at < limit["notification_messages"])
            .where(notification_messages.c.status.not_in(("pending", "sending")))
        )
        events = connection.execute(
            delete(message_events).where(
                (message_events.c.occurred_at < limit["message_events"])
                | message_events.c.message_id.in_(expired_messages)
            )
        ).rowcount
        connection.execute(
            update(link_clicks)
            .where(link_clicks.c.message_id.in_(expired_messages))
            .values(message_id=None)
        )
        messages = connection.execute(
            delete(notification_messages).where(notification_messages.c.id.in_(expired_messages))
        ).rowcount
        imports = connection.execute(
            delete(contact_imports).where(contact_imports.c.finished_at < limit["contact_imports"])
        ).rowcount
        audits = connection.execute(
            delete(audit_log).where(audit_log.c.at < limit["audit_log"])
        ).rowcount
    return {
        "message_events": events,
        "notification_messages": messages,
        "contact_imports": imports,
        "audit_log": audits,
    }

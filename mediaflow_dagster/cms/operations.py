"""What is waiting in the ops store, and which platform circuits are open, for
`GET /api/communication/status`: counts only, no payload, no address."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from mediaflow_dagster.cms.database import Bind, transaction
from mediaflow_dagster.cms.schema import (
    callback_inbox,
    notification_messages,
    platform_circuits,
    publications,
    webhook_deliveries,
)

PUBLICATION_STATES = ("pending", "sending", "sent", "unknown")
"""Publications still moving: to send, being sent, sent and awaiting Make's callback, and sent
without an answer (reconciled by the external post id, never sent again blindly)."""


def queue_depths(bind: Bind) -> dict[str, Any]:
    with transaction(bind) as connection:
        by_status = dict(
            connection.execute(
                select(publications.c.status, func.count())
                .where(publications.c.status.in_(PUBLICATION_STATES))
                .group_by(publications.c.status)
            ).all()
        )
        deliveries = dict(
            connection.execute(
                select(webhook_deliveries.c.status, func.count())
                .where(webhook_deliveries.c.status.in_(("pending", "dead")))
                .group_by(webhook_deliveries.c.status)
            ).all()
        )
        return {
            "callback_inbox_unprocessed": _count(
                connection, callback_inbox, callback_inbox.c.status == "received"
            ),
            "publications": {state: by_status.get(state, 0) for state in PUBLICATION_STATES},
            "notification_messages_pending": _count(
                connection, notification_messages, notification_messages.c.status == "pending"
            ),
            "webhook_deliveries_pending": deliveries.get("pending", 0),
            "webhook_dead_letters": deliveries.get("dead", 0),
        }


def open_circuits(bind: Bind, now: datetime) -> list[dict[str, Any]]:
    """The platforms whose publishing circuit is open at `now`, with why and until when."""
    with transaction(bind) as connection:
        rows = connection.execute(
            select(
                platform_circuits.c.platform,
                platform_circuits.c.open_until,
                platform_circuits.c.consecutive_failures,
                platform_circuits.c.last_error,
            )
            .where(platform_circuits.c.open_until > now)
            .order_by(platform_circuits.c.platform)
        )
        return [dict(row._mapping) for row in rows]


def _count(connection, table, condition) -> int:
    return connection.execute(select(func.count()).select_from(table).where(condition)).scalar_one()

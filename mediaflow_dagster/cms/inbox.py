"""The callback inbox: every callback is stored under its event id before anything acts on it,
so a crash never loses one and a duplicate is processed once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.errors import Conflict, NotFound
from mediaflow_dagster.cms.schema import callback_inbox


def store_callback(
    engine: Engine,
    *,
    event_id: str,
    source: str,
    event_type: str,
    payload: dict[str, Any],
    campaign_id: int | None,
    subject_id: int | None,
    rejection: str | None = None,
    claim: Callable[[Connection], None] | None = None,
) -> bool:
    """Keep the callback; False when this event id was stored before (a duplicate delivery).

    `claim` runs in the same transaction once the event is known to be new (taking a single-use
    token, say); if it refuses, nothing is stored.
    """
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(callback_inbox).values(
                    event_id=event_id,
                    source=source,
                    event_type=event_type,
                    payload=payload,
                    campaign_id=campaign_id,
                    subject_id=subject_id,
                    status="rejected" if rejection else "received",
                    error=rejection,
                    received_at=utcnow(),
                )
            )
            if claim:
                claim(connection)
    except IntegrityError:
        return False
    return True


def callbacks_after(engine: Engine, source: str, inbox_id: int, limit: int) -> list[dict[str, Any]]:
    """Received callbacks of one source past a sensor's cursor, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(callback_inbox)
            .where(
                callback_inbox.c.source == source,
                callback_inbox.c.id > inbox_id,
                callback_inbox.c.status == "received",
            )
            .order_by(callback_inbox.c.id)
            .limit(limit)
        )
        return [dict(row._mapping) for row in rows]


def unprocessed_callbacks(engine: Engine, source: str, campaign_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(callback_inbox)
            .where(
                callback_inbox.c.source == source,
                callback_inbox.c.campaign_id == campaign_id,
                callback_inbox.c.status == "received",
            )
            .order_by(callback_inbox.c.id)
        )
        return [dict(row._mapping) for row in rows]


def settle_callback(connection: Connection, inbox_id: int, *, error: str | None = None) -> bool:
    """Mark a callback processed (or rejected with the reason), in the caller's transaction.

    False when another run settled it first: the caller then rolls its own changes back.
    """
    result = connection.execute(
        update(callback_inbox)
        .where(callback_inbox.c.id == inbox_id, callback_inbox.c.status == "received")
        .values(status="rejected" if error else "processed", error=error, processed_at=utcnow())
    )
    return result.rowcount == 1


def process_callback(
    engine: Engine, inbox_id: int, apply: Callable[[Connection], None]
) -> str | None:
    """Apply a callback's effect and settle it in one transaction.

    A callback the current state refuses (`Conflict`, `NotFound`) is settled as rejected with the
    reason, which is returned; None means it was applied (or another run had settled it).
    """
    try:
        with engine.begin() as connection:
            if settle_callback(connection, inbox_id):
                apply(connection)
    except (Conflict, NotFound) as refusal:
        with engine.begin() as connection:
            settle_callback(connection, inbox_id, error=str(refusal))
        return str(refusal)
    return None

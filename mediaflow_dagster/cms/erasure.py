"""The right to erasure. One request erases a contact from the ops store at once (the contact,
its consents; its messages are kept for the counts, with nothing left that points to the
contact), and leaves an erasure to finish in the other stores: the `erasures` run purges the
contact's pseudonym from the warehouse and from every other store that registered a purge
(`ERASURE_STORES`). The trace says who asked, when, and how many rows each store lost; it
holds no personal data, and the pseudonym only until the last store is purged.

The suppression list keeps the keyed hash of the contact's addresses: it is what stops them
being messaged again (a hash no one can read back without the key, kept under GDPR art. 17(3))."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from mediaflow_dagster.cms.database import Bind, transaction, utcnow
from mediaflow_dagster.cms.errors import NotFound
from mediaflow_dagster.cms.schema import contact_consents, contacts, erasures, notification_messages

ErasePseudonym = Callable[[str], int]
"""Purge a pseudonym from a store; how many rows it changed."""


def erase_contact(connection: Connection, contact_id: int, requested_by: str) -> dict[str, Any]:
    row = connection.execute(select(contacts).where(contacts.c.id == contact_id)).first()
    if row is None:
        raise NotFound(f"contact {contact_id} does not exist")
    ops = {
        "notification_messages": connection.execute(
            update(notification_messages)
            .where(notification_messages.c.contact_id == contact_id)
            .values(contact_id=None, contact_pseudonym=None)
        ).rowcount,
        "contact_consents": connection.execute(
            delete(contact_consents).where(contact_consents.c.contact_id == contact_id)
        ).rowcount,
        "contacts": connection.execute(
            delete(contacts).where(contacts.c.id == contact_id)
        ).rowcount,
    }
    erasure_id = connection.execute(
        insert(erasures).values(
            pseudonym=row.pseudonym,
            requested_by=requested_by,
            requested_at=utcnow(),
            stores={"ops": ops},
        )
    ).inserted_primary_key[0]
    return get_erasure(connection, erasure_id)


def get_erasure(bind: Bind, erasure_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(select(erasures).where(erasures.c.id == erasure_id)).first()
    if row is None:
        raise NotFound(f"erasure {erasure_id} does not exist")
    found = dict(row._mapping)
    del found["pseudonym"]
    return found


def pending_erasures(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(erasures.c.id)
                .where(erasures.c.finished_at.is_(None))
                .order_by(erasures.c.id)
            ).scalars()
        )


def finish_erasure(engine: Engine, erasure_id: int, stores: dict[str, ErasePseudonym]) -> dict:
    """Purge the erasure's pseudonym from each of `stores`, then forget the pseudonym."""
    with engine.connect() as connection:
        row = connection.execute(select(erasures).where(erasures.c.id == erasure_id)).one()
    if row.finished_at is not None:
        return get_erasure(engine, erasure_id)
    purged = {name: erase(row.pseudonym) for name, erase in stores.items()}
    with engine.begin() as connection:
        connection.execute(
            update(erasures)
            .where(erasures.c.id == erasure_id)
            .values(pseudonym=None, stores={**row.stores, **purged}, finished_at=utcnow())
        )
    return get_erasure(engine, erasure_id)

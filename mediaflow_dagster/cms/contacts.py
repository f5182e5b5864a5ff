"""Contacts, their consent and the suppression list, in the ops store.

Personal fields (names, email, phone) are kept sealed (`communication/vault.py`); the clear
values exist only in the memory of the request or run that needs them. Addresses are found by
their blind index. Consent is kept per (contact, channel, purpose) with its source, the version
of the wording the contact saw and when: a marketing consent waits for its double opt-in
(`pending`) and a confirmation message is queued with it; transactional consent is granted at
once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, select, update

from mediaflow_dagster.cms.database import Bind, transaction, utcnow
from mediaflow_dagster.cms.errors import Conflict, NotFound
from mediaflow_dagster.cms.schema import (
    contact_consents,
    contacts,
    notification_messages,
    suppressions,
)
from mediaflow_dagster.communication.vault import Vault

PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone")
BLOCKING_EVERY_MESSAGE = frozenset({"hard_bounce", "complaint"})


def create_contact(
    connection: Connection, vault: Vault, fields: dict[str, Any], now=None
) -> dict[str, Any]:
    """Store a contact (fields as `ContactFields` checked them); `Conflict` when its email or
    phone already belongs to a contact."""
    now = now or utcnow()
    email_index = vault.address_index("email", fields.get("email"))
    phone_index = vault.address_index("sms", fields.get("phone"))
    for column, index, name in (
        (contacts.c.email_index, email_index, "email address"),
        (contacts.c.phone_index, phone_index, "phone number"),
    ):
        if index and connection.execute(select(contacts.c.id).where(column == index)).first():
            raise Conflict(f"a contact with this {name} exists already")
    contact_id = connection.execute(
        insert(contacts).values(
            pseudonym="",
            **{name: vault.seal(fields.get(name)) for name in PERSONAL_FIELDS},
            email_index=email_index,
            phone_index=phone_index,
            language=fields["language"],
            time_zone=fields["time_zone"],
            tags=list(fields["tags"]),
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key[0]
    connection.execute(
        update(contacts)
        .where(contacts.c.id == contact_id)
        .values(pseudonym=vault.pseudonym(contact_id))
    )
    return get_contact(connection, vault, contact_id)


def opened(vault: Vault, row: Any) -> dict[str, Any]:
    """A contact row with its personal fields in the clear."""
    contact = dict(row._mapping)
    for name in PERSONAL_FIELDS:
        contact[name] = vault.open(contact[name])
    return contact


def get_contact(bind: Bind, vault: Vault, contact_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(select(contacts).where(contacts.c.id == contact_id)).first()
        if row is None:
            raise NotFound(f"contact {contact_id} does not exist")
        contact = opened(vault, row)
        contact["consents"] = consents_of(connection, [contact_id]).get(contact_id, [])
    return contact


def contacts_page(
    connection: Connection, vault: Vault, after: int | None, limit: int, segment: str | None
) -> tuple[list[dict[str, Any]], int | None]:
    """Contacts in id order past `after`, those of `segment` only when given."""
    query = select(contacts).order_by(contacts.c.id)
    if after is not None:
        query = query.where(contacts.c.id > after)
    found: list[dict[str, Any]] = []
    for row in connection.execute(query).yield_per(500):
        if segment is None or segment in row.tags:
            found.append(row)
            if len(found) > limit:
                break
    more = len(found) > limit
    rows = found[:limit]
    consents = consents_of(connection, [row.id for row in rows])
    items = [opened(vault, row) | {"consents": consents.get(row.id, [])} for row in rows]
    return items, (rows[-1].id if more else None)


def contact_ids(connection: Connection, ids: Iterable[int] = (), segment: str | None = None):
    """The ids of the contacts named, or of every contact in `segment`."""
    if segment is None:
        wanted = set(ids)
        found = connection.execute(select(contacts.c.id).where(contacts.c.id.in_(wanted)))
        return sorted(row.id for row in found)
    rows = connection.execute(select(contacts.c.id, contacts.c.tags).order_by(contacts.c.id))
    return [row.id for row in rows if segment in row.tags]


def consents_of(connection: Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return found
    query = (
        select(contact_consents)
        .where(contact_consents.c.contact_id.in_(ids))
        .order_by(contact_consents.c.id)
    )
    for row in connection.execute(query):
        consent = dict(row._mapping)
        found.setdefault(consent.pop("contact_id"), []).append(consent)
    return found


def record_consent(
    connection: Connection,
    contact: dict[str, Any],
    *,
    channel: str,
    purpose: str,
    source: str,
    wording_version: str,
    now=None,
) -> dict[str, Any]:
    """The contact's consent to `purpose` messages on `channel`, as given now. Marketing waits
    for the double opt-in: its confirmation message is queued here, in the same transaction."""
    now = now or utcnow()
    address = contact["email"] if channel == "email" else contact["phone"]
    if address is None:
        raise Conflict(f"the contact has no {'email address' if channel == 'email' else 'phone'}")
    status = "pending" if purpose == "marketing" else "granted"
    values = {
        "status": status,
        "source": source,
        "wording_version": wording_version,
        "recorded_at": now,
        "confirmed_at": None if status == "pending" else now,
        "withdrawn_at": None,
        "withdrawal_source": None,
    }
    key = (
        (contact_consents.c.contact_id == contact["id"])
        & (contact_consents.c.channel == channel)
        & (contact_consents.c.purpose == purpose)
    )
    existing = connection.execute(select(contact_consents).where(key)).first()
    if existing is not None and existing.status == "granted":
        return dict(existing._mapping)
    if existing is None:
        connection.execute(
            insert(contact_consents).values(
                contact_id=contact["id"], channel=channel, purpose=purpose, **values
            )
        )
    else:
        connection.execute(update(contact_consents).where(key).values(**values))
    consent = dict(connection.execute(select(contact_consents).where(key)).one()._mapping)
    if status == "pending":
        connection.execute(
            insert(notification_messages).values(
                contact_id=contact["id"],
                contact_pseudonym=contact["pseudonym"],
                kind="opt_in",
                channel=channel,
                purpose="transactional",
                status="pending",
                attempts=0,
                send_after=now,
                created_at=now,
                updated_at=now,
            )
        )
    return consent


def confirm_consent(bind: Bind, consent_id: int, now=None) -> dict[str, Any]:
    """The double opt-in: a pending consent becomes granted (again confirming changes nothing)."""
    now = now or utcnow()
    with transaction(bind) as connection:
        row = connection.execute(
            select(contact_consents).where(contact_consents.c.id == consent_id)
        ).first()
        if row is None:
            raise NotFound("this consent no longer exists")
        if row.status == "withdrawn":
            raise Conflict("this consent was withdrawn since; subscribe again")
        if row.status == "pending":
            connection.execute(
                update(contact_consents)
                .where(contact_consents.c.id == consent_id)
                .values(status="granted", confirmed_at=now)
            )
        return dict(
            connection.execute(select(contact_consents).where(contact_consents.c.id == consent_id))
            .one()
            ._mapping
        )


def withdraw_consent(
    connection: Connection,
    vault: Vault,
    contact_id: int,
    channel: str,
    *,
    source: str,
    purposes: tuple[str, ...] = ("marketing",),
    now=None,
) -> int:
    """The contact no longer wants `purposes` messages on `channel`: withdrawn, and the
    address suppressed for them. How many consents changed."""
    now = now or utcnow()
    changed = connection.execute(
        update(contact_consents)
        .where(
            (contact_consents.c.contact_id == contact_id)
            & (contact_consents.c.channel == channel)
            & contact_consents.c.purpose.in_(purposes)
            & (contact_consents.c.status != "withdrawn")
        )
        .values(status="withdrawn", withdrawn_at=now, withdrawal_source=source)
    ).rowcount
    row = connection.execute(select(contacts).where(contacts.c.id == contact_id)).first()
    if row is not None:
        index = row.email_index if channel == "email" else row.phone_index
        if index is not None:
            suppress(connection, channel, index, "withdrawal", now)
    return changed


def suppress(connection: Connection, channel: str, address_index: str, reason: str, now=None):
    """Put an address on the suppression list; a stronger reason (a bounce, a complaint)
    replaces a withdrawal, never the other way round."""
    now = now or utcnow()
    key = (suppressions.c.channel == channel) & (suppressions.c.address_index == address_index)
    existing = connection.execute(select(suppressions).where(key)).first()
    if existing is None:
        connection.execute(
            insert(suppressions).values(
                channel=channel, address_index=address_index, reason=reason, recorded_at=now
            )
        )
    elif reason in BLOCKING_EVERY_MESSAGE and existing.reason not in BLOCKING_EVERY_MESSAGE:
        connection.execute(update(suppressions).where(key).values(reason=reason, recorded_at=now))


def suppressions_page(connection: Connection, after: int | None, limit: int):
    query = select(suppressions).order_by(suppressions.c.id)
    if after is not None:
        query = query.where(suppressions.c.id > after)
    rows = [dict(row._mapping) for row in connection.execute(query.limit(limit + 1))]
    return rows[:limit], (rows[limit - 1]["id"] if len(rows) > limit else None)


def refusal(
    contact: Any,
    channel: str,
    purpose: str,
    kind: str,
    consents: dict[tuple[str, str], str],
    suppressed: dict[str, str],
) -> str | None:
    """Why the message may not go to the contact, or None when it may. `consents` maps
    (channel, purpose) to a status, `suppressed` an address index to the suppression's reason."""
    index = contact.email_index if channel == "email" else contact.phone_index
    if index is None:
        return f"the contact has no {'email address' if channel == 'email' else 'phone number'}"
    reason = suppressed.get(index)
    if reason in BLOCKING_EVERY_MESSAGE:
        return f"the address is suppressed ({reason})"
    if kind == "opt_in":
        return None
    status = consents.get((channel, purpose))
    if purpose == "transactional":
        return "transactional consent was withdrawn" if status == "withdrawn" else None
    if reason is not None:
        return f"the address is suppressed ({reason})"
    if status is None:
        return f"no marketing consent for {channel}"
    if status == "pending":
        return f"marketing consent for {channel} awaits its double opt-in confirmation"
    if status == "withdrawn":
        return f"marketing consent for {channel} was withdrawn"
    return None


def sending_context(connection: Connection, ids: list[int]):
    """What `refusal` needs for these contacts, read in two queries: each contact's consents
    by (channel, purpose), and the suppressions of their addresses."""
    consents: dict[int, dict[tuple[str, str], str]] = {}
    if not ids:
        return consents, {}
    rows = connection.execute(
        select(
            contact_consents.c.contact_id,
            contact_consents.c.channel,
            contact_consents.c.purpose,
            contact_consents.c.status,
        ).where(contact_consents.c.contact_id.in_(ids))
    )
    for row in rows:
        consents.setdefault(row.contact_id, {})[(row.channel, row.purpose)] = row.status
    indexes = [
        index
        for row in connection.execute(
            select(contacts.c.email_index, contacts.c.phone_index).where(contacts.c.id.in_(ids))
        )
        for index in row
        if index is not None
    ]
    suppressed = {
        row.address_index: row.reason
        for row in connection.execute(
            select(suppressions.c.address_index, suppressions.c.reason).where(
                suppressions.c.address_index.in_(indexes)
            )
        )
    }
    return consents, suppressed


def suppression(connection: Connection, channel: str, address_index: str) -> dict[str, Any]:
    return dict(
        connection.execute(
            select(suppressions).where(
                (suppressions.c.channel == channel)
                & (suppressions.c.address_index == address_index)
            )
        )
        .one()
        ._mapping
    )


def reseal_contacts(bind: Bind, vault: Vault) -> int:
    """Seal every contact's personal fields under the newest key (after a key was added, before
    the old one is dropped); how many contacts were resealed."""
    with transaction(bind) as connection:
        rows = connection.execute(select(contacts.c.id, *contacts.c[PERSONAL_FIELDS])).all()
        for row in rows:
            connection.execute(
                update(contacts)
                .where(contacts.c.id == row.id)
                .values({name: vault.reseal(getattr(row, name)) for name in PERSONAL_FIELDS})
            )
    return len(rows)


def contact_by_index(connection: Connection, channel: str, index: str) -> int | None:
    column = contacts.c.email_index if channel == "email" else contacts.c.phone_index
    return connection.execute(select(contacts.c.id).where(column == index)).scalar()

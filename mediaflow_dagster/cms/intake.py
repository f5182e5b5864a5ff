"""Keeping verified callbacks in the inbox, a batch of deliveries in one transaction.

Intake is the API's hot path (Make and n8n send bursts), so each step runs once for the whole
batch rather than once per delivery: one read of the objects and one of the publications the
batch names, one INSERT … ON CONFLICT DO NOTHING RETURNING of its events, one UPDATE spending the
tokens. What each delivery gets is what it got alone:

- its event is kept under its event id before anything acts on it; an event id kept before (or
  earlier in the batch) is a duplicate and changes nothing;
- n8n content callbacks: an unknown object is kept as rejected (404); an object not waiting for
  content from that very request refuses a new callback (409), nothing kept;
- Make publication callbacks: an unknown publication is kept as rejected; another idempotency key
  or an account that is not active refuses the delivery, duplicate or not; a new event must spend
  its publication's single-use token (a wrong or spent token refuses it, nothing kept);
- n8n insight batches: their readings of known posts are stored once (`keep_readings`).

A new event refused after it was inserted is deleted again before the commit: the transaction
keeps nothing of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import Connection, TextClause, bindparam, delete, select, text

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.generation import content_callback_refusal
from mediaflow_dagster.cms.insights import KeptReadings, keep_readings
from mediaflow_dagster.cms.publishing import claim_callback_tokens, token_digest
from mediaflow_dagster.cms.schema import (
    callback_inbox,
    campaign_objects,
    publications,
    social_accounts,
)

Source = Literal["n8n", "make", "n8n_insights", "recipes", "crm", "stock", "accounting"]
ABOUT_NOTHING_STORED: frozenset[str] = frozenset(
    {"n8n_insights", "recipes", "crm", "stock", "accounting"}
)
"""Sources whose events name nothing in the ops store to check: kept as they are."""


@dataclass(frozen=True)
class Delivery:
    """A verified, parsed callback. `subject_id` is the object (n8n) or publication (Make) it is
    about; `claim` what it must hold of it: the generation request id (n8n) or the idempotency
    key and callback token (Make); `readings` an insight batch's readings."""

    event_id: str
    source: Source
    event_type: str
    payload: dict[str, Any]
    subject_id: int | None = None
    claim: tuple[str, ...] = ()
    readings: Sequence[dict[str, Any]] = ()


@dataclass(frozen=True)
class Stored:
    """What became of a delivery. `kept` says whether this delivery stored its event (a rejected
    one included); `detail` why it was rejected or refused."""

    outcome: Literal["accepted", "duplicate", "rejected", "refused"]
    kept: bool
    detail: str | None = None
    readings: KeptReadings | None = None


DUPLICATE = Stored("duplicate", kept=False)


def store_deliveries(connection: Connection, deliveries: Sequence[Delivery]) -> list[Stored]:
    """Keep `deliveries` in the caller's transaction; what became of each, in their order."""
    firsts: dict[str, int] = {}
    for index, delivery in enumerate(deliveries):
        firsts.setdefault(delivery.event_id, index)
    batch = [deliveries[index] for index in firsts.values()]
    subjects = _Subjects(connection, batch)
    judged = {delivery.event_id: subjects.judge(delivery) for delivery in batch}
    to_keep = [delivery for delivery in batch if judged[delivery.event_id].outcome != "refused"]
    new = _insert(connection, to_keep, judged, subjects)
    results = {
        delivery.event_id: judged[delivery.event_id]
        if delivery.event_id in new
        else _again(judged[delivery.event_id])
        for delivery in to_keep
    }
    results.update(
        (event_id, stored) for event_id, stored in judged.items() if stored.outcome == "refused"
    )
    results.update(subjects.claim(connection, [d for d in batch if results[d.event_id].kept]))
    taken_back = [event_id for event_id in new if results[event_id].outcome == "refused"]
    if taken_back:
        connection.execute(delete(callback_inbox).where(callback_inbox.c.event_id.in_(taken_back)))
    return [
        results[delivery.event_id]
        if firsts[delivery.event_id] == index
        else _again(results[delivery.event_id])
        for index, delivery in enumerate(deliveries)
    ]


def _again(first: Stored) -> Stored:
    """What a redelivery of an event gets, when its first delivery got `first` (earlier in the
    batch, or before it)."""
    if first.outcome == "accepted":
        return DUPLICATE
    return replace(first, kept=False)


def _insert(
    connection: Connection,
    deliveries: list[Delivery],
    judged: dict[str, Stored],
    subjects: _Subjects,
) -> set[str]:
    """Insert the events not kept before; the event ids inserted."""
    if not deliveries:
        return set()
    received_at = utcnow()
    parameters = {}
    for row, delivery in enumerate(deliveries):
        judgement = judged[delivery.event_id]
        parameters |= {
            f"event_id_{row}": delivery.event_id,
            f"source_{row}": delivery.source,
            f"event_type_{row}": delivery.event_type,
            f"campaign_id_{row}": subjects.campaign_of(delivery),
            f"subject_id_{row}": subjects.id_of(delivery),
            f"payload_{row}": delivery.payload,
            f"status_{row}": "rejected" if judgement.outcome == "rejected" else "received",
            f"error_{row}": judgement.detail,
            f"received_at_{row}": received_at,
        }
    return set(connection.execute(_insert_new_events(len(deliveries)), parameters).scalars())


INBOX_COLUMNS = (
    "event_id",
    "source",
    "event_type",
    "campaign_id",
    "subject_id",
    "payload",
    "status",
    "error",
    "received_at",
)


@lru_cache(maxsize=256)
def _insert_new_events(rows: int) -> TextClause:
    """INSERT of `rows` inbox rows, ON CONFLICT (event_id) DO NOTHING RETURNING event_id, as
    SQLite and PostgreSQL both read it. Written out because SQLAlchemy does not cache its
    dialects' ON CONFLICT inserts: each batch would compile its statement anew (about 0.2 ms,
    as much as the rest of a small batch); this text is compiled once per row count."""
    values = ", ".join(
        "(" + ", ".join(f":{column}_{row}" for column in INBOX_COLUMNS) + ")" for row in range(rows)
    )
    typed = [callback_inbox.c.payload, callback_inbox.c.received_at]
    return text(
        f"INSERT INTO callback_inbox ({', '.join(INBOX_COLUMNS)}) VALUES {values} "
        "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
    ).bindparams(
        *(
            bindparam(f"{column.name}_{row}", type_=column.type)
            for row in range(rows)
            for column in typed
        )
    )


class _Subjects:
    """The objects and publications a batch names, read once, and each source's rules."""

    def __init__(self, connection: Connection, batch: list[Delivery]) -> None:
        object_ids = {d.subject_id for d in batch if d.source == "n8n"}
        publication_ids = {d.subject_id for d in batch if d.source == "make"}
        self.objects = (
            {
                row.id: row
                for row in connection.execute(
                    select(
                        campaign_objects.c.id,
                        campaign_objects.c.campaign_id,
                        campaign_objects.c.status,
                        campaign_objects.c.generation_request_id,
                    ).where(campaign_objects.c.id.in_(object_ids))
                )
            }
            if object_ids
            else {}
        )
        self.publications = (
            {
                row.id: row
                for row in connection.execute(
                    select(
                        publications.c.id,
                        publications.c.campaign_id,
                        publications.c.idempotency_key,
                        publications.c.callback_token_hash,
                        publications.c.callback_token_used_at,
                        social_accounts.c.status.label("account_status"),
                    )
                    .join(social_accounts, social_accounts.c.id == publications.c.social_account_id)
                    .where(publications.c.id.in_(publication_ids))
                )
            }
            if publication_ids
            else {}
        )

    def _subject(self, delivery: Delivery) -> Any:
        if delivery.source == "n8n":
            return self.objects.get(delivery.subject_id)
        if delivery.source == "make":
            return self.publications.get(delivery.subject_id)
        return None

    def id_of(self, delivery: Delivery) -> int | None:
        return delivery.subject_id if self._subject(delivery) is not None else None

    def campaign_of(self, delivery: Delivery) -> int | None:
        subject = self._subject(delivery)
        return subject.campaign_id if subject is not None else None

    def judge(self, delivery: Delivery) -> Stored:
        """What the delivery's subject says before the duplicate check: `rejected` (unknown,
        kept as such), `refused` (nothing kept, duplicate or not) or `accepted` so far."""
        if delivery.source in ABOUT_NOTHING_STORED:
            return Stored("accepted", kept=True)
        subject = self._subject(delivery)
        if subject is None:
            kind = "campaign object" if delivery.source == "n8n" else "publication"
            return Stored(
                "rejected", kept=True, detail=f"{kind} {delivery.subject_id} does not exist"
            )
        if delivery.source == "make":
            idempotency_key, _ = delivery.claim
            if subject.idempotency_key != idempotency_key:
                return _refused(
                    f"publication {subject.id} has another idempotency key than {idempotency_key!r}"
                )
            if subject.account_status != "active":
                return _refused(
                    f"the account of publication {subject.id} is {subject.account_status}: "
                    "reconnect it before it takes callbacks"
                )
        return Stored("accepted", kept=True)

    def claim(self, connection: Connection, new: list[Delivery]) -> dict[str, Stored]:
        """What the new events' claims change: content callbacks the object does not wait for
        and Make callbacks whose token is wrong or spent are refused; tokens are spent; insight
        readings are stored. Only the deliveries whose outcome changes are returned."""
        changed: dict[str, Stored] = {}
        digests: dict[int, str] = {}
        for delivery in new:
            subject = self._subject(delivery)
            if delivery.source == "n8n_insights":
                kept = keep_readings(connection, delivery.event_id, delivery.readings)
                changed[delivery.event_id] = Stored("accepted", kept=True, readings=kept)
            elif subject is None:
                continue
            elif delivery.source == "n8n":
                (request_id,) = delivery.claim
                refusal = content_callback_refusal(
                    subject.id, subject.status, subject.generation_request_id, request_id
                )
                if refusal:
                    changed[delivery.event_id] = _refused(refusal)
            else:
                _, token = delivery.claim
                if subject.callback_token_hash != token_digest(token):
                    changed[delivery.event_id] = _refused(
                        f"the callback token does not match publication {subject.id}"
                    )
                elif subject.callback_token_used_at is not None or subject.id in digests:
                    changed[delivery.event_id] = _spent(subject.id)
                else:
                    digests[subject.id] = subject.callback_token_hash
        spent = claim_callback_tokens(connection, digests)
        unspent = digests.keys() - spent
        for delivery in new:
            claimed = delivery.source == "make" and delivery.event_id not in changed
            if claimed and delivery.subject_id in unspent:
                changed[delivery.event_id] = _spent(delivery.subject_id)
        return changed


def _refused(detail: str) -> Stored:
    return Stored("refused", kept=False, detail=detail)


def _spent(publication_id: int) -> Stored:
    return _refused(f"the callback token of publication {publication_id} was already used")

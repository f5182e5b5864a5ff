"""Sending notifications exactly once per (request, contact, channel).

Planning turns a request into one message per contact and channel, under that unique key (a
second planning of the same request adds nothing). Sending claims due messages before it talks
to the provider (`pending → sending`, `CLAIM_CHUNK` at a time in one transaction) and settles
them after (`sent`, `failed` with the reason, or back to `pending` for a later attempt when the
provider deferred it): a message is handed to a provider by one run only, and one that a crash left
`sending` (handed over or not: nobody can tell) is failed with that reason after
`CLAIM_TIMEOUT`, never sent again. Consent and the suppression list are checked again just
before each message is sent, whatever they were when it was planned.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from mediaflow_dagster.cms.contacts import contact_ids as audience_ids
from mediaflow_dagster.cms.contacts import refusal, sending_context, suppress
from mediaflow_dagster.cms.database import insert_ignoring_duplicates, utcnow
from mediaflow_dagster.cms.errors import NotFound
from mediaflow_dagster.cms.owner_notices import OPERATIONS_KIND
from mediaflow_dagster.cms.schema import (
    contact_consents,
    contacts,
    notification_messages,
    notification_requests,
)
from mediaflow_dagster.cms.templates import template_for
from mediaflow_dagster.communication.email_message import build_email, message_id
from mediaflow_dagster.communication.links import LinkSigner
from mediaflow_dagster.communication.phones import InvalidPhone, e164
from mediaflow_dagster.communication.sms_segments import segments
from mediaflow_dagster.communication.templates import TemplateProblem, render
from mediaflow_dagster.communication.utm import utm_tagged
from mediaflow_dagster.communication.vault import Vault
from mediaflow_dagster.resources.http import OutcomeUnknown, ServiceUnavailable
from mediaflow_dagster.resources.sms import SmsProvider, SmsRefused
from mediaflow_dagster.resources.smtp import (
    MailDeferred,
    MailRefused,
    MailServerUnavailable,
    MailSession,
    SmtpMailer,
)

CLAIM_TIMEOUT = timedelta(minutes=10)
CLAIM_CHUNK = 16
"""Messages a session claims in one transaction (and settles in the one that claims the next):
a crash leaves at most this many of a session's messages `sending`."""
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
OPT_IN_TEMPLATE = "opt_in_confirmation"
INTERRUPTED = (
    "interrupted while being handed to the provider: whether it went out is unknown, so it is "
    "not sent again"
)


@dataclass
class DispatchReport:
    interrupted: int = 0
    outcomes: Counter = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, message: Any, settled: Settled) -> None:
        with self.lock:
            self.outcomes[settled.status] += 1
            if settled.status in ("failed", "blocked", "bounced"):
                self.failures.append(
                    {"message": message.id, "channel": message.channel, "reason": settled.reason}
                )


@dataclass(frozen=True)
class Settled:
    status: str
    reason: str | None = None
    provider_message_id: str | None = None
    segments: int | None = None
    template: dict[str, Any] | None = None


@dataclass(frozen=True)
class Addressee:
    """Whom an email goes to: a contact (suppressed by their blind index after a hard bounce,
    given an unsubscribe link for marketing), or the people running mediaflow (neither)."""

    address: str
    email_index: str | None = None
    unsubscribe_url: str | None = None


class Deferred(Exception):
    pass


# Planning.


def plan_requests(engine: Engine, now: datetime | None = None) -> int:
    """Messages for every request not planned yet; how many were added."""
    now = now or utcnow()
    added = 0
    with engine.connect() as connection:
        pending = connection.execute(
            select(notification_requests)
            .where(notification_requests.c.status == "pending")
            .order_by(notification_requests.c.id)
        ).all()
    for request in pending:
        with engine.begin() as connection:
            added += _plan(connection, request, now)
    return added


def _plan(connection: Connection, request: Any, now: datetime) -> int:
    audience = request.audience
    ids = audience_ids(connection, audience.get("contact_ids", []), audience.get("segment"))
    purpose = template_for(connection, request.template_name, "")["purpose"]
    consents, suppressed = sending_context(connection, ids)
    rows = connection.execute(select(contacts).where(contacts.c.id.in_(ids))).all()
    planned = []
    for contact in rows:
        checked = [
            (
                channel,
                refusal(
                    contact,
                    channel,
                    purpose,
                    "notification",
                    consents.get(contact.id, {}),
                    suppressed,
                ),
            )
            for channel in request.channels
        ]
        if not request.all_channels:
            allowed = [(channel, None) for channel, reason in checked if reason is None]
            checked = allowed[:1] or checked[:1]
        send_after = request.send_at or now
        if request.best_hour:
            send_after = best_hour(connection, contact, max(send_after, now))
        planned.extend(
            {
                "request_id": request.id,
                "contact_id": contact.id,
                "contact_pseudonym": contact.pseudonym,
                "kind": "notification",
                "channel": channel,
                "purpose": purpose,
                "campaign_id": request.campaign_id,
                "status": "blocked" if reason else "pending",
                "reason": reason,
                "attempts": 0,
                "send_after": send_after,
                "created_at": now,
                "updated_at": now,
            }
            for channel, reason in checked
        )
    before = _messages_of(connection, request.id)
    if planned:
        connection.execute(insert_ignoring_duplicates(connection, notification_messages), planned)
    added = _messages_of(connection, request.id) - before
    connection.execute(
        update(notification_requests)
        .where(notification_requests.c.id == request.id)
        .values(status="planned", planned_at=now)
    )
    return added


def _messages_of(connection: Connection, request_id: int) -> int:
    return connection.execute(
        select(func.count())
        .select_from(notification_messages)
        .where(notification_messages.c.request_id == request_id)
    ).scalar()


def best_hour(connection: Connection, contact: Any, earliest: datetime) -> datetime:
    """The next time, from `earliest` on, at the hour of the contact's day when they opened most
    of their past messages (in their time zone); `earliest` when they never opened one."""
    opened = connection.execute(
        select(notification_messages.c.opened_at).where(
            (notification_messages.c.contact_id == contact.id)
            & notification_messages.c.opened_at.is_not(None)
        )
    ).scalars()
    zone = ZoneInfo(contact.time_zone)
    utc = ZoneInfo("UTC")
    hours = Counter(moment.replace(tzinfo=utc).astimezone(zone).hour for moment in opened)
    if not hours:
        return earliest
    hour = min(hours, key=lambda candidate: (-hours[candidate], candidate))
    local = earliest.replace(tzinfo=utc).astimezone(zone)
    chosen = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if chosen < local:
        chosen += timedelta(days=1)
    return chosen.astimezone(utc).replace(tzinfo=None)


# Sending.


def recover_interrupted(engine: Engine, now: datetime) -> int:
    """Fail the messages a crashed run left `sending` (see the module's docstring)."""
    with engine.begin() as connection:
        return connection.execute(
            update(notification_messages)
            .where(
                (notification_messages.c.status == "sending")
                & (notification_messages.c.updated_at < now - CLAIM_TIMEOUT)
            )
            .values(status="failed", reason=INTERRUPTED, updated_at=now)
        ).rowcount


def send_due(
    engine: Engine,
    vault: Vault,
    links: LinkSigner,
    mailer: SmtpMailer,
    sms: SmsProvider,
    now: datetime | None = None,
    batch: int = 500,
    progress: Callable[[DispatchReport], None] = lambda _: None,
) -> DispatchReport:
    """Send every message due at `now`, over `mailer.smtp_connections` sessions at once; what
    happened to them. `MailServerUnavailable` stops the run with the messages left pending."""
    now = now or utcnow()
    report = DispatchReport(interrupted=recover_interrupted(engine, now))
    sender = _Sender(engine, vault, links, mailer, sms)
    lanes = mailer.smtp_connections
    unavailable: list[MailServerUnavailable] = []
    while not unavailable and (due := _due(engine, now, batch)):
        sender.prepare(due)
        shares = [due[lane::lanes] for lane in range(lanes) if due[lane::lanes]]
        with ThreadPoolExecutor(len(shares), thread_name_prefix="sending") as pool:
            stops = pool.map(lambda share: _send_share(engine, sender, share, now, report), shares)
            unavailable.extend(stop for stop in stops if stop is not None)
        progress(report)
    if unavailable:
        raise unavailable[0]
    return report


def _send_share(
    engine: Engine, sender: _Sender, share: list[Any], now: datetime, report: DispatchReport
) -> MailServerUnavailable | None:
    """One session's share of a batch, `CLAIM_CHUNK` messages at a time: claimed together,
    handed over one by one, settled together in the transaction that claims the next chunk."""
    settlements: list[dict[str, Any]] = []
    with sender.mailer.session() as mail, engine.connect() as connection:
        for start in range(0, len(share), CLAIM_CHUNK):
            chunk = share[start : start + CLAIM_CHUNK]
            claimed = _settle_then_claim(connection, settlements, [m.id for m in chunk], now)
            settlements = []
            for position, message in enumerate(chunk):
                if message.id not in claimed:
                    continue
                try:
                    settled = sender.deliver(message, mail)
                except Deferred as deferred:
                    _defer(engine, message, now, str(deferred))
                    report.count(message, Settled("deferred", str(deferred)))
                    continue
                except MailServerUnavailable as unavailable:
                    not_handed_over = [m.id for m in chunk[position:] if m.id in claimed]
                    _settle_then_claim(connection, settlements, [], now)
                    _release(engine, not_handed_over)
                    return unavailable
                settlements.append(_settlement(message.id, settled, now))
                report.count(message, settled)
        _settle_then_claim(connection, settlements, [], now)
    return None


def _due(engine: Engine, now: datetime, batch: int) -> list[Any]:
    with engine.connect() as connection:
        return connection.execute(
            select(notification_messages)
            .where(
                (notification_messages.c.status == "pending")
                & (notification_messages.c.send_after <= now)
            )
            .order_by(notification_messages.c.id)
            .limit(batch)
        ).all()


CLAIM = (
    update(notification_messages)
    .where(
        notification_messages.c.id.in_(bindparam("messages", expanding=True))
        & (notification_messages.c.status == "pending")
    )
    .values(
        status="sending", attempts=notification_messages.c.attempts + 1, updated_at=bindparam("now")
    )
    .returning(notification_messages.c.id)
)
SETTLE = (
    update(notification_messages)
    .where(
        (notification_messages.c.id == bindparam("message"))
        & (notification_messages.c.status == "sending")
    )
    .values(
        {
            name: bindparam(name)
            for name in (
                "status",
                "reason",
                "provider_message_id",
                "segments",
                "template_id",
                "template_version",
                "sent_at",
            )
        }
        | {"updated_at": bindparam("now")}
    )
)
"""Built once: the statements every message runs (a statement built per message costs more
than the database does)."""


def _settle_then_claim(
    connection: Connection, settlements: list[dict[str, Any]], message_ids: list[int], now: datetime
) -> set[int]:
    """Settle the messages handed over before and claim the next ones, in one transaction: one
    commit a chunk. The ids of the messages claimed (another run may have taken some)."""
    with connection.begin():
        if settlements:
            connection.execute(SETTLE, settlements)
        if not message_ids:
            return set()
        return set(connection.execute(CLAIM, {"messages": message_ids, "now": now}).scalars())


def _settlement(message_id_: int, settled: Settled, now: datetime) -> dict[str, Any]:
    template = settled.template or {}
    return {
        "message": message_id_,
        "status": settled.status,
        "reason": settled.reason,
        "provider_message_id": settled.provider_message_id,
        "segments": settled.segments,
        "template_id": template.get("id"),
        "template_version": template.get("version"),
        "sent_at": now if settled.status == "sent" else None,
        "now": now,
    }


def _release(engine: Engine, message_ids: list[int]) -> None:
    """Back to pending, this attempt not counted: they never reached the provider."""
    with engine.begin() as connection:
        connection.execute(
            update(notification_messages)
            .where(notification_messages.c.id.in_(message_ids))
            .values(status="pending", attempts=notification_messages.c.attempts - 1)
        )


def _defer(engine: Engine, message: Any, now: datetime, reason: str) -> None:
    attempt = message.attempts + 1
    values: dict[str, Any] = {"updated_at": now, "reason": reason}
    if attempt > len(RETRY_DELAYS):
        values |= {"status": "failed", "reason": f"deferred {attempt} times: {reason}"}
    else:
        values |= {"status": "pending", "send_after": now + RETRY_DELAYS[attempt - 1]}
    with engine.begin() as connection:
        connection.execute(
            update(notification_messages)
            .where(notification_messages.c.id == message.id)
            .values(**values)
        )


class _Sender:
    """Renders and hands over the messages of one batch, with what it read for them once;
    shared by the sessions of the batch (it only reads once prepared)."""

    def __init__(
        self, engine: Engine, vault: Vault, links: LinkSigner, mailer: SmtpMailer, sms: SmsProvider
    ):
        self.engine, self.vault, self.links, self.mailer, self.sms = (
            engine,
            vault,
            links,
            mailer,
            sms,
        )
        self.templates: dict[tuple[str, str], dict[str, Any]] = {}

    def prepare(self, due: list[Any]) -> None:
        ids = sorted({message.contact_id for message in due if message.contact_id is not None})
        request_ids = {message.request_id for message in due if message.request_id is not None}
        with self.engine.connect() as connection:
            self.contacts = {
                row.id: row
                for row in connection.execute(select(contacts).where(contacts.c.id.in_(ids)))
            }
            self.consents, self.suppressed = sending_context(connection, ids)
            self.requests = {
                row.id: row
                for row in connection.execute(
                    select(notification_requests).where(notification_requests.c.id.in_(request_ids))
                )
            }
            self.pending_consents = {
                (row.contact_id, row.channel): row.id
                for row in connection.execute(
                    select(contact_consents).where(
                        contact_consents.c.contact_id.in_(ids)
                        & (contact_consents.c.status == "pending")
                        & (contact_consents.c.purpose == "marketing")
                    )
                )
            }

    def template(self, name: str, language: str) -> dict[str, Any]:
        key = (name, language)
        if key not in self.templates:
            with self.engine.connect() as connection:
                self.templates[key] = template_for(connection, name, language)
        return self.templates[key]

    def deliver(self, message: Any, mail: MailSession) -> Settled:
        if message.kind == OPERATIONS_KIND:
            return self._to_operations(message, mail)
        contact = self.contacts.get(message.contact_id)
        if contact is None:
            return Settled("failed", "the contact no longer exists")
        refused = refusal(
            contact,
            message.channel,
            message.purpose,
            message.kind,
            self.consents.get(contact.id, {}),
            self.suppressed,
        )
        if refused:
            return Settled("blocked", refused)
        customer = {
            "first_name": self.vault.open(contact.first_name),
            "last_name": self.vault.open(contact.last_name) or "",
        }
        if message.kind == "opt_in":
            consent_id = self.pending_consents.get((contact.id, message.channel))
            if consent_id is None:
                return Settled("blocked", "the consent no longer waits for its confirmation")
            name = OPT_IN_TEMPLATE
            data = {
                "customer": customer,
                "confirm_url": self.links.url("opt-in", {"consent": consent_id}),
            }
        else:
            request = self.requests[message.request_id]
            name = request.template_name
            data = {**request.data, "customer": customer}
        try:
            template = self.template(name, contact.language)
            parts = (
                ("subject", "html_body", "text_body")
                if message.channel == "email"
                else ("sms_body" if template["sms_body"] is not None else "text_body",)
            )
            rendered = render(template, data, parts)
        except (TemplateProblem, NotFound) as problem:
            return Settled("failed", f"template {name}: {problem}")
        if message.channel == "email":
            unsubscribe_url = (
                self.links.url(
                    "unsubscribe",
                    {"contact": contact.id, "channel": "email", "message": message.id},
                )
                if message.purpose == "marketing"
                else None
            )
            addressee = Addressee(
                self.vault.open(contact.email), contact.email_index, unsubscribe_url
            )
            return self._email(message, addressee, template, rendered, mail)
        return self._sms(contact, template, next(iter(rendered.values())))

    def _to_operations(self, message: Any, mail: MailSession) -> Settled:
        """A message to the people running mediaflow (`cms/owner_notices.py`): to the address its
        request names, in the template's first language, neither tracked nor unsubscribable."""
        request = self.requests[message.request_id]
        try:
            template = self.template(request.template_name, "")
            rendered = render(template, request.data, ("subject", "html_body", "text_body"))
        except (TemplateProblem, NotFound) as problem:
            return Settled("failed", f"template {request.template_name}: {problem}")
        return self._email(message, Addressee(request.audience["email"]), template, rendered, mail)

    def _click_url(self, message: Any, template_name: str, url: str) -> str:
        """A link of a notification: UTM-tagged for its campaign, through the click redirect."""
        tagged = utm_tagged(
            url,
            source="mediaflow",
            medium=message.channel,
            campaign_id=message.campaign_id,
            content=template_name,
        )
        return self.links.url("click", {"message": message.id, "url": tagged})

    def _email(
        self, message, addressee: Addressee, template, rendered, mail: MailSession
    ) -> Settled:
        tracked = message.kind == "notification"
        email = build_email(
            notification_id=message.id,
            sender=self.mailer.mail_from,
            recipient=addressee.address,
            domain=self.mailer.message_id_domain,
            subject=rendered["subject"],
            text_body=rendered["text_body"],
            html_body=rendered["html_body"],
            unsubscribe_url=addressee.unsubscribe_url,
            open_url=self.links.url("open", {"message": message.id}) if tracked else None,
            click_url=partial(self._click_url, message, template["name"]) if tracked else None,
        )
        try:
            mail.send(email)
        except MailDeferred as deferred:
            raise Deferred(str(deferred)) from deferred
        except MailRefused as refused:
            if not refused.hard_bounce or addressee.email_index is None:
                reason = f"the mail server refused it: {refused}"
                return Settled("failed", reason, template=template)
            with self.engine.begin() as connection:
                suppress(connection, "email", addressee.email_index, "hard_bounce")
            reason = f"hard bounce, the address is suppressed: {refused}"
            return Settled("bounced", reason, template=template)
        return Settled(
            "sent",
            provider_message_id=message_id(message.id, self.mailer.message_id_domain),
            template=template,
        )

    def _sms(self, contact, template, body: str) -> Settled:
        try:
            number = e164(self.vault.open(contact.phone))
        except InvalidPhone as invalid:
            return Settled("failed", f"not sent: {invalid}", template=template)
        try:
            answer = self.sms.send_sms(number, body)
        except ServiceUnavailable as unavailable:
            raise Deferred(f"the SMS provider is unavailable: {unavailable}") from unavailable
        except SmsRefused as refused:
            return Settled("failed", f"the SMS provider refused it: {refused}", template=template)
        except OutcomeUnknown:
            return Settled("failed", INTERRUPTED, template=template)
        return Settled(
            "sent",
            provider_message_id=answer["sid"],
            segments=segments(body).count,
            template=template,
        )

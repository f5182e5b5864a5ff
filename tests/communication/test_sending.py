"""Sending notifications by email to the sandbox's real SMTP server (STARTTLS, AUTH): what a
message carries, who gets nothing and why, and that a dropped connection, a 4xx, a 5xx or a
crash in the middle of a batch neither loses a message nor sends one twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select, update
from support.notifications import mail_environment, mail_server, ready_contact

from mediaflow_dagster.cms import contacts as cms_contacts
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.dispatch import CLAIM_TIMEOUT, plan_requests, send_due
from mediaflow_dagster.cms.notifications import create_request
from mediaflow_dagster.cms.schema import notification_messages
from mediaflow_dagster.cms.templates import save_template
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.sms import SmsProvider
from mediaflow_dagster.resources.smtp import MailServerUnavailable, SmtpMailer

MENU = {"menu_items": [{"name": "Soupe", "price": "7.50"}, {"name": "Tarte", "price": "5"}]}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with mail_server(tmp_path_factory.mktemp("mail-certificates")) as running:
        yield running


@pytest.fixture
def mailbox(server, in_environment):
    server.mailbox.clear()
    in_environment(mail_environment(server))
    return server.mailbox


def request(engine, *, template="menu_update", segment="regular_customers", data=None, **more):
    with engine.begin() as connection:
        return create_request(
            connection,
            requested_by="tests",
            template=template,
            audience={"segment": segment},
            data=MENU if data is None else data,
            channels=more.pop("channels", ["email"]),
            all_channels=more.pop("all_channels", False),
            send_at=None,
            best_hour=False,
            campaign_id=None,
        )


def dispatch(engine, personal_data, now=None):
    plan_requests(engine, now)
    return send_due(
        engine,
        personal_data.vault(),
        personal_data.links(),
        client_from_environment(SmtpMailer),
        client_from_environment(SmsProvider),
        now,
    )


def messages(engine) -> list:
    with engine.connect() as connection:
        return connection.execute(
            select(notification_messages)
            .where(notification_messages.c.kind == "notification")
            .order_by(notification_messages.c.id)
        ).all()


def test_a_marketing_email_carries_its_parts_its_id_and_the_one_click_unsubscribe(
    engine, vault, personal_data, mailbox
):
    ready_contact(engine, vault)
    request(engine)

    report = dispatch(engine, personal_data)

    assert report.outcomes["sent"] == 1
    [email] = [mail for mail in mailbox.received() if "menu" in mail["Subject"]]
    [message] = messages(engine)
    assert email["To"] == "alice@example.org"
    assert email["Subject"] == "Le nouveau menu, Alice"
    assert email["Message-ID"] == message.provider_message_id
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/api/communication/unsubscribe?token=" in email["List-Unsubscribe"]
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "- Soupe: 7.50 €" in text
    assert "<strong>Tarte</strong>" in html and "/api/communication/open.gif?token=" in html
    assert (message.status, message.template_version) == ("sent", 1)


def test_the_double_opt_in_confirmation_is_the_only_mail_before_confirmation(
    engine, vault, personal_data, mailbox
):
    ready_contact(engine, vault, confirmed=False)
    request(engine)

    dispatch(engine, personal_data)

    [email] = mailbox.received()
    assert email["Subject"] == "Confirmez votre inscription"
    assert "/api/communication/opt-in?token=" in email.get_body(("plain",)).get_content()
    assert email["List-Unsubscribe"] is None
    [message] = messages(engine)
    assert message.status == "blocked"
    assert "awaits its double opt-in" in message.reason


def test_no_consent_or_a_suppressed_address_gets_nothing_with_the_reason(
    engine, vault, personal_data, mailbox
):
    ready_contact(engine, vault, first_name="Nora", email="nora@example.org", consents=())
    suppressed = ready_contact(engine, vault, first_name="Sam", email="sam@example.org")
    with engine.begin() as connection:
        cms_contacts.suppress(
            connection, "email", vault.address_index("email", "sam@example.org"), "hard_bounce"
        )
    request(engine)

    dispatch(engine, personal_data)

    assert mailbox.received() == []
    reasons = {message.contact_id: (message.status, message.reason) for message in messages(engine)}
    assert reasons[suppressed["id"]] == ("blocked", "the address is suppressed (hard_bounce)")
    assert ("blocked", "no marketing consent for email") in reasons.values()


def test_a_withdrawal_after_planning_is_honoured_at_sending_time(
    engine, vault, personal_data, mailbox
):
    contact = ready_contact(engine, vault)
    request(engine)
    plan_requests(engine)
    with engine.begin() as connection:
        cms_contacts.withdraw_consent(connection, vault, contact["id"], "email", source="tests")

    dispatch(engine, personal_data)

    assert mailbox.received() == []
    assert messages(engine)[0].status == "blocked"


def test_a_transactional_message_bypasses_marketing_preferences(
    engine, vault, personal_data, mailbox
):
    contact = ready_contact(engine, vault, consents=())
    with engine.begin() as connection:
        cms_contacts.withdraw_consent(connection, vault, contact["id"], "email", source="tests")
        save_template(
            connection,
            name="reservation_confirmation",
            language="fr",
            purpose="transactional",
            created_by="tests",
            subject="Réservation du {{date}}",
            html_body="<p>{{customer.first_name}}, table pour {{guests}}.</p>",
            text_body="{{customer.first_name}}, table pour {{guests}}.",
        )
    request(engine, template="reservation_confirmation", data={"date": "12/06", "guests": 4})

    dispatch(engine, personal_data)

    [email] = mailbox.received()
    assert email["Subject"] == "Réservation du 12/06"
    assert email["List-Unsubscribe"] is None


def test_planning_twice_makes_one_message_per_contact_and_channel(engine, vault, mailbox):
    ready_contact(engine, vault)
    made = request(engine)
    plan_requests(engine)
    with engine.begin() as connection:
        connection.execute(
            update(notification_messages.metadata.tables["notification_requests"])
            .values(status="pending")
            .where(
                notification_messages.metadata.tables["notification_requests"].c.id == made["id"]
            )
        )

    assert plan_requests(engine) == 0
    assert len(messages(engine)) == 1


@pytest.mark.parametrize("fault", ["dropped connection", "451"])
def test_a_deferring_server_mid_batch_gets_each_message_once_later(
    engine, vault, personal_data, mailbox, fault
):
    for number in range(5):
        ready_contact(engine, vault, first_name=f"C{number}", email=f"c{number}@example.org")
    request(engine)
    if fault == "451":
        mailbox.faults.temporary_failures = 2
    else:
        mailbox.faults.drop_connection_at_data = 2

    first = dispatch(engine, personal_data)
    later = dispatch(engine, personal_data, utcnow() + timedelta(minutes=2))

    assert (first.outcomes["sent"], first.outcomes["deferred"]) == (3, 2)
    assert later.outcomes["sent"] == 2
    received = Counter(mail["To"] for mail in mailbox.received())
    assert sorted(received) == [f"c{number}@example.org" for number in range(5)]
    assert set(received.values()) == {1}
    assert {message.status for message in messages(engine)} == {"sent"}


def test_a_refused_address_bounces_is_suppressed_and_the_batch_goes_on(
    engine, vault, personal_data, mailbox
):
    ready_contact(engine, vault, first_name="Gone", email="gone@closed.example")
    ready_contact(engine, vault)
    request(engine)
    mailbox.faults.refused_domains = {"closed.example"}

    dispatch(engine, personal_data)
    request(engine)
    dispatch(engine, personal_data)

    first, _, second, _ = messages(engine)
    assert first.status == "bounced"
    assert first.reason.startswith("hard bounce, the address is suppressed: 550 5.1.1")
    assert "gone@" not in first.reason
    assert (second.status, second.reason) == ("blocked", "the address is suppressed (hard_bounce)")
    assert [mail["To"] for mail in mailbox.received()] == ["alice@example.org"] * 2


def test_a_5xx_about_the_message_fails_it_with_the_reason_and_keeps_the_address(
    engine, vault, personal_data, mailbox
):
    ready_contact(engine, vault)
    request(engine)
    mailbox.faults.policy_refusals = 1

    dispatch(engine, personal_data)
    request(engine)
    dispatch(engine, personal_data)

    first, second = messages(engine)
    assert first.status == "failed"
    assert first.reason == "the mail server refused it: 554 5.7.1 message rejected by policy"
    assert second.status == "sent"


def test_a_crash_mid_batch_loses_nothing_and_sends_nothing_twice(
    engine, vault, personal_data, mailbox, settings
):
    count = 40
    for number in range(count):
        ready_contact(engine, vault, first_name=f"C{number}", email=f"c{number}@example.org")
    request(engine)
    plan_requests(engine)
    worker = subprocess.Popen(
        [sys.executable, "-c", SEND_IN_A_CHILD],
        env=os.environ | {"MEDIAFLOW_HOME": str(settings.home)},
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(mailbox.received()) < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    crashed_at = len(mailbox.received())

    dispatch(engine, personal_data, utcnow() + CLAIM_TIMEOUT + timedelta(seconds=1))

    received = Counter(mail["To"] for mail in mailbox.received())
    statuses = Counter(message.status for message in messages(engine))
    assert 10 <= crashed_at < count
    assert set(received.values()) == {1}
    assert statuses["sent"] + statuses["failed"] == count
    assert statuses["failed"] <= 1
    assert len(received) >= statuses["sent"]


SEND_IN_A_CHILD = """
from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.dispatch import send_due
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.personal_data import PersonalData
from mediaflow_dagster.resources.sms import SmsProvider
from mediaflow_dagster.resources.smtp import MailServerUnavailable, SmtpMailer
from mediaflow_dagster.settings import get_settings

keys = client_from_environment(PersonalData)
send_due(
    ops_engine(get_settings().ops_database_url),
    keys.vault(),
    keys.links(),
    client_from_environment(SmtpMailer),
    client_from_environment(SmsProvider),
    batch=1,
)
"""


def test_a_mail_server_refusing_the_credentials_stops_the_run_with_nothing_lost(
    engine, vault, personal_data, mailbox, in_environment
):
    ready_contact(engine, vault)
    request(engine)
    in_environment({"MEDIAFLOW_SMTP_PASSWORD": "not-the-password"})

    with pytest.raises(MailServerUnavailable):
        dispatch(engine, personal_data)

    [message] = messages(engine)
    assert (message.status, message.attempts) == ("pending", 0)
    assert mailbox.received() == []


def test_a_mail_server_gone_mid_run_leaves_what_it_took_sent_and_the_rest_pending(
    engine, vault, personal_data, mailbox, in_environment
):
    for number in range(6):
        ready_contact(engine, vault, first_name=f"C{number}", email=f"c{number}@example.org")
    request(engine)
    in_environment({"MEDIAFLOW_SMTP_CONNECTIONS": "1"})
    mailbox.faults.gone_after = 3

    with pytest.raises(MailServerUnavailable):
        dispatch(engine, personal_data)
    taken = {mail["To"] for mail in mailbox.received()}
    statuses = Counter(message.status for message in messages(engine))
    mailbox.faults.gone_after = None
    dispatch(engine, personal_data, utcnow() + timedelta(minutes=2))

    assert len(taken) == 3
    assert statuses == {"sent": 3, "pending": 3}
    received = Counter(mail["To"] for mail in mailbox.received())
    assert len(received) == 6
    assert set(received.values()) == {1}
    assert {message.status for message in messages(engine)} == {"sent"}


def test_best_hour_sends_at_the_hour_the_contact_opens_most(engine, vault, mailbox):
    contact = ready_contact(engine, vault)
    opened_at_19_paris = datetime(2026, 11, 20, 18, 0)
    with engine.begin() as connection:
        for day in range(3):
            connection.execute(
                insert(notification_messages).values(
                    contact_id=contact["id"],
                    kind="notification",
                    channel="email",
                    purpose="marketing",
                    status="sent",
                    attempts=1,
                    send_after=opened_at_19_paris,
                    created_at=opened_at_19_paris,
                    updated_at=opened_at_19_paris,
                    opened_at=opened_at_19_paris + timedelta(days=day, minutes=10 * day),
                )
            )
        create_request(
            connection,
            requested_by="tests",
            template="menu_update",
            audience={"contact_ids": [contact["id"]]},
            data=MENU,
            channels=["email"],
            all_channels=False,
            send_at=None,
            best_hour=True,
            campaign_id=None,
        )

    plan_requests(engine, now=datetime(2026, 12, 1, 20, 30))

    [planned] = [message for message in messages(engine) if message.request_id is not None]
    assert planned.send_after == datetime(2026, 12, 2, 18, 0)

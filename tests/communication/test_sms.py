"""SMS through the sandbox's Twilio-shaped provider: parts counted, an invalid number never
sent, 429 and 500 retried without a duplicate, status callbacks verified by their
`X-Twilio-Signature` (a replay counted once, a forgery refused), and STOP withdrawing consent."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from support.api import api_client
from support.notifications import ready_contact

from mediaflow_dagster.cms.dispatch import plan_requests, send_due
from mediaflow_dagster.cms.notifications import create_request
from mediaflow_dagster.cms.schema import message_events, notification_messages, suppressions
from mediaflow_dagster.communication.sms_segments import segments
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.personal_data import PersonalData
from mediaflow_dagster.resources.sms import (
    INBOUND_ROUTE,
    STATUS_ROUTE,
    SmsProvider,
    twilio_signature,
)
from mediaflow_dagster.resources.smtp import SmtpMailer
from mediaflow_sandbox.faults import FaultRule

PHONE = "+33612345678"
MENU = {"menu_items": [{"name": "Soupe", "price": "7.50"}, {"name": "Tarte", "price": "5"}]}


@pytest.fixture
def provider(sandbox, aimed):
    sandbox.clear_faults()
    already = len(sandbox.sent_sms())
    return lambda: sandbox.sent_sms()[already:]


@pytest.fixture
def api(provider, settings):
    """The API with the same SMS provider settings as the sending runs (the sandbox's)."""
    return api_client(settings)


@pytest.fixture
def personal_data(provider):
    """The keys as the sandbox hands them out, like every other setting here."""
    return client_from_environment(PersonalData)


def send_menu(engine, personal_data):
    with engine.begin() as connection:
        create_request(
            connection,
            requested_by="tests",
            template="menu_update",
            audience={"segment": "regular_customers"},
            data=MENU,
            channels=["sms"],
            all_channels=False,
            send_at=None,
            best_hour=False,
            campaign_id=None,
        )
    plan_requests(engine)
    return send_due(
        engine,
        personal_data.vault(),
        personal_data.links(),
        client_from_environment(SmtpMailer),
        client_from_environment(SmsProvider),
    )


def sms_messages(engine) -> list:
    with engine.connect() as connection:
        return connection.execute(
            select(notification_messages).where(notification_messages.c.channel == "sms")
        ).all()


def sms_contact(engine, vault, phone=PHONE):
    return ready_contact(engine, vault, email=None, phone=phone, consents=(("sms", "marketing"),))


def test_an_sms_is_sent_once_with_its_parts_counted(engine, vault, personal_data, provider):
    sms_contact(engine, vault)

    send_menu(engine, personal_data)

    [sent] = provider()
    [message] = [message for message in sms_messages(engine) if message.kind == "notification"]
    assert sent["to"] == PHONE
    assert sent["body"] == "Nouveau menu : Soupe 7.50 €; Tarte 5 €; "
    assert (message.status, message.provider_message_id) == ("sent", sent["sid"])
    assert message.segments == sent["segments"] == segments(sent["body"]).count == 1


@pytest.mark.parametrize("status", [429, 500])
def test_a_provider_answering_an_error_then_200_gets_the_sms_once(
    engine, vault, personal_data, provider, sandbox, status
):
    sms_contact(engine, vault)
    sandbox.set_faults(
        FaultRule(
            path_prefix="/twilio", error_rate=1.0, error_status=status, times=2, retry_after=0
        )
    )

    report = send_menu(engine, personal_data)

    assert report.outcomes["sent"] == 1
    assert len(provider()) == 1


def test_an_invalid_number_is_refused_before_anything_is_sent(
    engine, vault, personal_data, provider
):
    sms_contact(engine, vault, phone="+3361234")

    send_menu(engine, personal_data)

    [message] = [message for message in sms_messages(engine) if message.kind == "notification"]
    assert message.status == "failed"
    assert message.reason.startswith("not sent: not a valid phone number")
    assert provider() == []


def signed_post(api, personal_data, route: str, form: dict[str, str], signature=None):
    url = f"{personal_data.public_api_url.rstrip('/')}{route}"
    token = client_from_environment(SmsProvider).sms_auth_token
    return api.post(
        route,
        data=form,
        headers={"x-twilio-signature": signature or twilio_signature(token, url, form)},
    )


def test_a_signed_status_callback_settles_the_message_and_a_replay_counts_once(
    api, engine, vault, personal_data, provider
):
    sms_contact(engine, vault)
    send_menu(engine, personal_data)
    [sent] = provider()
    delivered = {"MessageSid": sent["sid"], "MessageStatus": "delivered", "To": PHONE}

    first = signed_post(api, personal_data, STATUS_ROUTE, delivered)
    replay = signed_post(api, personal_data, STATUS_ROUTE, delivered)

    assert (first.status_code, replay.status_code) == (204, 204)
    [message] = [message for message in sms_messages(engine) if message.kind == "notification"]
    assert message.status == "delivered"
    with engine.connect() as connection:
        kept = connection.execute(
            select(func.count())
            .select_from(message_events)
            .where(message_events.c.event_type == "sms_delivered")
        ).scalar()
    assert kept == 1


def test_an_undelivered_callback_marks_the_message_bounced(
    api, engine, vault, personal_data, provider
):
    sms_contact(engine, vault)
    send_menu(engine, personal_data)
    [sent] = provider()

    signed_post(
        api,
        personal_data,
        STATUS_ROUTE,
        {"MessageSid": sent["sid"], "MessageStatus": "undelivered", "ErrorCode": "30003"},
    )

    [message] = [message for message in sms_messages(engine) if message.kind == "notification"]
    assert (message.status, message.reason) == ("bounced", "error 30003")


@pytest.mark.parametrize("forgery", ["wrong signature", "no signature", "changed status"])
def test_a_forged_status_callback_is_refused_and_changes_nothing(
    api, engine, vault, personal_data, provider, forgery
):
    sms_contact(engine, vault)
    send_menu(engine, personal_data)
    [sent] = provider()
    form = {"MessageSid": sent["sid"], "MessageStatus": "delivered"}
    url = f"{personal_data.public_api_url}{STATUS_ROUTE}"
    signature = {
        "wrong signature": twilio_signature("not-the-token", url, form),
        "no signature": "",
        "changed status": twilio_signature(
            client_from_environment(SmsProvider).sms_auth_token,
            url,
            form | {"MessageStatus": "failed"},
        ),
    }[forgery]

    response = api.post(STATUS_ROUTE, data=form, headers={"x-twilio-signature": signature})

    assert response.status_code == 403
    [message] = [message for message in sms_messages(engine) if message.kind == "notification"]
    assert message.status == "sent"


def test_stop_withdraws_sms_consent_and_the_next_sms_is_not_sent(
    api, engine, vault, personal_data, provider
):
    contact = sms_contact(engine, vault)

    response = signed_post(
        api, personal_data, INBOUND_ROUTE, {"From": PHONE, "Body": "Stop", "MessageSid": "SM1"}
    )
    send_menu(engine, personal_data)

    assert response.status_code == 204
    consent = api.get(f"/api/contacts/{contact['id']}").json()["consents"][0]
    assert (consent["status"], consent["withdrawal_source"]) == ("withdrawn", "sms_stop")
    with engine.connect() as connection:
        assert connection.execute(select(suppressions.c.reason)).scalars().all() == ["withdrawal"]
    assert provider() == []

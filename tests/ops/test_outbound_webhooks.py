"""Outbound webhooks from the outbox to a real receiver on loopback: signed so that the
reference `standardwebhooks` library verifies them, retried on their schedule, given up as
dead letters, unsubscribed on 410, and never sent to an address mediaflow must not reach."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from dagster import materialize
from sqlalchemy import select, update
from standardwebhooks import Webhook
from support.receiver import webhook_receiver

from mediaflow_dagster.assets.webhooks import deliver_due, webhook_deliveries
from mediaflow_dagster.cms import webhooks
from mediaflow_dagster.cms.campaigns import change_campaign_status
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.schema import webhook_deliveries as outbox
from mediaflow_dagster.definitions import build_resources
from mediaflow_dagster.resources.webhooks import OutboundWebhooks


@pytest.fixture
def sender() -> OutboundWebhooks:
    return OutboundWebhooks(
        webhook_signing_key="tests-signing-key",
        webhook_private_addresses_allowed=True,
        http_timeout_seconds=1.0,
    )


def subscribe(engine, url: str, *event_types: str) -> dict:
    return webhooks.subscribe(
        engine,
        url=url,
        event_types=list(event_types or ("campaign_started",)),
        description=None,
        created_by="tests",
    )


def deliveries(engine) -> list[dict]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(outbox))]


def time_passes(engine) -> None:
    """The retry schedule's wait, elapsed."""
    with engine.begin() as connection:
        connection.execute(update(outbox).values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def drain(engine, sender) -> dict[str, int]:
    outcomes, _ = deliver_due(engine, sender, progress=lambda _: None)
    return dict(outcomes)


def test_a_started_campaign_reaches_its_subscriber_signed_for_the_reference_library(
    engine, campaign_id, sender
):
    with webhook_receiver(204) as receiver:
        subscription = subscribe(engine, receiver.url, "campaign_started")
        change_campaign_status(engine, campaign_id, "active")

        assert drain(engine, sender) == {"delivered": 1}

    [request] = receiver.received
    verified = Webhook(sender.secret_for(subscription["id"])).verify(request.body, request.headers)
    assert verified["type"] == "campaign_started"
    assert verified["data"] == {
        "campaign_id": campaign_id,
        "from_status": "draft",
        "status": "active",
    }
    assert deliveries(engine)[0]["status"] == "delivered"


def test_only_the_event_types_subscribed_to_are_sent(engine, campaign_id, sender):
    with webhook_receiver(200) as receiver:
        subscribe(engine, receiver.url, "campaign_completed")
        change_campaign_status(engine, campaign_id, "active")
        change_campaign_status(engine, campaign_id, "completed")
        drain(engine, sender)

    assert [json.loads(r.body)["type"] for r in receiver.received] == ["campaign_completed"]


def test_a_receiver_answering_500_then_200_gets_the_event_again_under_the_same_id(
    engine, campaign_id, sender
):
    with webhook_receiver(500, 200) as receiver:
        subscribe(engine, receiver.url)
        change_campaign_status(engine, campaign_id, "active")

        assert drain(engine, sender) == {"pending": 1}
        [pending] = deliveries(engine)
        assert pending["attempts"] == 1 and pending["last_status"] == 500
        assert pending["next_attempt_at"] > utcnow() + timedelta(seconds=3)
        assert drain(engine, sender) == {}  # not before its time
        time_passes(engine)
        assert drain(engine, sender) == {"delivered": 1}

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body


def test_a_receiver_that_times_out_is_tried_again_later(engine, campaign_id, sender):
    with webhook_receiver(200, delay_seconds=2.0) as receiver:
        subscribe(engine, receiver.url)
        change_campaign_status(engine, campaign_id, "active")

        assert drain(engine, sender) == {"pending": 1}

    assert "Timeout" in deliveries(engine)[0]["last_error"]


def test_a_receiver_answering_410_is_unsubscribed_and_gets_nothing_more(
    engine, campaign_id, sender
):
    with webhook_receiver(410) as receiver:
        subscription = subscribe(engine, receiver.url, "campaign_started", "campaign_completed")
        change_campaign_status(engine, campaign_id, "active")
        assert drain(engine, sender) == {"dead": 1}
        change_campaign_status(engine, campaign_id, "completed")
        assert drain(engine, sender) == {}

    assert len(receiver.received) == 1
    gone = webhooks.get_subscription(engine, subscription["id"])
    assert (gone["status"], gone["disabled_reason"]) == (
        "disabled",
        "the receiver answered 410 Gone",
    )


def test_after_its_last_attempt_a_delivery_is_a_dead_letter_that_a_replay_sends_again(
    engine, campaign_id, sender
):
    with webhook_receiver(*[503] * webhooks.ATTEMPTS, 200) as receiver:
        subscribe(engine, receiver.url)
        change_campaign_status(engine, campaign_id, "active")
        for _attempt in range(webhooks.ATTEMPTS):
            time_passes(engine)
            drain(engine, sender)
        [dead] = deliveries(engine)
        assert (dead["status"], dead["attempts"]) == ("dead", webhooks.ATTEMPTS)

        webhooks.replay(engine, dead["id"])
        assert drain(engine, sender) == {"delivered": 1}

    assert len(receiver.received) == webhooks.ATTEMPTS + 1


def test_two_runs_claiming_at_once_never_send_the_same_delivery(engine, campaign_id):
    with webhook_receiver(200) as receiver:
        subscribe(engine, receiver.url)
        change_campaign_status(engine, campaign_id, "active")

        first = webhooks.claim_due(engine, utcnow(), 10)
        second = webhooks.claim_due(engine, utcnow(), 10)

    assert len(first) == 1 and second == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_receivers_are_refused_unless_settings_allow_them(engine, campaign_id, host):
    strict = OutboundWebhooks(webhook_signing_key="k", http_timeout_seconds=1.0)
    with webhook_receiver(200) as receiver:
        subscribe(engine, receiver.url.replace("127.0.0.1", host))
        change_campaign_status(engine, campaign_id, "active")

        assert drain(engine, strict) == {"pending": 1}

    assert receiver.received == []
    assert "MEDIAFLOW_WEBHOOK_PRIVATE_ADDRESSES_ALLOWED" in deliveries(engine)[0]["last_error"]


def test_the_run_reports_its_deliveries_as_metadata(engine, campaign_id, sender, settings):
    with webhook_receiver(200) as receiver:
        subscribe(engine, receiver.url)
        change_campaign_status(engine, campaign_id, "active")
        result = materialize(
            [webhook_deliveries],
            resources={
                "ops_store": build_resources(settings, resolve_secrets=True)["ops_store"],
                "outbound_webhooks": sender,
            },
        )

    [materialization] = result.asset_materializations_for_node("ops__webhook_deliveries")
    assert materialization.metadata["delivered"].value == 1
    assert len(receiver.received) == 1

"""A failed run is told once: the `run_failures` sensor, evaluated on a real instance after a run
of a campaign-partitioned job failed, puts one `run_failed` event in the webhook outbox and one
email to the campaign's owner (the operators' address when the campaign has none), however often
it is evaluated; the email reaches the mail server with the step, the error's first line and a
link to the run, and nothing secret or personal is in either. Both backends."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from dagster import (
    DagsterEventType,
    DagsterInstance,
    Definitions,
    asset,
    build_run_status_sensor_context,
)
from sqlalchemy import select
from support.notifications import mail_environment, mail_server

from mediaflow_dagster.cms.campaigns import create_campaign
from mediaflow_dagster.cms.dispatch import send_due
from mediaflow_dagster.cms.notifications import get_request
from mediaflow_dagster.cms.schema import notification_messages, run_failures, webhook_deliveries
from mediaflow_dagster.cms.webhooks import subscribe
from mediaflow_dagster.definitions import in_process_job
from mediaflow_dagster.partitions import campaign_partitions
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.personal_data import PersonalData
from mediaflow_dagster.resources.sms import SmsProvider
from mediaflow_dagster.resources.smtp import SmtpMailer
from mediaflow_dagster.sensors.run_failures import run_failures_sensor

HOOK_TOKEN = "s3cr3t-hook-token"
UI = "https://dagster.mediaflow.example"


@asset(partitions_def=campaign_partitions)
def publication_attempt() -> None:
    raise RuntimeError(
        f"POST https://hook.eu1.make.com/{HOOK_TOKEN}?signature=abc answered 500 for "
        "someone@example.org\nTraceback lines a receiver need not see"
    )


ATTEMPT_JOB = in_process_job("publication_attempt_job", publication_attempt)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with mail_server(tmp_path_factory.mktemp("mail-certificates")) as running:
        yield running


def campaign(engine, owner_email: str | None) -> int:
    return create_campaign(
        engine,
        name="Lancement Produit X",
        description=None,
        topics=[],
        budget=Decimal("100.00"),
        currency="EUR",
        start_date=date(2026, 11, 1),
        end_date=date(2026, 11, 30),
        social_account_ids=[],
        owner_email=owner_email,
    )["id"]


def failed_run(instance: DagsterInstance, campaign_id: int) -> str:
    instance.add_dynamic_partitions(campaign_partitions.name, [str(campaign_id)])
    job = Definitions(assets=[publication_attempt], jobs=[ATTEMPT_JOB]).resolve_job_def(
        ATTEMPT_JOB.name
    )
    result = job.execute_in_process(
        partition_key=str(campaign_id), instance=instance, raise_on_error=False
    )
    assert not result.success
    return result.run_id


def evaluate_sensor(instance: DagsterInstance, run_id: str, settings) -> None:
    run = instance.get_run_by_id(run_id)
    [failure] = [
        entry.dagster_event
        for entry in instance.all_logs(run_id, of_type=DagsterEventType.RUN_FAILURE)
    ]
    context = build_run_status_sensor_context(
        sensor_name="run_failures",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=run,
        resources={
            "ops_store": client_from_environment(
                OpsStore, backend=settings.backend, sqlite_path=str(settings.ops_sqlite_path)
            )
        },
    ).for_run_failure()
    run_failures_sensor(settings)(context)


def rows(engine, table) -> list[dict]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(table))]


@pytest.fixture
def watched(settings, engine):
    settings = settings.model_copy(
        update={"dagster_ui_url": UI, "operations_email": "operations@mediaflow.example"}
    )
    subscribe(
        engine,
        url="https://crm.example.com/hooks",
        event_types=["run_failed"],
        description=None,
        created_by="tests",
    )
    return settings


def test_a_failed_campaign_run_is_told_once_to_the_webhooks_and_the_campaigns_owner(
    watched, engine
):
    campaign_id = campaign(engine, "owner@mediaflow.example")
    with DagsterInstance.ephemeral() as instance:
        run_id = failed_run(instance, campaign_id)
        evaluate_sensor(instance, run_id, watched)
        evaluate_sensor(instance, run_id, watched)

    [delivery] = rows(engine, webhook_deliveries)
    [message] = rows(engine, notification_messages)
    [noticed] = rows(engine, run_failures)
    event = delivery["payload"]["data"]
    assert delivery["event_type"] == "run_failed" and event["run_id"] == run_id
    assert event["job"] == "publication_attempt_job" and event["campaign_id"] == campaign_id
    assert event["run_url"] == f"{UI}/runs/{run_id}"
    [step] = event["steps"]
    assert step["step"] == "publication_attempt" and step["error_class"] == "RuntimeError"
    assert step["error"] == "POST https://hook.eu1.make.com/… answered 500 for [redacted]"
    assert HOOK_TOKEN not in str(delivery) and "someone@" not in str(delivery)
    assert message["kind"] == "operations" and message["status"] == "pending"
    assert message["contact_id"] is None and message["campaign_id"] == campaign_id
    assert noticed["webhook_deliveries"] == 1 and noticed["campaign_id"] == campaign_id


def test_the_email_reaches_the_owner_with_the_step_the_error_and_the_runs_link(
    watched, engine, server, in_environment
):
    server.mailbox.clear()
    in_environment(mail_environment(server))
    campaign_id = campaign(engine, "owner@mediaflow.example")
    with DagsterInstance.ephemeral() as instance:
        run_id = failed_run(instance, campaign_id)
        evaluate_sensor(instance, run_id, watched)
    personal_data = client_from_environment(PersonalData)

    report = send_due(
        engine,
        personal_data.vault(),
        personal_data.links(),
        client_from_environment(SmtpMailer),
        client_from_environment(SmsProvider),
    )

    assert dict(report.outcomes) == {"sent": 1}
    [email] = server.mailbox.received()
    assert email["To"] == "owner@mediaflow.example"
    assert email["Subject"] == f"mediaflow: publication_attempt_job failed (campaign {campaign_id})"
    body = email.get_body(("plain",)).get_content()
    assert "publication_attempt: RuntimeError: POST https://hook.eu1.make.com/…" in body
    assert f"{UI}/runs/{run_id}" in body
    assert HOOK_TOKEN not in email.as_string() and "List-Unsubscribe" not in email


def test_a_campaign_without_an_owner_has_its_failure_sent_to_the_operators(watched, engine):
    campaign_id = campaign(engine, None)
    with DagsterInstance.ephemeral() as instance:
        evaluate_sensor(instance, failed_run(instance, campaign_id), watched)

    [message] = rows(engine, notification_messages)
    with engine.connect() as connection:
        request = get_request(connection, message["request_id"])
    assert request["audience"] == {"email": "operations@mediaflow.example"}


def test_without_an_owner_or_an_operators_address_only_the_webhooks_hear_of_it(watched, engine):
    campaign_id = campaign(engine, None)
    unaddressed = watched.model_copy(update={"operations_email": None})
    with DagsterInstance.ephemeral() as instance:
        evaluate_sensor(instance, failed_run(instance, campaign_id), unaddressed)

    assert rows(engine, notification_messages) == []
    assert len(rows(engine, webhook_deliveries)) == 1

"""Performance thresholds held against the real marts (the warehouse scenario built by dbt) by
the `performance_alerts` sensor after a build: an alert is recorded once per crossing, with a
`performance_alert` webhook event and an email to the campaign's owner, and shown on the mart
in Dagster as an observation naming the campaign and the threshold; it stays quiet while the
figure stays across, marks the alert recovered when it comes back, and alerts again on the
next crossing. Both backends."""

from __future__ import annotations

from decimal import Decimal

import pytest
from dagster import AssetMaterialization, DagsterInstance, build_sensor_context
from sqlalchemy import select
from support.notifications import mail_environment, mail_server
from support.scenario_marts import (
    OWNERS,
    mart_rows,
    scenario_campaigns,
    scenario_fixtures,
    set_mart_figure,
)

from mediaflow_dagster.cms.dispatch import send_due
from mediaflow_dagster.cms.notifications import get_request
from mediaflow_dagster.cms.performance_alerts import add_threshold
from mediaflow_dagster.cms.schema import (
    notification_messages,
    performance_alerts,
    performance_thresholds,
    webhook_deliveries,
)
from mediaflow_dagster.cms.webhooks import subscribe
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.personal_data import PersonalData
from mediaflow_dagster.resources.sms import SmsProvider
from mediaflow_dagster.resources.smtp import SmtpMailer
from mediaflow_dagster.sensors.performance_alerts import SUMMARY_KEY, performance_alerts_sensor

scenario, postgres_database = scenario_fixtures()


@pytest.fixture
def marts(settings, scenario, engine):
    """The scenario's marts where mediaflow reads them, and its two campaigns in the ops store
    (the same ids), each with its owner; a receiver of `performance_alert` events."""
    scenario.place(settings)
    scenario_campaigns(engine)
    subscribe(
        engine,
        url="https://crm.example.com/hooks",
        event_types=["performance_alert"],
        description=None,
        created_by="tests",
    )
    return settings


def summary(settings, campaign_id: int) -> dict:
    [row] = mart_rows(
        settings,
        "select engagement_rate, budget_pacing from marts.campaign_performance__summary "
        f"where campaign_id = {campaign_id}",
    )
    return {name: float(value) for name, value in row.items()}


def after_a_build(instance: DagsterInstance, settings):
    """The sensor's evaluation once the summary mart was materialized again."""
    instance.report_runless_asset_event(AssetMaterialization(SUMMARY_KEY))
    context = build_sensor_context(
        instance=instance,
        resources={
            "ops_store": client_from_environment(
                OpsStore, backend=settings.backend, sqlite_path=str(settings.ops_sqlite_path)
            )
        },
    )
    return performance_alerts_sensor(settings).evaluate_tick(context)


def rows(engine, table) -> list[dict]:
    with engine.connect() as connection:
        ordered = select(table).order_by(table.c.id)
        return [dict(row._mapping) for row in connection.execute(ordered)]


def test_a_crossed_threshold_alerts_once_by_webhook_and_email_and_shows_on_the_mart(marts, engine):
    launch = summary(marts, 1)
    limit = round(launch["engagement_rate"] + 0.01, 6)
    add_threshold(
        engine, 1, metric="engagement_rate", direction="below",
        value=Decimal(str(limit)), after_hours=24,
        created_by="tests",
    )  # fmt: skip
    add_threshold(
        engine, 2, metric="budget_pacing", direction="above", value=Decimal("0.5"),
        after_hours=0, created_by="tests",
    )  # fmt: skip
    add_threshold(
        engine, 2, metric="engagement_rate", direction="below", value=Decimal("1"),
        after_hours=48, created_by="tests",
    )  # fmt: skip

    with DagsterInstance.ephemeral() as instance:
        first = after_a_build(instance, marts)
        second = after_a_build(instance, marts)

    alerts = rows(engine, performance_alerts)
    assert [(a["campaign_id"], a["metric"], a["direction"]) for a in alerts] == [
        (1, "engagement_rate", "below"),
        (2, "budget_pacing", "above"),
    ]
    assert alerts[0]["observed"] == pytest.approx(launch["engagement_rate"])
    assert alerts[1]["observed"] == pytest.approx(summary(marts, 2)["budget_pacing"])
    deliveries = rows(engine, webhook_deliveries)
    assert [d["event_type"] for d in deliveries] == ["performance_alert", "performance_alert"]
    event = deliveries[0]["payload"]["data"]
    assert (event["campaign_id"], event["campaign_name"], event["metric"]) == (
        1,
        "Launch",
        "engagement_rate",
    )
    assert event["alert_id"] == alerts[0]["id"] and "@" not in str(event)
    messages = rows(engine, notification_messages)
    with engine.connect() as connection:
        audiences = [get_request(connection, m["request_id"])["audience"] for m in messages]
    assert audiences == [{"email": OWNERS[1]}, {"email": OWNERS[2]}]
    [observed] = first.asset_events
    assert observed.asset_key == SUMMARY_KEY
    assert observed.metadata["performance_alerts_crossed"].value == 2
    table = observed.metadata["performance_alerts"].value.records
    assert [(r.data["campaign_id"], r.data["metric"], r.data["threshold"]) for r in table] == [
        (1, "engagement_rate", limit),
        (2, "budget_pacing", 0.5),
    ]
    assert "@" not in str(observed)
    [quiet] = second.asset_events
    assert quiet.metadata["performance_alerts_crossed"].value == 0
    assert len(rows(engine, performance_alerts)) == 2


def test_a_threshold_alerts_again_only_after_it_recovered(marts, engine):
    rate = summary(marts, 1)["engagement_rate"]
    add_threshold(
        engine, 1, metric="engagement_rate", direction="below", value=Decimal("0.5"),
        after_hours=24, created_by="tests",
    )  # fmt: skip
    assert rate < 0.5

    with DagsterInstance.ephemeral() as instance:
        after_a_build(instance, marts)
        set_mart_figure(marts, "campaign_performance__summary", 1, "engagement_rate", 0.6)
        recovered = after_a_build(instance, marts)
        after_a_build(instance, marts)
        set_mart_figure(marts, "campaign_performance__summary", 1, "engagement_rate", 0.4)
        after_a_build(instance, marts)

    first, second = rows(engine, performance_alerts)
    assert first["recovered_at"] is not None and second["recovered_at"] is None
    assert (first["observed"], second["observed"]) == (pytest.approx(rate), 0.4)
    [change] = recovered.asset_events[0].metadata["performance_alerts"].value.records
    assert change.data["change"] == "recovered"
    [threshold] = rows(engine, performance_thresholds)
    assert threshold["state"] == "crossed"
    assert len(rows(engine, webhook_deliveries)) == 2


def test_the_owner_reads_the_campaign_the_figure_and_the_threshold(
    marts, engine, in_environment, tmp_path_factory
):
    add_threshold(
        engine, 2, metric="budget_pacing", direction="above", value=Decimal("0.5"),
        after_hours=0, created_by="tests",
    )  # fmt: skip
    with mail_server(tmp_path_factory.mktemp("mail-certificates")) as server:
        in_environment(mail_environment(server))
        with DagsterInstance.ephemeral() as instance:
            after_a_build(instance, marts)
        personal_data = client_from_environment(PersonalData)
        report = send_due(
            engine,
            personal_data.vault(),
            personal_data.links(),
            client_from_environment(SmtpMailer),
            client_from_environment(SmsProvider),
        )
        [email] = server.mailbox.received()

    assert dict(report.outcomes) == {"sent": 1}
    assert email["To"] == OWNERS[2]
    assert email["Subject"] == "mediaflow: Winter: budget_pacing above 0.5"
    pacing = summary(marts, 2)["budget_pacing"]
    assert f"budget_pacing is {round(pacing, 6)}" in email.get_body(("plain",)).get_content()

"""Performance thresholds through the API: an editor sets one on a campaign (audited), reads it
back with its state, deletes it; a second on the same figure and direction is a 409, a figure
mediaflow does not watch or a negative value a 422, an unknown campaign a 404, and a refused
request changes nothing; before the marts are built, the sensor skips and records nothing.
Both backends."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from dagster import AssetMaterialization, DagsterInstance, build_sensor_context
from sqlalchemy import select
from support.api import api_client
from support.stores import store_contents

from mediaflow_dagster.cms.campaigns import create_campaign
from mediaflow_dagster.cms.performance_alerts import add_threshold
from mediaflow_dagster.cms.schema import audit_log, performance_alerts
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.sensors.performance_alerts import SUMMARY_KEY, performance_alerts_sensor

THRESHOLD = {"metric": "engagement_rate", "direction": "below", "value": 0.02, "after_hours": 24}


@pytest.fixture
def editor(settings, engine):
    return api_client(settings, "editor")


def test_an_editor_sets_reads_and_deletes_a_threshold_and_each_write_is_audited(
    editor, engine, campaign_id
):
    created = editor.post(f"/api/campaigns/{campaign_id}/performance-thresholds", json=THRESHOLD)
    listed = editor.get(f"/api/campaigns/{campaign_id}/performance-thresholds")
    deleted = editor.delete(
        f"/api/campaigns/{campaign_id}/performance-thresholds/{created.json()['id']}"
    )
    after = editor.get(f"/api/campaigns/{campaign_id}/performance-thresholds")

    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["metric"], body["direction"], body["value"], body["after_hours"]) == (
        "engagement_rate",
        "below",
        "0.020000",
        24,
    )
    assert body["state"] == "clear" and body["evaluated_at"] is None
    assert created.headers["location"].endswith(f"/performance-thresholds/{body['id']}")
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]
    assert deleted.status_code == 204
    assert after.json() == {"items": [], "next_cursor": None}
    with engine.connect() as connection:
        audited = [
            (row.method, row.route, row.status, row.actor)
            for row in connection.execute(select(audit_log).order_by(audit_log.c.id))
            if row.method != "GET"
        ]
    assert audited == [
        ("POST", "/api/campaigns/{campaign_id}/performance-thresholds", 201, "key:tests"),
        (
            "DELETE",
            "/api/campaigns/{campaign_id}/performance-thresholds/{threshold_id}",
            204,
            "key:tests",
        ),
    ]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        pytest.param({"metric": "followers"}, 422, id="unknown figure"),
        pytest.param({"direction": "sideways"}, 422, id="unknown direction"),
        pytest.param({"value": -1}, 422, id="negative value"),
        pytest.param({"value": "lots"}, 422, id="not a number"),
        pytest.param({"after_hours": 10**6}, 422, id="too many hours"),
        pytest.param({"owner": "x"}, 422, id="unknown field"),
    ],
)
def test_a_threshold_that_makes_no_sense_is_refused_and_changes_nothing(
    editor, engine, campaign_id, change, status
):
    before = store_contents(engine)

    answer = editor.post(
        f"/api/campaigns/{campaign_id}/performance-thresholds", json={**THRESHOLD, **change}
    )

    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert store_contents(engine) == before


def test_a_second_threshold_on_the_same_figure_is_a_conflict_and_an_unknown_campaign_a_404(
    editor, engine, campaign_id
):
    editor.post(f"/api/campaigns/{campaign_id}/performance-thresholds", json=THRESHOLD)
    before = store_contents(engine)

    again = editor.post(f"/api/campaigns/{campaign_id}/performance-thresholds", json=THRESHOLD)
    unknown = editor.post("/api/campaigns/999/performance-thresholds", json=THRESHOLD)
    alerts = editor.get("/api/campaigns/999/performance-alerts")
    missing = editor.delete(f"/api/campaigns/{campaign_id}/performance-thresholds/999")

    assert (again.status_code, unknown.status_code, alerts.status_code) == (409, 404, 404)
    assert missing.status_code == 404
    assert store_contents(engine) == before


def test_an_analyst_reads_thresholds_and_alerts_but_cannot_set_one(settings, engine, campaign_id):
    analyst = api_client(settings, "analyst")

    assert analyst.get(f"/api/campaigns/{campaign_id}/performance-alerts").json() == {
        "items": [],
        "next_cursor": None,
    }
    refused = analyst.post(f"/api/campaigns/{campaign_id}/performance-thresholds", json=THRESHOLD)
    assert refused.status_code == 403


def evaluated_after_a_build(instance: DagsterInstance, settings):
    instance.report_runless_asset_event(AssetMaterialization(SUMMARY_KEY))
    ops_store = client_from_environment(
        OpsStore, backend=settings.backend, sqlite_path=str(settings.ops_sqlite_path)
    )
    context = build_sensor_context(instance=instance, resources={"ops_store": ops_store})
    return performance_alerts_sensor(settings).evaluate_tick(context)


def test_without_built_marts_the_sensor_skips_and_records_nothing(settings, engine):
    campaign_id = create_campaign(
        engine, name="Sans marts", description=None, topics=[], budget=Decimal(10),
        currency="EUR", start_date=date(2026, 11, 1), end_date=date(2026, 11, 2),
        social_account_ids=[],
    )["id"]  # fmt: skip
    add_threshold(
        engine, campaign_id, metric="cpm", direction="above", value=Decimal(1), after_hours=0,
        created_by="tests",
    )  # fmt: skip

    with DagsterInstance.ephemeral() as instance:
        result = evaluated_after_a_build(instance, settings)

    assert "not built" in result.skip_message
    with engine.connect() as connection:
        assert connection.execute(select(performance_alerts)).all() == []

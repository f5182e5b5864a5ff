"""`GET /metrics`: Prometheus's text format with the requests by route template and status, their
latency, the callbacks and webhook deliveries waiting in the ops store and the open circuits;
readable from the same machine without a credential, from elsewhere only with `metrics:read`."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient
from support.api import api_client, key_headers

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.cms.circuits import record_failure
from mediaflow_dagster.cms.inbox import store_callback
from mediaflow_dagster.cms.webhooks import emit, subscribe


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_requests_are_counted_and_timed_by_route_template_and_status(settings):
    client = api_client(settings, "admin")
    client.get("/api/campaigns/424242")
    client.get("/api/campaigns/424243")
    client.get("/health")
    client.get("/no/such/route/9")

    answer = client.get("/metrics")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    found = samples(answer.text)
    route = {("method", "GET"), ("route", "/api/campaigns/{campaign_id}")}
    assert found["mediaflow_api_requests_total", frozenset(route | {("status", "404")})] == 2
    assert found["mediaflow_api_request_duration_seconds_count", frozenset(route)] == 2
    assert (
        found[
            "mediaflow_api_requests_total",
            frozenset({("method", "GET"), ("route", "unmatched"), ("status", "404")}),
        ]
        == 1
    )
    assert not any("424242" in str(labels) for _, labels in found)


def test_the_depths_of_the_inbox_and_the_outbox_and_the_open_circuits_are_read_at_each_scrape(
    settings, engine
):
    client = api_client(settings, "admin")
    for number in range(3):
        store_callback(
            engine,
            event_id=f"evt-{number}",
            source="make",
            event_type="publication.confirmed",
            payload={},
            campaign_id=None,
            subject_id=None,
        )
    subscribe(
        engine,
        url="https://hooks.example.com/mediaflow",
        event_types=["campaign_started"],
        description=None,
        created_by="tests",
    )
    with engine.begin() as connection:
        emit(connection, "campaign_started", {"campaign_id": 1})
    record_failure(engine, "tiktok", "502", threshold=1, cooldown=timedelta(minutes=5))

    found = samples(client.get("/metrics").text)

    assert found["mediaflow_callback_inbox_depth", frozenset({("source", "make")})] == 3
    assert found["mediaflow_webhook_outbox_depth", frozenset()] == 1
    assert found["mediaflow_platform_circuit_open", frozenset({("platform", "tiktok")})] == 1


def test_metrics_are_open_to_the_same_machine_and_to_metrics_read_only(settings):
    app = create_app(settings)
    keys = {roles: key_headers(settings, *roles) for roles in [("analyst",), ("admin",)]}
    callers = {
        ("127.0.0.1", ()): 200,
        ("::1", ()): 200,
        ("203.0.113.9", ()): 401,
        ("203.0.113.9", ("analyst",)): 403,
        ("203.0.113.9", ("admin",)): 200,
    }

    answered = {
        (host, roles): TestClient(app, client=(host, 40000), headers=keys.get(roles, {}))
        .get("/metrics")
        .status_code
        for host, roles in callers
    }

    assert answered == callers

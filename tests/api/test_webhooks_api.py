"""The outbound webhooks' API: admins subscribe receivers (the secret shown once), list the
deliveries and replay dead letters; nobody else may, and a receiver mediaflow must not reach is
refused when it is subscribed."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient
from support.api import api_client

from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.schema import webhook_deliveries
from mediaflow_dagster.cms.webhooks import emit

RECEIVER = "https://hooks.example.com/mediaflow"


@pytest.fixture
def admin(settings) -> TestClient:
    return api_client(settings)


def subscribe(api: TestClient, url: str = RECEIVER, **overrides) -> dict:
    return api.post(
        "/api/webhooks/subscriptions",
        json={"url": url, "event_types": ["publication_success"], **overrides},
    )


def test_a_subscription_shows_its_signing_secret_once(admin):
    created = subscribe(admin)
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")

    read = admin.get(created.headers["location"]).json()
    assert "secret" not in read
    assert read["status"] == "active" and read["event_types"] == ["publication_success"]


@pytest.mark.parametrize(
    ("url", "named"),
    [("http://10.0.0.5/hook", "url"), ("file:///etc/passwd", "url")],
)
def test_a_receiver_mediaflow_must_not_reach_is_refused_naming_the_url(admin, url, named):
    refused = subscribe(admin, url)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"].endswith(named)
    assert admin.get("/api/webhooks/subscriptions").json()["items"] == []


def test_an_unknown_event_type_is_refused(admin):
    refused = subscribe(admin, event_types=["everything"])
    assert refused.status_code == 422


@pytest.mark.parametrize("role", ["analyst", "editor", "approver"])
def test_only_admins_manage_webhooks(settings, role):
    api = api_client(settings, role)
    assert subscribe(api).status_code == 403
    assert api.get("/api/webhooks/deliveries").status_code == 403


def test_a_dead_letter_is_replayed_and_anything_else_is_a_conflict(admin, settings):
    subscription = subscribe(admin).json()
    engine = ops_engine(settings.ops_database_url)
    with engine.begin() as connection:
        emit(connection, "publication_success", {"publication_id": 1})
    [delivery] = admin.get("/api/webhooks/deliveries").json()["items"]

    assert admin.post(f"/api/webhooks/deliveries/{delivery['id']}/replay").status_code == 409
    with engine.begin() as connection:
        connection.execute(update(webhook_deliveries).values(status="dead", attempts=8))
    dead = admin.get("/api/webhooks/deliveries", params={"status": "dead"}).json()["items"]
    assert [d["id"] for d in dead] == [delivery["id"]]

    admin.post(f"/api/webhooks/subscriptions/{subscription['id']}/disable")
    assert admin.post(f"/api/webhooks/deliveries/{delivery['id']}/replay").status_code == 409
    admin.post(f"/api/webhooks/subscriptions/{subscription['id']}/enable")
    replayed = admin.post(f"/api/webhooks/deliveries/{delivery['id']}/replay")
    assert replayed.status_code == 200
    assert (replayed.json()["status"], replayed.json()["attempts"]) == ("pending", 0)


def test_replaying_a_delivery_that_does_not_exist_is_404(admin):
    assert admin.post("/api/webhooks/deliveries/999/replay").status_code == 404

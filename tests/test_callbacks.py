"""Callbacks from n8n and Make: verified before anything is stored, stored before processed."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook
from starlette.testclient import TestClient

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.cms import campaigns as cms
from mediaflow_dagster.cms.schema import callback_inbox


@pytest.fixture
def api(settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.fixture
def generating_object(engine, campaign_id) -> dict:
    content = cms.create_object(
        engine, campaign_id=campaign_id, object_type="text", title="Post", sources=[], config={}
    )
    cms.transition_object(engine, content["id"], "generating")
    return content


def signed(
    secret: str, body: dict | bytes, *, event_id: str | None = None, age: timedelta = timedelta()
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    event_id = event_id or f"evt_{uuid.uuid4().hex}"
    moment = datetime.now(UTC) - age
    headers = {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, moment, raw.decode()),
        "content-type": "application/json",
    }
    return raw, headers


def content_ready(object_id: int) -> dict:
    return {
        "type": "content.ready",
        "object_id": object_id,
        "execution_id": "1042",
        "content": {"text": "Produit X arrive !", "hashtags": ["#produitx"]},
        "media": None,
    }


def inbox(engine) -> list[dict]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(callback_inbox))]


def test_a_signed_callback_is_stored_in_the_inbox(api, engine, settings, generating_object):
    raw, headers = signed(settings.n8n_callback_secret, content_ready(generating_object["id"]))

    response = api.post("/callbacks/n8n", content=raw, headers=headers)

    assert response.status_code == 202
    [stored] = inbox(engine)
    assert stored["event_id"] == headers["webhook-id"]
    assert stored["status"] == "received"
    assert stored["campaign_id"] == generating_object["campaign_id"]
    assert stored["payload"]["content"]["text"] == "Produit X arrive !"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda h: h | {"webhook-signature": "v1,AAAA"}, id="wrong signature"),
        pytest.param(
            lambda h: {k: v for k, v in h.items() if k != "webhook-signature"}, id="missing"
        ),
        pytest.param(lambda h: h | {"webhook-signature": "garbage"}, id="malformed signature"),
    ],
)
def test_a_bad_signature_gets_401_and_stores_nothing(
    api, engine, settings, generating_object, tamper
):
    raw, headers = signed(settings.n8n_callback_secret, content_ready(generating_object["id"]))

    response = api.post("/callbacks/n8n", content=raw, headers=tamper(headers))

    assert response.status_code == 401
    assert "signature" in response.json()["error"]
    assert inbox(engine) == []


def test_a_callback_signed_with_another_source_secret_is_refused(
    api, engine, settings, generating_object
):
    raw, headers = signed(settings.make_callback_secret, content_ready(generating_object["id"]))

    assert api.post("/callbacks/n8n", content=raw, headers=headers).status_code == 401
    assert inbox(engine) == []


def test_a_stale_timestamp_is_refused_as_a_replay(api, engine, settings, generating_object):
    raw, headers = signed(
        settings.n8n_callback_secret, content_ready(generating_object["id"]), age=timedelta(hours=1)
    )

    assert api.post("/callbacks/n8n", content=raw, headers=headers).status_code == 401
    assert inbox(engine) == []


def test_a_malformed_body_gets_422_naming_the_field(api, engine, settings, generating_object):
    body = content_ready(generating_object["id"]) | {"object_id": "not-a-number"}
    raw, headers = signed(settings.n8n_callback_secret, body)

    response = api.post("/callbacks/n8n", content=raw, headers=headers)

    assert response.status_code == 422
    assert [problem["field"] for problem in response.json()["fields"]] == ["object_id"]
    assert inbox(engine) == []


def test_an_unknown_event_type_gets_422(api, engine, settings, generating_object):
    body = content_ready(generating_object["id"]) | {"type": "content.exploded"}
    raw, headers = signed(settings.n8n_callback_secret, body)

    response = api.post("/callbacks/n8n", content=raw, headers=headers)

    assert response.status_code == 422
    assert inbox(engine) == []


def test_a_duplicate_delivery_is_stored_once(api, engine, settings, generating_object):
    raw, headers = signed(settings.n8n_callback_secret, content_ready(generating_object["id"]))

    first = api.post("/callbacks/n8n", content=raw, headers=headers)
    second = api.post("/callbacks/n8n", content=raw, headers=headers)

    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["status"] == "duplicate"
    assert len(inbox(engine)) == 1


def test_a_callback_for_an_unknown_object_gets_404_and_is_kept_as_rejected(api, engine, settings):
    raw, headers = signed(settings.n8n_callback_secret, content_ready(4242))

    response = api.post("/callbacks/n8n", content=raw, headers=headers)

    assert response.status_code == 404
    [kept] = inbox(engine)
    assert kept["status"] == "rejected"
    assert "4242" in kept["error"]


def test_a_make_callback_for_an_unknown_publication_gets_404(api, engine, settings):
    body = {
        "type": "publication.published",
        "publication_id": 77,
        "idempotency_key": "pub-1-1",
        "status": "published",
        "external_id": "123_456",
        "published_at": "2026-11-21T03:00:00Z",
    }
    raw, headers = signed(settings.make_callback_secret, body)

    response = api.post("/callbacks/make", content=raw, headers=headers)

    assert response.status_code == 404
    assert [row["status"] for row in inbox(engine)] == ["rejected"]

"""Callbacks from n8n and Make: verified before anything is stored, stored before processed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from support.signing import make_signed, n8n_signed

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.cms import accounts
from mediaflow_dagster.cms import campaigns as cms
from mediaflow_dagster.cms.publishing import (
    Plan,
    claim_for_sending,
    dispatchable,
    get_publication,
    mark_sent,
    plan_publications,
)
from mediaflow_dagster.cms.schema import callback_inbox


@pytest.fixture
def api(settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.fixture
def generating_object(engine, campaign_id) -> dict:
    content = cms.create_object(
        engine, campaign_id=campaign_id, object_type="text", title="Post", sources=[], config={}
    )
    cms.transition_object(
        engine, content["id"], "generating", generation_request_id=f"{content['id']}-first"
    )
    return content


def content_ready(object_id: int, request_id: str | None = None) -> dict:
    return {
        "type": "content.ready",
        "object_id": object_id,
        "request_id": request_id or f"{object_id}-first",
        "execution_id": "1042",
        "content": {"text": "Produit X arrive !", "hashtags": ["#produitx"]},
        "media": None,
    }


def inbox(engine) -> list[dict]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(callback_inbox))]


def test_a_signed_callback_is_stored_in_the_inbox(api, engine, settings, generating_object):
    raw, headers = n8n_signed(content_ready(generating_object["id"]))

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
    raw, headers = n8n_signed(content_ready(generating_object["id"]))

    response = api.post("/callbacks/n8n", content=raw, headers=tamper(headers))

    assert response.status_code == 401
    assert "signature" in response.json()["detail"]
    assert inbox(engine) == []


def test_a_callback_signed_with_another_source_secret_is_refused(
    api, engine, settings, generating_object
):
    raw, headers = make_signed(content_ready(generating_object["id"]))

    assert api.post("/callbacks/n8n", content=raw, headers=headers).status_code == 401
    assert inbox(engine) == []


def test_a_stale_timestamp_is_refused_as_a_replay(api, engine, settings, generating_object):
    raw, headers = n8n_signed(content_ready(generating_object["id"]), age=timedelta(hours=1))

    assert api.post("/callbacks/n8n", content=raw, headers=headers).status_code == 401
    assert inbox(engine) == []


def test_a_malformed_body_gets_422_naming_the_field(api, engine, settings, generating_object):
    body = content_ready(generating_object["id"]) | {"object_id": "not-a-number"}
    raw, headers = n8n_signed(body)

    response = api.post("/callbacks/n8n", content=raw, headers=headers)

    assert response.status_code == 422
    assert [problem["field"] for problem in response.json()["errors"]] == ["object_id"]
    assert inbox(engine) == []


def test_an_unknown_event_type_gets_422(api, engine, settings, generating_object):
    body = content_ready(generating_object["id"]) | {"type": "content.exploded"}
    raw, headers = n8n_signed(body)

    response = api.post("/callbacks/n8n", content=raw, headers=headers)

    assert response.status_code == 422
    assert inbox(engine) == []


def test_a_duplicate_delivery_is_stored_once(api, engine, settings, generating_object):
    raw, headers = n8n_signed(content_ready(generating_object["id"]))

    first = api.post("/callbacks/n8n", content=raw, headers=headers)
    second = api.post("/callbacks/n8n", content=raw, headers=headers)

    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["status"] == "duplicate"
    assert len(inbox(engine)) == 1


def test_a_callback_for_an_unknown_object_gets_404_and_is_kept_as_rejected(api, engine, settings):
    raw, headers = n8n_signed(content_ready(4242))

    response = api.post("/callbacks/n8n", content=raw, headers=headers)

    assert response.status_code == 404
    [kept] = inbox(engine)
    assert kept["status"] == "rejected"
    assert "4242" in kept["error"]


def published(publication: dict, token: str) -> dict:
    return {
        "type": "publication.published",
        "publication_id": publication["id"],
        "idempotency_key": publication["idempotency_key"],
        "callback_token": token,
        "status": "published",
        "external_id": "104857600123456_1",
        "published_at": "2026-11-21T03:00:00Z",
    }


@pytest.fixture
def sent_publication(engine, campaign_id, targeted_account) -> tuple[dict, str]:
    """A publication sent to its scenario with a single-use callback token."""
    content = cms.create_object(
        engine, campaign_id=campaign_id, object_type="text", title="Post", sources=[], config={}
    )
    cms.transition_object(engine, content["id"], "generating")
    cms.transition_object(engine, content["id"], "ready")
    cms.approve_object(engine, content["id"], "ana")
    cms.change_campaign_status(engine, campaign_id, "active")
    planner = lambda connection, account, content: Plan("test", {"message": "Produit X"})  # noqa: E731
    plan_publications(engine, campaign_id, planner)
    [publication] = dispatchable(engine, campaign_id)
    assert claim_for_sending(engine, publication["id"], "the-token")
    mark_sent(engine, publication, answered=True)
    assert publication["social_account_id"] == targeted_account["id"]
    return get_publication(engine, publication["id"]), "the-token"


def test_a_make_callback_with_its_token_is_stored_and_spends_it(
    api, engine, settings, sent_publication
):
    publication, token = sent_publication
    raw, headers = make_signed(published(publication, token))

    assert api.post("/callbacks/make", content=raw, headers=headers).status_code == 202
    assert get_publication(engine, publication["id"])["callback_token_used_at"] is not None


def test_a_duplicate_delivery_of_a_make_callback_is_not_a_reused_token(
    api, settings, sent_publication
):
    publication, token = sent_publication
    raw, headers = make_signed(published(publication, token))

    api.post("/callbacks/make", content=raw, headers=headers)
    again = api.post("/callbacks/make", content=raw, headers=headers)

    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"


def test_a_make_callback_with_a_wrong_token_is_refused_and_changes_nothing(
    api, engine, settings, sent_publication
):
    publication, _ = sent_publication
    raw, headers = make_signed(published(publication, "guessed"))

    response = api.post("/callbacks/make", content=raw, headers=headers)

    assert response.status_code == 409
    assert "token does not match" in response.json()["detail"]
    assert inbox(engine) == []
    assert get_publication(engine, publication["id"])["callback_token_used_at"] is None


def test_a_reused_token_is_refused(api, engine, settings, sent_publication):
    publication, token = sent_publication
    first = make_signed(published(publication, token))
    second = make_signed(published(publication, token))

    api.post("/callbacks/make", content=first[0], headers=first[1])
    response = api.post("/callbacks/make", content=second[0], headers=second[1])

    assert response.status_code == 409
    assert "already used" in response.json()["detail"]
    assert len(inbox(engine)) == 1


def test_a_callback_for_an_expired_account_is_refused(api, engine, settings, sent_publication):
    publication, token = sent_publication
    accounts.record_check(engine, publication["social_account_id"], "expired", "token expired")
    raw, headers = make_signed(published(publication, token))

    response = api.post("/callbacks/make", content=raw, headers=headers)

    assert response.status_code == 409
    assert "expired" in response.json()["detail"]
    assert inbox(engine) == []


def test_a_make_callback_without_a_token_gets_422_naming_it(
    api, engine, settings, sent_publication
):
    publication, token = sent_publication
    body = published(publication, token)
    del body["callback_token"]
    raw, headers = make_signed(body)

    response = api.post("/callbacks/make", content=raw, headers=headers)

    assert response.status_code == 422
    assert [problem["field"] for problem in response.json()["errors"]] == ["callback_token"]


def test_a_make_callback_for_an_unknown_publication_gets_404(api, engine, settings):
    body = published({"id": 77, "idempotency_key": "pub-1-1"}, "any-token")
    raw, headers = make_signed(body)

    response = api.post("/callbacks/make", content=raw, headers=headers)

    assert response.status_code == 404
    assert [row["status"] for row in inbox(engine)] == ["rejected"]


def test_a_content_callback_for_an_object_not_generating_gets_409_and_stores_nothing(
    api, engine, settings, campaign_id
):
    draft = cms.create_object(
        engine, campaign_id=campaign_id, object_type="text", title="Post", sources=[], config={}
    )
    raw, headers = n8n_signed(content_ready(draft["id"]))

    response = api.post("/callbacks/n8n", content=raw, headers=headers)

    assert response.status_code == 409
    assert "not waiting for content" in response.json()["detail"]
    assert inbox(engine) == []


def test_a_content_callback_for_a_superseded_request_gets_409(
    api, engine, settings, generating_object
):
    stale = content_ready(generating_object["id"], request_id=f"{generating_object['id']}-old")
    raw, headers = n8n_signed(stale)

    response = api.post("/callbacks/n8n", content=raw, headers=headers)

    assert response.status_code == 409
    assert "waits for request" in response.json()["detail"]
    assert inbox(engine) == []


def test_a_duplicate_content_callback_after_processing_is_still_a_duplicate(
    api, engine, settings, generating_object
):
    raw, headers = n8n_signed(content_ready(generating_object["id"]))
    assert api.post("/callbacks/n8n", content=raw, headers=headers).status_code == 202
    cms.transition_object(engine, generating_object["id"], "ready")

    again = api.post("/callbacks/n8n", content=raw, headers=headers)

    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"

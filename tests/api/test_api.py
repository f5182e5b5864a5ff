"""The CMS API: what it creates, and how it refuses bad input."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from support.api import api_client


@pytest.fixture
def api(settings) -> TestClient:
    return api_client(settings)


def account_body(platform: str = "facebook", external_id: str = "1001") -> dict:
    return {
        "platform": platform,
        "name": f"{platform} account",
        "account_type": "page",
        "external_account_id": external_id,
        "make_connection_id": "conn-1",
        "make_scenario_id": "scn-1",
        "make_webhook_url": "https://hook.eu1.make.com/abc",
    }


def campaign_body(account_ids: list[int]) -> dict:
    return {
        "name": "Lancement Produit X",
        "topics": ["produit x"],
        "budget": "1500.00",
        "start_date": "2026-11-01",
        "end_date": "2026-11-30",
        "social_account_ids": account_ids,
    }


def test_a_campaign_is_created_with_its_targeted_accounts(api):
    first = api.post("/api/social-accounts", json=account_body("facebook", "1")).json()
    second = api.post("/api/social-accounts", json=account_body("youtube", "2")).json()

    response = api.post("/api/campaigns", json=campaign_body([first["id"], second["id"]]))

    assert response.status_code == 201
    campaign = api.get(f"/api/campaigns/{response.json()['id']}").json()
    assert campaign["status"] == "draft"
    assert campaign["social_account_ids"] == [first["id"], second["id"]]
    assert campaign["budget"] == "1500.00"


def test_an_invalid_field_is_refused_with_422_naming_it(api):
    body = campaign_body([]) | {"budget": "-5", "currency": "euro"}

    response = api.post("/api/campaigns", json=body)

    assert response.status_code == 422
    assert {problem["field"] for problem in response.json()["errors"]} == {"budget", "currency"}


def test_a_body_that_is_not_json_is_refused_with_422(api):
    response = api.post(
        "/api/campaigns", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_an_unknown_platform_is_refused(api):
    response = api.post("/api/social-accounts", json=account_body("myspace"))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "platform"


def test_registering_the_same_account_twice_is_a_conflict(api):
    assert api.post("/api/social-accounts", json=account_body()).status_code == 201

    response = api.post("/api/social-accounts", json=account_body())

    assert response.status_code == 409
    assert "already registered" in response.json()["detail"]


def test_a_campaign_naming_unknown_accounts_is_refused_with_404(api):
    response = api.post("/api/campaigns", json=campaign_body([999]))

    assert response.status_code == 404
    assert "999" in response.json()["detail"]


def test_an_object_for_an_unknown_campaign_is_refused_with_404(api):
    response = api.post(
        "/api/campaigns/42/objects", json={"object_type": "image", "title": "Visuel"}
    )

    assert response.status_code == 404


def test_an_object_not_yet_generated_cannot_be_approved(api):
    campaign = api.post("/api/campaigns", json=campaign_body([])).json()
    content = api.post(
        f"/api/campaigns/{campaign['id']}/objects", json={"object_type": "text", "title": "Post"}
    ).json()

    response = api.post(f"/api/objects/{content['id']}/approve", json={})

    assert response.status_code == 409
    assert "draft" in response.json()["detail"]
    assert api.get(f"/api/objects/{content['id']}").json()["status"] == "draft"

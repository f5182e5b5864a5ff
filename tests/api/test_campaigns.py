"""The campaign API on both backends: the seeds' fields (goals, target audience, success metrics,
channels), a list filtered by status, owner and dates, changes only with the `ETag` read (428
without `If-Match`, 412 when stale) and only as the lifecycle allows, and removal that archives
a campaign that published and deletes one that never did."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from starlette.testclient import TestClient
from support.api import api_client

from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.schema import publications


@pytest.fixture
def api(settings) -> TestClient:
    return api_client(settings)


def campaign_body(**changes) -> dict:
    return {
        "name": "Lancement Produit X",
        "budget": "1500.00",
        "start_date": "2026-11-01",
        "end_date": "2026-11-30",
        "owner_email": "lea@mediaflow.example",
        "goals": ["Faire connaître le produit X", "1000 inscriptions"],
        "target_audience": {
            "locations": ["Paris", "Lyon"],
            "age_min": 25,
            "age_max": 45,
            "interests": ["cuisine"],
            "languages": ["fr"],
        },
        "success_metrics": [
            {"metric": "engagement_rate", "threshold": "0.035"},
            {"metric": "cost_per_engagement", "threshold": "0.50", "direction": "at_most"},
        ],
        "channels": ["facebook", "instagram", "youtube"],
    } | changes


def created(api, **changes) -> dict:
    answer = api.post("/api/campaigns", json=campaign_body(**changes))
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_campaign_keeps_the_seeds_fields_and_carries_an_etag(api):
    campaign = created(api)

    answer = api.get(f"/api/campaigns/{campaign['id']}")

    body = answer.json()
    assert body["goals"] == ["Faire connaître le produit X", "1000 inscriptions"]
    assert body["target_audience"]["locations"] == ["Paris", "Lyon"]
    assert body["success_metrics"][1] == {
        "metric": "cost_per_engagement",
        "threshold": "0.50",
        "direction": "at_most",
    }
    assert body["channels"] == ["facebook", "instagram", "youtube"]
    assert answer.headers["etag"] == f'"campaign-{campaign["id"]}-v1"'


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channels": ["facebook", "facebook"]}, "channels"),
        (
            {"success_metrics": [{"metric": "likes_per_cat", "threshold": "1"}]},
            "success_metrics.0.metric",
        ),
        (
            {"success_metrics": [{"metric": "reach", "threshold": "-1"}]},
            "success_metrics.0.threshold",
        ),
        ({"target_audience": {"age_min": 50, "age_max": 20}}, "target_audience"),
        ({"target_audience": {"age_min": 8}}, "target_audience.age_min"),
    ],
)
def test_malformed_seed_fields_are_422_naming_them(api, changes, field):
    answer = api.post("/api/campaigns", json=campaign_body(**changes))

    assert answer.status_code == 422
    assert [problem["field"] for problem in answer.json()["errors"]] == [field]
    assert api.get("/api/campaigns").json()["items"] == []


def test_the_list_filters_by_status_owner_and_dates_and_pages(api):
    november = created(api)
    december = created(api, name="Noël", start_date="2026-12-01", end_date="2026-12-31")
    other_owner = created(api, name="Autre", owner_email="max@mediaflow.example")
    api.post(f"/api/campaigns/{december['id']}/status", json={"status": "scheduled"})

    def ids(**params) -> list[int]:
        return [item["id"] for item in api.get("/api/campaigns", params=params).json()["items"]]

    assert ids(status="scheduled") == [december["id"]]
    assert ids(status=["draft", "scheduled"]) == [november["id"], december["id"], other_owner["id"]]
    assert ids(owner="LEA@mediaflow.example") == [november["id"], december["id"]]
    assert ids(running_from="2026-12-15") == [december["id"]]
    assert ids(running_to="2026-11-15") == [november["id"], other_owner["id"]]
    first = api.get("/api/campaigns", params={"limit": 2}).json()
    rest = api.get("/api/campaigns", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [item["id"] for item in first["items"] + rest["items"]] == ids()
    assert api.get("/api/campaigns", params={"status": "ongoing"}).status_code == 422


def test_a_change_needs_the_current_etag(api):
    campaign = created(api)
    url = f"/api/campaigns/{campaign['id']}"
    read = api.get(url).headers["etag"]

    missing = api.patch(url, json={"name": "Sans If-Match"})
    changed = api.patch(url, json={"name": "Produit X, saison 1"}, headers={"if-match": read})
    stale = api.patch(url, json={"name": "Écrase"}, headers={"if-match": read})
    foreign = api.patch(url, json={"name": "Autre"}, headers={"if-match": '"campaign-99-v2"'})

    assert missing.status_code == 428
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert changed.headers["etag"] == f'"campaign-{campaign["id"]}-v2"'
    assert stale.status_code == 412 and "version 2" in stale.json()["detail"]
    assert foreign.status_code == 412
    assert api.get(url).json()["name"] == "Produit X, saison 1"


def test_a_running_campaign_changes_only_what_its_lifecycle_allows(api):
    campaign = created(api)
    url = f"/api/campaigns/{campaign['id']}"
    api.post(f"{url}/status", json={"status": "active"})
    etag = api.get(url).headers["etag"]

    budget = api.patch(url, json={"budget": "99.00", "name": "X"}, headers={"if-match": etag})
    goals = api.patch(
        url,
        json={"goals": ["2000 inscriptions"], "end_date": "2026-12-15"},
        headers={"if-match": etag},
    )

    assert budget.status_code == 409 and "budget" in budget.json()["detail"]
    assert goals.status_code == 200
    assert (goals.json()["goals"], goals.json()["end_date"]) == (
        ["2000 inscriptions"],
        "2026-12-15",
    )
    api.post(f"{url}/status", json={"status": "completed"})
    done = api.patch(
        url, json={"name": "Trop tard"}, headers={"if-match": api.get(url).headers["etag"]}
    )
    assert done.status_code == 409


def test_removing_deletes_a_campaign_that_never_published_and_archives_one_that_did(api, settings):
    never = created(api)
    published = created(api, name="Publiée")
    api.post(f"/api/campaigns/{published['id']}/status", json={"status": "active"})
    account = api.post(
        "/api/social-accounts",
        json={
            "platform": "facebook",
            "name": "Page",
            "account_type": "page",
            "external_account_id": "1",
            "make_connection_id": "c",
            "make_scenario_id": "s",
            "make_webhook_url": "https://hook.eu1.make.com/abc",
        },
    ).json()
    content = api.post(
        f"/api/campaigns/{published['id']}/objects",
        json={"object_type": "text", "title": "Annonce"},
    ).json()
    now = datetime.now(UTC).replace(tzinfo=None)
    with ops_engine(settings.ops_database_url).begin() as connection:
        connection.execute(
            insert(publications).values(
                object_id=content["id"],
                social_account_id=account["id"],
                campaign_id=published["id"],
                status="published",
                idempotency_key="k-1",
                external_post_id="1_2",
                attempts=1,
                published_at=now,
                created_at=now,
                updated_at=now,
            )
        )

    still_active = api.delete(f"/api/campaigns/{published['id']}")
    api.post(f"/api/campaigns/{published['id']}/status", json={"status": "completed"})
    archived = api.delete(f"/api/campaigns/{published['id']}")
    deleted = api.delete(f"/api/campaigns/{never['id']}")

    assert still_active.status_code == 409
    assert archived.status_code == 200 and archived.json()["archived_at"]
    assert deleted.status_code == 204
    assert api.get(f"/api/campaigns/{never['id']}").status_code == 404
    assert [c["id"] for c in api.get("/api/campaigns").json()["items"]] == []
    listed = api.get("/api/campaigns", params={"archived": "true"}).json()["items"]
    assert [c["id"] for c in listed] == [published["id"]]
    assert api.get(f"/api/objects/{content['id']}").status_code == 200

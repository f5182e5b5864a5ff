"""The communication module's campaigns and publish request, on both backends: the running
campaigns with the platforms of their accounts, and a publish request that becomes an approved
object of its campaign, planned by the publishing run on the platforms it names only; every
bad request refused with a 4xx naming the problem, the store as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient
from support.api import api_client
from support.running_campaigns import running_campaign
from support.stores import store_contents

from mediaflow_dagster.cms.database import ops_engine, utcnow
from mediaflow_dagster.cms.plans import plan_for
from mediaflow_dagster.cms.publishing import campaigns_with_due_work, plan_publications

PLAT_DU_JOUR = {
    "title": "Plat du jour : blanquette de veau",
    "body": "Notre blanquette mijotée à l'ancienne, ce midi au Vieux Moulin.",
    "media": [
        {
            "url": "https://images.levieuxmoulin.example/blanquette.jpg",
            "mime_type": "image/jpeg",
            "bytes": 245_000,
            "width": 1080,
            "height": 1080,
        }
    ],
    "hashtags": ["PlatDuJour", "LeVieuxMoulin"],
}
MENU_PDF = "https://levieuxmoulin.example/menu.pdf"


@pytest.fixture
def api(settings) -> TestClient:
    return api_client(settings)


@pytest.fixture
def engine(settings, api):
    return ops_engine(settings.ops_database_url)


def publish_body(campaign: dict, **changes) -> dict:
    return {
        "campaign_id": campaign["id"],
        "content": PLAT_DU_JOUR,
        "platforms": ["facebook", "instagram"],
    } | changes


def planned(connection, account, content):
    """The planner of the publishing run, without its tracked links (the content has none)."""
    return plan_for(account, content)


def test_the_running_campaigns_show_the_platforms_of_their_accounts(api):
    running = running_campaign(api, ("facebook", "instagram", "linkedin"))
    running_campaign(api, ("youtube",), status="draft")
    second = running_campaign(api, ("x",))

    first_page = api.get("/api/communication/campaigns", params={"limit": 1}).json()
    second_page = api.get(
        "/api/communication/campaigns", params={"limit": 1, "cursor": first_page["next_cursor"]}
    ).json()

    assert [item["id"] for item in first_page["items"] + second_page["items"]] == [
        running["id"],
        second["id"],
    ]
    assert first_page["items"][0]["channels"] == ["facebook", "instagram", "linkedin"]
    assert first_page["items"][0]["phase"] is None
    assert second_page["next_cursor"] is None


def test_a_publish_request_becomes_an_approved_object_published_on_its_platforms_only(api, engine):
    campaign = running_campaign(api, ("facebook", "instagram", "linkedin"))

    answer = api.post("/api/communication/publish", json=publish_body(campaign))

    assert answer.status_code == 202, answer.text
    published = answer.json()
    assert published["status"] == "queued"
    assert published["scheduled_time"] is None
    assert [item["platform"] for item in published["publications"]] == ["facebook", "instagram"]
    content = api.get(answer.headers["location"]).json()
    assert content["status"] == "approved"
    assert content["object_type"] == "image"
    assert content["content_text"] == PLAT_DU_JOUR["body"]
    assert content["hashtags"] == PLAT_DU_JOUR["hashtags"]
    assert content["media_url"] == PLAT_DU_JOUR["media"][0]["url"]
    assert content["media_width"] == 1080
    assert campaigns_with_due_work(engine, utcnow(), utcnow()) == [campaign["id"]]

    assert plan_publications(engine, campaign["id"], planned) == 2

    with engine.connect() as connection:
        keys = sorted(
            connection.exec_driver_sql("SELECT idempotency_key FROM publications").scalars()
        )
    assert keys == sorted(item["publication_id"] for item in published["publications"])
    assert campaigns_with_due_work(engine, utcnow(), utcnow() - timedelta(hours=1)) == [
        campaign["id"]
    ]  # pending publications to send: due, as any other
    assert plan_publications(engine, campaign["id"], planned) == 0


def test_a_publish_request_for_later_is_scheduled(api):
    campaign = running_campaign(api)
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)

    answer = api.post(
        "/api/communication/publish",
        json=publish_body(campaign, scheduled_time=later.isoformat(), targeting={"age_min": 25}),
    )

    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "scheduled"
    assert answer.json()["scheduled_time"].startswith(later.strftime("%Y-%m-%dT%H:%M:%S"))
    content = api.get(answer.headers["location"]).json()
    assert content["targeting"]["age_min"] == 25


BAD_REQUESTS = {
    "an unknown platform": ({"platforms": ["facebook", "myspace"]}, 422, "platforms.1"),
    "a platform the campaign has no account on": (
        {"platforms": ["facebook", "tiktok"]},
        422,
        "platforms",
    ),
    "a time already past": ({"scheduled_time": "2020-01-01T12:00:00Z"}, 422, "scheduled_time"),
    "a time without its offset": ({"scheduled_time": "2030-01-01T12:00:00"}, 422, None),
    "text alone, which Instagram refuses": (
        {"content": PLAT_DU_JOUR | {"media": []}},
        422,
        "content",
    ),
    "a medium neither image nor video": (
        {"content": PLAT_DU_JOUR | {"media": [{"url": MENU_PDF, "mime_type": "application/pdf"}]}},
        422,
        "content.media.0.mime_type",
    ),
    "an image without the facts the platforms check": (
        {"content": PLAT_DU_JOUR | {"media": [{"url": MENU_PDF, "mime_type": "image/png"}]}},
        422,
        "content",
    ),
    "two media": (
        {"content": PLAT_DU_JOUR | {"media": PLAT_DU_JOUR["media"] * 2}},
        422,
        "content.media",
    ),
    "an unknown campaign": ({"campaign_id": 999}, 404, None),
}


@pytest.mark.parametrize("bad", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_a_bad_publish_request_is_refused_naming_the_problem_and_stores_nothing(api, engine, bad):
    changes, status, field = bad
    campaign = running_campaign(api)
    before = store_contents(engine)

    answer = api.post("/api/communication/publish", json=publish_body(campaign, **changes))

    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert field in {problem["field"] for problem in answer.json()["errors"]}, answer.text
    assert store_contents(engine) == before


def test_instagram_refusing_text_says_why_and_how_to_fix_it(api):
    campaign = running_campaign(api)

    answer = api.post(
        "/api/communication/publish",
        json=publish_body(campaign, content=PLAT_DU_JOUR | {"media": []}),
    )

    [problem] = answer.json()["errors"]
    assert problem["message"].startswith("instagram: instagram takes video or image")
    assert problem["message"].endswith("(fix: leave instagram out of this text's targets)")


def test_a_campaign_that_does_not_publish_refuses_a_publish_request(api, engine):
    campaign = running_campaign(api, status="draft")
    before = store_contents(engine)

    answer = api.post("/api/communication/publish", json=publish_body(campaign))

    assert answer.status_code == 409
    assert "draft" in answer.json()["detail"]
    assert store_contents(engine) == before


def test_publishing_takes_the_approval_scope(settings, api):
    campaign = running_campaign(api)
    editor = api_client(settings, "editor")

    answer = editor.post("/api/communication/publish", json=publish_body(campaign))

    assert answer.status_code == 403

"""Content sourcing against the sandbox's Unsplash, Pexels and feeds: candidates land once, a
user picks them into draft objects, and a provider or feed that fails costs only its own part."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest
from dagster import AssetsDefinition, DagsterInstance, ExecuteInProcessResult, materialize
from sqlalchemy import Engine
from starlette.testclient import TestClient
from support.api import api_client

from mediaflow_dagster.assets.sourcing import content_ideas, image_candidates
from mediaflow_dagster.cms.campaigns import create_campaign, get_object
from mediaflow_dagster.cms.sourcing import list_candidates
from mediaflow_dagster.definitions import build_resources
from mediaflow_dagster.partitions import campaign_partitions
from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.addresses import FEEDS_PREFIX, http_base_url
from mediaflow_sandbox.control import SandboxControl, client_environment
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.settings import SandboxSettings

TOPICS = ["coffee", "innovation"]
PHOTOS_PER_QUERY = 10


@pytest.fixture
def sourcing_settings(aimed: Settings, sandbox: SandboxControl, in_environment) -> Settings:
    """`settings` with every client aimed at the running sandbox, failing fast."""
    in_environment({"MEDIAFLOW_HTTP_MAX_ATTEMPTS": "2"})
    return aimed


@pytest.fixture
def faultless(sandbox: SandboxControl) -> Iterator[SandboxControl]:
    yield sandbox
    sandbox.clear_faults()


def new_campaign(engine: Engine, topics: list[str]) -> int:
    campaign = create_campaign(
        engine,
        name="Lancement Produit X",
        description=None,
        topics=topics,
        budget=Decimal("1500.00"),
        currency="EUR",
        start_date=date(2026, 11, 1),
        end_date=date(2026, 11, 30),
        social_account_ids=[],
    )
    return campaign["id"]


def run(asset: AssetsDefinition, settings: Settings, campaign_id: int) -> ExecuteInProcessResult:
    resources = {
        name: resource
        for name, resource in build_resources(settings).items()
        if name in {"ops_store", "stock_photos", "content_feeds"}
    }
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(campaign_partitions.name, [str(campaign_id)])
    return materialize(
        [asset],
        partition_key=str(campaign_id),
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )


def failure(result: ExecuteInProcessResult) -> str:
    assert not result.success
    (event,) = (event for event in result.all_events if event.is_step_failure)
    return event.step_failure_data.error.message


def landed(result: ExecuteInProcessResult) -> dict:
    (event,) = result.get_asset_materialization_events()
    return {name: entry.value for name, entry in event.materialization.metadata.items()}


def test_photos_found_for_the_topics_land_once(engine: Engine, sourcing_settings: Settings) -> None:
    campaign_id = new_campaign(engine, TOPICS)

    first = run(image_candidates, sourcing_settings, campaign_id)
    again = run(image_candidates, sourcing_settings, campaign_id)

    assert first.success and again.success
    images = list_candidates(engine, campaign_id, "image")
    expected = len(TOPICS) * PHOTOS_PER_QUERY
    by_source = {
        source: [c for c in images if c["source"] == source] for source in ("unsplash", "pexels")
    }
    assert {source: len(found) for source, found in by_source.items()} == {
        "unsplash": expected,
        "pexels": expected,
    }
    assert landed(first)["new"] == 2 * expected
    assert landed(again)["new"] == 0
    picture = httpx.get(images[0]["url"])
    assert picture.headers["content-type"] == "image/jpeg"
    assert picture.content.startswith(b"\xff\xd8")


def test_feed_entries_that_mention_a_topic_land_once(
    engine: Engine, sourcing_settings: Settings
) -> None:
    campaign_id = new_campaign(engine, TOPICS)

    first = run(content_ideas, sourcing_settings, campaign_id)
    again = run(content_ideas, sourcing_settings, campaign_id)

    assert first.success and again.success
    ideas = list_candidates(engine, campaign_id, "idea")
    assert ideas and landed(again)["new"] == 0
    for idea in ideas:
        text = f"{idea['title']} {idea['summary']}".lower()
        assert any(topic in text for topic in TOPICS), idea["title"]
    assert all(idea["published_at"] and idea["url"] for idea in ideas)


def test_every_feed_entry_is_an_idea_when_none_mentions_a_topic(
    engine: Engine,
    sourcing_settings: Settings,
) -> None:
    campaign_id = new_campaign(engine, ["quantum knitting"])

    result = run(content_ideas, sourcing_settings, campaign_id)

    assert result.success
    feeds = {
        idea["url"].rsplit("/", 2)[-2] for idea in list_candidates(engine, campaign_id, "idea")
    }
    assert feeds == {"marketing-trends", "food-and-drink"}


@pytest.fixture
def api(sourcing_settings: Settings) -> TestClient:
    return api_client(sourcing_settings)


def test_picking_a_photo_makes_a_draft_image_of_its_full_size_file(
    engine: Engine, sourcing_settings: Settings, api: TestClient
) -> None:
    campaign_id = new_campaign(engine, TOPICS)
    assert run(image_candidates, sourcing_settings, campaign_id).success
    listed = api.get(f"/api/campaigns/{campaign_id}/candidates", params={"kind": "image"}).json()
    photo = listed["items"][0]

    response = api.post(f"/api/campaigns/{campaign_id}/candidates/{photo['id']}/pick")

    assert response.status_code == 201
    draft = get_object(engine, response.json()["object"]["id"])
    assert (draft["campaign_id"], draft["object_type"], draft["status"]) == (
        campaign_id,
        "image",
        "draft",
    )
    assert draft["sources"] == [photo["url"]]
    assert draft["config"]["credit"]["author"] == photo["author"]
    assert response.json()["candidate"]["picked_object_id"] == draft["id"]


def test_picking_an_idea_makes_a_draft_text_on_it(
    engine: Engine, sourcing_settings: Settings, api: TestClient
) -> None:
    campaign_id = new_campaign(engine, TOPICS)
    assert run(content_ideas, sourcing_settings, campaign_id).success
    idea = api.get(f"/api/campaigns/{campaign_id}/candidates", params={"kind": "idea"}).json()[
        "items"
    ][0]

    response = api.post(f"/api/campaigns/{campaign_id}/candidates/{idea['id']}/pick")

    assert response.status_code == 201
    draft = response.json()["object"]
    assert (draft["object_type"], draft["status"], draft["sources"]) == ("text", "draft", [])
    assert draft["config"] == {
        "topic": idea["title"],
        "topic_summary": idea["summary"],
        "topic_link": idea["url"],
    }


def test_a_candidate_is_picked_once_and_unknown_ones_are_not_found(
    engine: Engine, sourcing_settings: Settings, api: TestClient
) -> None:
    campaign_id = new_campaign(engine, TOPICS)
    assert run(content_ideas, sourcing_settings, campaign_id).success
    idea = api.get(f"/api/campaigns/{campaign_id}/candidates").json()["items"][0]
    pick = f"/api/campaigns/{campaign_id}/candidates/{idea['id']}/pick"
    first = api.post(pick).json()

    twice = api.post(pick)
    unknown = api.post(f"/api/campaigns/{campaign_id}/candidates/999999/pick")
    elsewhere = api.post(f"/api/campaigns/999999/candidates/{idea['id']}/pick")
    bad_kind = api.get(f"/api/campaigns/{campaign_id}/candidates", params={"kind": "video"})
    no_campaign = api.get("/api/campaigns/999999/candidates")

    assert twice.status_code == 409
    assert f"campaign object {first['object']['id']}" in twice.json()["detail"]
    assert unknown.status_code == 404 and "999999" in unknown.json()["detail"]
    assert elsewhere.status_code == 404
    assert bad_kind.status_code == 422
    assert [problem["field"] for problem in bad_kind.json()["errors"]] == ["kind"]
    assert no_campaign.status_code == 404


@pytest.mark.parametrize(
    ("provider", "key_setting"),
    [("unsplash", "unsplash_access_key"), ("pexels", "pexels_api_key")],
)
def test_a_wrong_key_fails_the_run_naming_its_setting(
    engine: Engine, sourcing_settings: Settings, in_environment, provider: str, key_setting: str
) -> None:
    in_environment({f"MEDIAFLOW_{key_setting.upper()}": "not-the-key"})
    campaign_id = new_campaign(engine, TOPICS)

    result = run(image_candidates, sourcing_settings, campaign_id)

    message = failure(result)
    assert f"MEDIAFLOW_{key_setting.upper()}" in message
    assert f"{provider}:" in message
    sources = {c["source"] for c in list_candidates(engine, campaign_id, "image")}
    assert sources == {"unsplash", "pexels"} - {provider}


def test_a_provider_down_fails_the_run_after_the_other_lands(
    engine: Engine, sourcing_settings: Settings, faultless: SandboxControl
) -> None:
    faultless.set_faults(FaultRule(path_prefix="/pexels", error_rate=1.0, error_status=503))
    campaign_id = new_campaign(engine, TOPICS)

    result = run(image_candidates, sourcing_settings, campaign_id)

    message = failure(result)
    assert "pexels:" in message and "503" in message
    assert "unsplash:" not in message
    sources = {c["source"] for c in list_candidates(engine, campaign_id, "image")}
    assert sources == {"unsplash"}


def test_a_malformed_feed_fails_the_run_after_the_others_land(
    engine: Engine, sourcing_settings: Settings, sandbox_settings: SandboxSettings, in_environment
) -> None:
    healthy_feeds = json.loads(client_environment(sandbox_settings)["MEDIAFLOW_CONTENT_FEED_URLS"])
    broken = f"{http_base_url(sandbox_settings)}{FEEDS_PREFIX}/broken.xml"
    in_environment({"MEDIAFLOW_CONTENT_FEED_URLS": json.dumps([*healthy_feeds, broken])})
    campaign_id = new_campaign(engine, TOPICS)

    result = run(content_ideas, sourcing_settings, campaign_id)

    message = failure(result)
    assert f"feed {broken} is not well-formed" in message
    for healthy in healthy_feeds:
        assert healthy not in message
    assert list_candidates(engine, campaign_id, "idea")

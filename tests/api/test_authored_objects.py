"""Articles and advertisements through the API on both backends: created with their own fields
and read back, refused with a 422 naming the field when a field is missing or names an object
the type cannot use, with nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient
from support.api import api_client

from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.schema import campaign_objects


@pytest.fixture
def api(settings) -> TestClient:
    return api_client(settings)


@pytest.fixture
def campaign(api) -> dict:
    answer = api.post(
        "/api/campaigns",
        json={
            "name": "Menu d'hiver",
            "budget": "900.00",
            "start_date": "2026-12-01",
            "end_date": "2026-12-31",
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def new_object(api, campaign_id: int, body: dict):
    return api.post(f"/api/campaigns/{campaign_id}/objects", json=body)


def image_of(api, campaign_id: int) -> int:
    answer = new_object(api, campaign_id, {"object_type": "image", "title": "Visuel"})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def ad_body(creative_id: int, **changes) -> dict:
    return {
        "object_type": "advertisement",
        "title": "Réservations d'hiver",
        "advertisement": {
            "creative_object_id": creative_id,
            "headline": "Le menu d'hiver est servi",
            "primary_text": "Soupe, gratin et tarte: réservez votre table.",
            "call_to_action": "book_now",
            "destination_url": "https://bistro.example/reserver",
            "objective": "traffic",
            "budget": {"amount": "250.00", "currency": "EUR", "period": "lifetime"},
            "schedule": {
                "start_time": "2026-12-05T08:00:00+01:00",
                "end_time": "2026-12-20T22:00:00+01:00",
            },
        }
        | changes,
    }


def stored_objects(settings) -> int:
    with ops_engine(settings.ops_database_url).connect() as connection:
        return connection.execute(select(func.count()).select_from(campaign_objects)).scalar_one()


def test_an_article_is_created_with_its_fields_and_read_back(api, campaign):
    cover = image_of(api, campaign["id"])
    body = {
        "object_type": "article",
        "title": "Notre menu d'hiver",
        "article": {
            "body": "## Soupes\n\nPotiron, châtaigne.",
            "summary": "Ce qui mijote cet hiver.",
            "cover_object_id": cover,
            "canonical_url": "https://bistro.example/menu-hiver",
        },
    }

    answer = new_object(api, campaign["id"], body)

    assert answer.status_code == 201, answer.text
    read = api.get(answer.headers["location"]).json()
    assert read["object_type"] == "article"
    assert read["status"] == "draft"
    assert read["article"] == body["article"] | {"body_format": "markdown"}
    assert read["advertisement"] is None


def test_an_advertisement_is_created_with_its_budget_and_schedule_in_utc(api, campaign):
    answer = new_object(api, campaign["id"], ad_body(image_of(api, campaign["id"])))

    assert answer.status_code == 201, answer.text
    ad = api.get(answer.headers["location"]).json()["advertisement"]
    assert ad["budget"] == {"amount": "250.00", "currency": "EUR", "period": "lifetime"}
    assert ad["schedule"]["start_time"].startswith("2026-12-05T07:00:00")
    assert ad["call_to_action"] == "book_now"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"headline": None}, "advertisement.headline"),
        ({"call_to_action": "click_here"}, "advertisement.call_to_action"),
        ({"destination_url": "not a url"}, "advertisement.destination_url"),
        ({"objective": None}, "advertisement.objective"),
        ({"budget": {"amount": "0", "period": "daily"}}, "advertisement.budget.amount"),
        (
            {"schedule": {"start_time": "2026-12-05T08:00:00Z"}},
            "advertisement",
        ),
    ],
)
def test_an_advertisement_missing_a_required_field_is_refused_naming_it(
    api, campaign, settings, change, field
):
    body = ad_body(image_of(api, campaign["id"]))
    body["advertisement"] = {
        key: value for key, value in (body["advertisement"] | change).items() if value is not None
    }
    before = stored_objects(settings)

    answer = new_object(api, campaign["id"], body)

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in answer.json()["errors"]]
    assert stored_objects(settings) == before


def test_a_lifetime_budget_without_an_end_says_which_field_is_missing(api, campaign):
    body = ad_body(image_of(api, campaign["id"]))
    body["advertisement"]["schedule"].pop("end_time")

    answer = new_object(api, campaign["id"], body)

    assert answer.status_code == 422
    assert "schedule.end_time" in answer.text


def test_an_advertisement_object_without_its_fields_is_refused(api, campaign):
    answer = new_object(api, campaign["id"], {"object_type": "advertisement", "title": "Pub"})

    assert answer.status_code == 422
    assert "`advertisement` is required" in answer.text


def test_a_type_s_fields_on_another_type_are_refused(api, campaign):
    body = ad_body(image_of(api, campaign["id"])) | {"object_type": "image"}

    assert new_object(api, campaign["id"], body).status_code == 422


def test_a_creative_from_another_campaign_or_of_the_wrong_type_is_refused_naming_the_field(
    api, campaign, settings
):
    other = api.post(
        "/api/campaigns",
        json={"name": "Autre", "budget": "1", "start_date": "2026-12-01", "end_date": "2026-12-02"},
    ).json()
    foreign = image_of(api, other["id"])
    text = new_object(api, campaign["id"], {"object_type": "text", "title": "Post"}).json()["id"]
    before = stored_objects(settings)

    for creative in (foreign, text, 999_999):
        answer = new_object(api, campaign["id"], ad_body(creative))
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == "advertisement.creative_object_id"
    assert stored_objects(settings) == before


def test_an_article_cover_must_be_an_image(api, campaign):
    video = new_object(api, campaign["id"], {"object_type": "video", "title": "Clip"}).json()["id"]
    body = {
        "object_type": "article",
        "title": "Notre menu d'hiver",
        "article": {"body": "<p>Potiron</p>", "body_format": "html", "cover_object_id": video},
    }

    answer = new_object(api, campaign["id"], body)

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "article.cover_object_id"

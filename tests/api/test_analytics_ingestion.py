"""Insight readings n8n posts to `/api/analytics`: signed, batched, kept once, of known posts."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from starlette.testclient import TestClient
from support.signing import n8n_signed, signed

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.api.models import MAX_READINGS_PER_BATCH
from mediaflow_dagster.cms import campaigns as cms
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.insights import mark_landed, unlanded_readings
from mediaflow_dagster.cms.schema import callback_inbox, insight_readings, publications

POST_ID = "104857600123456_987654321"


@pytest.fixture
def api(settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.fixture
def published_post(engine, campaign_id, targeted_account) -> int:
    content = cms.create_object(
        engine, campaign_id=campaign_id, object_type="text", title="Post", sources=[], config={}
    )
    now = utcnow()
    with engine.begin() as connection:
        return connection.execute(
            insert(publications)
            .values(
                object_id=content["id"],
                social_account_id=targeted_account["id"],
                campaign_id=campaign_id,
                status="published",
                idempotency_key="pub-1",
                external_post_id=POST_ID,
                attempts=1,
                published_at=now,
                created_at=now,
                updated_at=now,
            )
            .returning(publications.c.id)
        ).scalar_one()


def reading(metric: str, value: int | None, minute: int = 5, post_id: str = POST_ID) -> dict:
    return {
        "platform": "facebook",
        "external_post_id": post_id,
        "metric": metric,
        "value": value,
        "collected_at": f"2026-11-21T10:{minute:02d}:00Z",
        "api_version": "v24.0",
    }


def batch(*readings: dict) -> dict:
    return {"type": "insights.collected", "readings": list(readings)}


def stored_readings(engine) -> list[dict]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(insight_readings))]


def test_a_signed_batch_stores_its_readings_for_the_next_collection_run(
    api, engine, settings, published_post
):
    raw, headers = n8n_signed(
        batch(reading("post_media_view", 1200), reading("post_clicks", None)),
    )

    response = api.post("/api/analytics", content=raw, headers=headers)

    assert response.status_code == 202, response.text
    assert response.json()["stored"] == 2
    kept = {row["metric"]: row for row in unlanded_readings(engine)}
    assert kept["post_media_view"]["value"] == 1200
    assert kept["post_clicks"]["value"] is None
    assert kept["post_media_view"]["publication_id"] == published_post
    assert str(kept["post_media_view"]["collected_at"]) == "2026-11-21 10:05:00"


def test_a_resent_batch_and_a_repeated_reading_are_kept_once(api, engine, settings, published_post):
    raw, headers = n8n_signed(batch(reading("post_media_view", 1200)), event_id="b-1")
    assert api.post("/api/analytics", content=raw, headers=headers).status_code == 202

    resent = api.post("/api/analytics", content=raw, headers=headers)
    raw, headers = n8n_signed(
        batch(reading("post_media_view", 1200), reading("post_media_view", 1300, minute=6)),
    )
    overlapping = api.post("/api/analytics", content=raw, headers=headers)

    assert resent.json()["status"] == "duplicate"
    assert overlapping.json() | {"event_id": None} == {
        "status": "accepted",
        "event_id": None,
        "stored": 1,
        "duplicates": 1,
        "unknown_posts": [],
    }
    assert sorted(row["value"] for row in stored_readings(engine)) == [1200, 1300]


def test_readings_of_unknown_posts_are_named_and_the_batch_is_kept_whole(
    api, engine, settings, published_post
):
    raw, headers = n8n_signed(
        batch(reading("post_media_view", 1200), reading("post_media_view", 5, post_id="nope")),
    )
    partly = api.post("/api/analytics", content=raw, headers=headers)
    raw, headers = n8n_signed(batch(reading("post_media_view", 5, post_id="nope")))
    unknown = api.post("/api/analytics", content=raw, headers=headers)

    assert partly.status_code == 202
    assert partly.json()["unknown_posts"] == [{"platform": "facebook", "external_post_id": "nope"}]
    assert unknown.status_code == 404
    assert "no reading is of a post mediaflow published" in unknown.json()["detail"]
    with engine.connect() as connection:
        kept = connection.execute(
            select(callback_inbox.c.payload).where(callback_inbox.c.source == "n8n_insights")
        ).scalars()
        assert [len(payload["readings"]) for payload in kept] == [2, 1]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (batch(reading("post_media_view", -1)), "readings.0.value"),
        (batch(reading("post_media_view", 1) | {"platform": "myspace"}), "readings.0.platform"),
        (
            batch(reading("post_media_view", 1) | {"collected_at": "2026-11-21T10:05"}),
            "readings.0.collected_at",
        ),
        ({"type": "insights.collected", "readings": []}, "readings"),
        (batch(*[reading("m", 1, minute=0)] * (MAX_READINGS_PER_BATCH + 1)), "readings"),
    ],
)
def test_a_malformed_batch_is_refused_naming_the_field_and_nothing_is_stored(
    api, engine, settings, published_post, body, field
):
    raw, headers = n8n_signed(body)

    response = api.post("/api/analytics", content=raw, headers=headers)

    assert response.status_code == 422
    assert field in {error["field"] for error in response.json()["errors"]}
    assert stored_readings(engine) == []


def test_a_batch_with_a_bad_signature_is_refused_and_nothing_is_stored(
    api, engine, settings, published_post
):
    raw, headers = signed("whsec_" + "A" * 43, batch(reading("post_media_view", 1200)))

    response = api.post("/api/analytics", content=raw, headers=headers)

    assert response.status_code == 401
    assert stored_readings(engine) == []


def test_landed_readings_are_not_landed_again(api, engine, settings, published_post):
    raw, headers = n8n_signed(batch(reading("post_media_view", 1200)))
    api.post("/api/analytics", content=raw, headers=headers)

    mark_landed(engine, [row["id"] for row in unlanded_readings(engine)], "run-1")

    assert unlanded_readings(engine) == []

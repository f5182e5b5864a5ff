"""Bad input never gets a 500, and an error never stores anything: whatever a body, a path or a
signed callback holds, the answer is a 4xx problem naming what is wrong, and the ops store is
exactly as it was before (one transaction around the whole request)."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.testclient import TestClient
from support.api import api_client
from support.signing import make_signed, n8n_signed
from support.stores import store_contents

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.cms import campaigns as cms

BEYOND_64_BITS = 2**64
CAMPAIGN = {"name": "X", "budget": "10.00", "start_date": "2026-11-01", "end_date": "2026-11-30"}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def raw_json(text: str) -> dict:
    return {"content": text.encode(), "headers": {"content-type": "application/json"}}


@pytest.fixture
def api(settings) -> TestClient:
    return api_client(settings)


@pytest.fixture
def world(engine, campaign_id, targeted_account) -> dict:
    """Something in every table the API writes, so that a change would show."""
    content = cms.create_object(
        engine, campaign_id=campaign_id, object_type="text", title="Post", sources=[], config={}
    )
    cms.transition_object(engine, content["id"], "generating", generation_request_id="r-1")
    return {"campaign": campaign_id, "object": content["id"], "account": targeted_account["id"]}


def refused_without_a_trace(engine, answer, status: int, field: str | None, before) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert field in {problem["field"] for problem in answer.json()["errors"]}, answer.text
    assert store_contents(engine) == before


BODIES = {
    "JSON nested thousands deep": (
        raw_json('{"name": "X", "topics": ' + nested(5000) + "}"),
        "body",
    ),
    "JSON nested past the limit": (raw_json(nested(40)), "body"),
    "an id beyond 64 bits": (
        {"json": CAMPAIGN | {"social_account_ids": [BEYOND_64_BITS]}},
        "social_account_ids.0",
    ),
    "an integer of 5000 digits": (raw_json('{"budget": ' + "9" * 5000 + "}"), "body"),
    "NaN": (raw_json('{"name": "X", "budget": NaN}'), "body"),
    "Infinity": (raw_json('{"name": "X", "budget": Infinity}'), "body"),
    "-Infinity": (raw_json('{"name": "X", "budget": -Infinity}'), "body"),
    "1e400": (raw_json('{"name": "X", "budget": 1e400}'), "body"),
    "a budget past its digits": ({"json": CAMPAIGN | {"budget": "1e30"}}, "budget"),
    "a lone high surrogate": (raw_json('{"name": "\\ud800"}'), "body"),
    "a lone low surrogate as a key": (raw_json('{"\\udfff": 1}'), "body"),
    "a NUL character": (raw_json('{"name": "a\\u0000b"}'), "body"),
    "bytes that are not UTF-8": (
        {"content": b'{"name": "\xff"}', "headers": {"content-type": "application/json"}},
        "body",
    ),
    "the first day of the calendar": (
        {"json": CAMPAIGN | {"start_date": "0001-01-01"}},
        "start_date",
    ),
    "the last day of the calendar": ({"json": CAMPAIGN | {"end_date": "9999-12-31"}}, "end_date"),
    "a name of 100,000 characters": ({"json": CAMPAIGN | {"name": "x" * 100_000}}, "name"),
    "a description of a megabyte": (
        {"json": CAMPAIGN | {"description": "x" * 1_000_000}},
        "description",
    ),
    "an unknown field": ({"json": CAMPAIGN | {"status": "active"}}, "status"),
    "a list for an object": ({"json": [CAMPAIGN]}, "body"),
    "an empty body": ({"headers": {"content-type": "application/json"}}, "body"),
    "JSON text that is not JSON": (raw_json("{'name': 'X'}"), "body"),
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_a_bad_campaign_body_is_422_naming_the_problem_and_changes_nothing(
    api, engine, world, body
):
    options, field = body
    before = store_contents(engine)

    answer = api.post("/api/campaigns", **options)

    refused_without_a_trace(engine, answer, 422, field, before)


INSTANTS = {
    "past the first instant once in UTC": "0001-01-01T00:00:00+23:59",
    "past the last instant once in UTC": "9999-12-31T23:59:59-23:59",
    "an offset beyond a day": "2026-12-01T09:00:00+25:00",
    "no offset": "2026-12-01T09:00:00",
    "not a date": "2026-02-30T09:00:00Z",
}


@pytest.mark.parametrize("instant", INSTANTS.values(), ids=INSTANTS.keys())
def test_a_schedule_at_the_ends_of_the_calendar_is_refused(api, engine, world, instant):
    cms.transition_object(engine, world["object"], "ready")
    before = store_contents(engine)

    answer = api.post(f"/api/objects/{world['object']}/approve", json={"scheduled_time": instant})

    refused_without_a_trace(engine, answer, 422, "scheduled_time", before)


@pytest.mark.parametrize(
    "targeting",
    [
        pytest.param(raw_json('{"targeting": {"radius_km": NaN}}'), id="NaN"),
        pytest.param(raw_json('{"targeting": {"radius_km": 1e400}}'), id="1e400"),
        pytest.param({"json": {"targeting": {"radius_km": 1e300}}}, id="1e300"),
        pytest.param({"json": {"targeting": {"age_min": BEYOND_64_BITS}}}, id="beyond 64 bits"),
    ],
)
def test_a_targeting_out_of_range_is_refused(api, engine, world, targeting):
    cms.transition_object(engine, world["object"], "ready")
    before = store_contents(engine)

    answer = api.post(f"/api/objects/{world['object']}/approve", **targeting)

    assert answer.status_code == 422, answer.text
    assert store_contents(engine) == before


@pytest.mark.parametrize(
    "path",
    [
        f"/api/campaigns/{BEYOND_64_BITS}",
        f"/api/campaigns/{2**31}",
        "/api/campaigns/-1",
        "/api/campaigns/0",
        "/api/campaigns/1e3",
        f"/api/objects/{BEYOND_64_BITS}",
        f"/api/social-accounts/{BEYOND_64_BITS}",
        f"/api/campaigns?cursor={BEYOND_64_BITS}",
        "/api/campaigns?limit=100000",
    ],
)
def test_an_id_out_of_range_in_a_path_or_query_is_422(api, engine, world, path):
    before = store_contents(engine)

    answer = api.get(path)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert store_contents(engine) == before


def test_a_change_on_an_id_beyond_64_bits_is_422_and_changes_nothing(api, engine, world):
    before = store_contents(engine)

    answer = api.put(f"/api/campaigns/{world['campaign']}/targets/{BEYOND_64_BITS}")

    refused_without_a_trace(engine, answer, 422, "account_id", before)


SIGNED = {
    "an object id beyond 64 bits": (
        "/callbacks/n8n",
        n8n_signed,
        {
            "type": "content.failed",
            "object_id": BEYOND_64_BITS,
            "request_id": "r-1",
            "execution_id": "1",
            "error": "x",
        },
        "object_id",
    ),
    "a publication id beyond 64 bits": (
        "/callbacks/make",
        make_signed,
        {
            "type": "publication.failed",
            "publication_id": BEYOND_64_BITS,
            "idempotency_key": "pub-1-1",
            "callback_token": "t",
            "status": "failed",
            "error": {"message": "x"},
        },
        "publication_id",
    ),
    "a reading beyond 64 bits": (
        "/api/analytics",
        n8n_signed,
        {
            "type": "insights.collected",
            "readings": [
                {
                    "platform": "facebook",
                    "external_post_id": "p",
                    "metric": "m",
                    "value": BEYOND_64_BITS,
                    "collected_at": "2026-11-21T10:05:00Z",
                }
            ],
        },
        "readings.0.value",
    ),
    "a reading past the calendar": (
        "/api/analytics",
        n8n_signed,
        {
            "type": "insights.collected",
            "readings": [
                {
                    "platform": "facebook",
                    "external_post_id": "p",
                    "metric": "m",
                    "value": 1,
                    "collected_at": "0001-01-01T00:00:00+12:00",
                }
            ],
        },
        "readings.0.collected_at",
    ),
    "NaN in a signed body": (
        "/callbacks/n8n",
        n8n_signed,
        b'{"type": "content.failed", "object_id": NaN}',
        "body",
    ),
    "a lone surrogate in a signed body": (
        "/callbacks/n8n",
        n8n_signed,
        b'{"type": "content.failed", "object_id": 1, "request_id": "\\udbff", '
        b'"execution_id": "1", "error": "x"}',
        "body",
    ),
    "a signed body that is not JSON": ("/callbacks/make", make_signed, b"{not json", "body"),
    "a signed body nested thousands deep": (
        "/callbacks/make",
        make_signed,
        nested(5000).encode(),
        "body",
    ),
}


@pytest.mark.parametrize("case", SIGNED.values(), ids=SIGNED.keys())
def test_a_bad_signed_callback_is_422_and_stores_nothing(settings, engine, world, case):
    path, sign, body, field = case
    raw, headers = sign(body)
    before = store_contents(engine)

    answer = TestClient(create_app(settings)).post(path, content=raw, headers=headers)

    refused_without_a_trace(engine, answer, 422, field, before)


def test_an_event_id_longer_than_the_inbox_keeps_is_refused(settings, engine, world):
    body = {
        "type": "content.failed",
        "object_id": world["object"],
        "request_id": "r-1",
        "execution_id": "1",
        "error": "x",
    }
    raw, headers = n8n_signed(body, event_id="e" * 500)
    before = store_contents(engine)

    answer = TestClient(create_app(settings)).post("/callbacks/n8n", content=raw, headers=headers)

    refused_without_a_trace(engine, answer, 422, "webhook-id", before)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_a_body_not_declared_json_is_415_and_changes_nothing(api, engine, world, content_type):
    headers = {"content-type": content_type} if content_type else {}
    before = store_contents(engine)

    answer = api.post("/api/campaigns", content=json.dumps(CAMPAIGN).encode(), headers=headers)

    refused_without_a_trace(engine, answer, 415, None, before)


def test_a_body_past_the_configured_size_is_413_declared_or_not(
    settings, engine, world, in_environment
):
    in_environment({"MEDIAFLOW_MAX_BODY_BYTES": "10000"})
    api = api_client(settings)
    body = json.dumps(CAMPAIGN | {"description": "x" * 20_000}).encode()
    before = store_contents(engine)

    declared = api.post(
        "/api/campaigns", content=body, headers={"content-type": "application/json"}
    )
    streamed = api.post(
        "/api/campaigns",
        content=iter([body[:5000], body[5000:]]),
        headers={"content-type": "application/json"},
    )
    signed = TestClient(create_app(settings)).post("/callbacks/n8n", content=body)

    for answer in (declared, streamed, signed):
        refused_without_a_trace(engine, answer, 413, None, before)


def test_a_body_that_never_finishes_arriving_is_408_and_changes_nothing(
    settings, engine, world, in_environment
):
    in_environment({"MEDIAFLOW_BODY_TIMEOUT_SECONDS": "0.5"})
    app = create_app(settings)
    before = store_contents(engine)
    sent: list[dict] = []

    async def trickle() -> dict:
        if not sent:
            sent.append({})
            return {"type": "http.request", "body": b'{"name": ', "more_body": True}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/campaigns",
        "raw_path": b"/api/campaigns",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"testserver")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    asyncio.run(asyncio.wait_for(app(scope, trickle, send), timeout=10))

    start = next(message for message in sent if message.get("type") == "http.response.start")
    assert start["status"] == 408
    assert store_contents(engine) == before


def test_a_request_that_fails_after_writing_leaves_no_row(api, engine, world, monkeypatch):
    """The failure comes after the campaign's row was inserted: the request's one transaction
    takes the row back with it."""
    before = store_contents(engine)

    def broken_read(*args, **kwargs):
        raise RuntimeError("the read after the insert failed")

    monkeypatch.setattr(cms, "get_campaign", broken_read)
    client = TestClient(api.app, headers=api.headers, raise_server_exceptions=False)
    answer = client.post("/api/campaigns", json=CAMPAIGN)

    assert answer.status_code == 500
    assert answer.json()["detail"] == "the request failed; nothing was stored"
    assert store_contents(engine) == before

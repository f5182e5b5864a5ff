"""Events from the restaurant's other modules at `POST /api/communication/webhook`: each module
signs with its own secret and sends only its own event types; a redelivery is stored once; a
forged, stale, malformed, unknown or excessive event is refused, logged, and stores nothing."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from support.signing import module_signed, signed

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.schema import callback_inbox

WEBHOOK = "/api/communication/webhook"
FEATURED = {
    "type": "recipe.featured",
    "recipe_id": "r-42",
    "name": "Blanquette de veau",
    "description": "À l'ancienne, riz pilaf",
    "price": "18.50",
    "featured_on": "2026-12-04",
}
EVENTS = {
    "recipes": FEATURED,
    "crm": {
        "type": "conversion.recorded",
        "conversion_id": "res-7",
        "kind": "reservation",
        "amount": "64.00",
        "currency": "EUR",
        "occurred_at": "2026-12-04T19:30:00+01:00",
        "click_id": "clk-1",
    },
    "stock": {
        "type": "stock.low",
        "item_id": "truffe",
        "name": "Truffe noire",
        "quantity": "0.150",
        "threshold": "0.500",
        "unit": "kg",
    },
    "accounting": {
        "type": "sales.slow_moving",
        "period_start": "2026-11-01",
        "period_end": "2026-11-30",
        "dishes": [{"dish_id": "d-9", "name": "Tarte fine aux poireaux", "units_sold": 3}],
    },
}


@pytest.fixture
def api(settings) -> TestClient:
    return TestClient(create_app(settings))


def inbox(settings) -> list[dict]:
    with ops_engine(settings.ops_database_url).connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(callback_inbox))]


@pytest.mark.parametrize("module", list(EVENTS))
def test_each_module_s_event_is_kept_under_its_module_once(api, settings, module):
    raw, headers = module_signed(module, EVENTS[module], event_id="evt-1")

    first = api.post(WEBHOOK, content=raw, headers=headers)
    again = api.post(WEBHOOK, content=raw, headers=headers)

    assert (first.status_code, first.json()["status"]) == (202, "accepted")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    [kept] = inbox(settings)
    assert (kept["source"], kept["event_id"]) == (module, f"{module}:evt-1")
    assert kept["event_type"] == EVENTS[module]["type"]


def test_two_modules_may_use_the_same_event_id(api, settings):
    for module in ("recipes", "stock"):
        raw, headers = module_signed(module, EVENTS[module], event_id="evt-1")
        assert api.post(WEBHOOK, content=raw, headers=headers).status_code == 202

    assert len(inbox(settings)) == 2


def test_a_module_sending_another_module_s_event_type_is_refused_naming_the_type(api, settings):
    raw, headers = module_signed("stock", FEATURED)

    refused = api.post(WEBHOOK, content=raw, headers=headers)

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "type"
    assert "stock module sends stock.low" in refused.json()["errors"][0]["message"]
    assert inbox(settings) == []


@pytest.mark.parametrize(
    "signing",
    [
        pytest.param(lambda body: signed("whsec_" + "A" * 32, body), id="forged"),
        pytest.param(
            lambda body: module_signed("recipes", body, age=timedelta(minutes=6)), id="stale"
        ),
        pytest.param(
            lambda body: module_signed("recipes", body, age=-timedelta(minutes=6)), id="future"
        ),
    ],
)
def test_an_event_whose_signature_does_not_hold_is_401_and_logged_without_its_body(
    api, settings, caplog, signing
):
    raw, headers = signing(FEATURED)

    with caplog.at_level(logging.WARNING, logger="mediaflow.api"):
        refused = api.post(WEBHOOK, content=raw, headers=headers)

    assert refused.status_code == 401
    assert inbox(settings) == []
    assert "refused a module event: 401" in caplog.text
    assert "Blanquette" not in caplog.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "recipe.deleted", "recipe_id": "r-1"}, "body"),
        ({**FEATURED, "price": "-1"}, "price"),
        ({**FEATURED, "chef": "Paul"}, "chef"),
        ({k: v for k, v in FEATURED.items() if k != "name"}, "name"),
    ],
)
def test_an_event_that_breaks_its_schema_is_422_naming_the_field(api, settings, body, field):
    raw, headers = module_signed("recipes", body)

    refused = api.post(WEBHOOK, content=raw, headers=headers)

    assert refused.status_code == 422
    assert field in [error["field"] for error in refused.json()["errors"]]
    assert inbox(settings) == []


def test_a_body_that_is_not_json_is_422(api, settings):
    raw, headers = module_signed("recipes", b"{not json")
    assert api.post(WEBHOOK, content=raw, headers=headers).status_code == 422
    assert inbox(settings) == []


def test_a_module_past_its_rate_limit_gets_429_with_retry_after(settings, in_environment):
    in_environment({"MEDIAFLOW_MODULE_EVENT_RATE_LIMIT": "2/minute"})
    api = TestClient(create_app(settings))
    answers = []
    for number in range(3):
        raw, headers = module_signed("crm", EVENTS["crm"], event_id=f"evt-{number}")
        answers.append(api.post(WEBHOOK, content=raw, headers=headers))
    raw, headers = module_signed("stock", EVENTS["stock"])
    other_module = api.post(WEBHOOK, content=raw, headers=headers)

    assert [answer.status_code for answer in answers] == [202, 202, 429]
    assert int(answers[2].headers["retry-after"]) >= 1
    assert other_module.status_code == 202
    assert len(inbox(settings)) == 3

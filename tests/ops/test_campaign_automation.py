"""Campaign automation on both backends: the four default rules turn the other modules' events
into actions, once per event however often it is delivered or looked at; rules are data edited
through the API, and one referring to something missing is refused; a campaign's phases start
and end on time, once, taking their actions, and the running campaigns show the current one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dagster import DagsterInstance, build_sensor_context, materialize
from sqlalchemy import func, select, update
from starlette.testclient import TestClient
from support.api import api_client
from support.menus import PHOTO, winter_menu
from support.running_campaigns import running_campaign
from support.signing import module_signed
from support.stores import store_contents

from mediaflow_dagster.assets.automation import campaign_automation
from mediaflow_dagster.cms.database import ops_engine, utcnow
from mediaflow_dagster.cms.schema import (
    automation_actions,
    automation_rules,
    callback_inbox,
    campaign_objects,
    campaigns,
    notification_requests,
    object_platforms,
)
from mediaflow_dagster.definitions import build_definitions, build_resources

WEBHOOK = "/api/communication/webhook"
BLANQUETTE = {
    "url": "https://images.levieuxmoulin.example/blanquette.jpg",
    "mime_type": "image/jpeg",
    "bytes": 245_000,
    "width": 1080,
    "height": 1080,
}
FEATURED = {
    "type": "recipe.featured",
    "recipe_id": "r-42",
    "name": "Blanquette de veau",
    "description": "À l'ancienne, riz pilaf",
    "price": "18.50",
    "image": BLANQUETTE,
    "featured_on": "2026-12-04",
}
PROMOTION = {
    "type": "promotion.created",
    "promotion_id": "p-7",
    "title": "Menu d'hiver",
    "message": "Entrée, plat et dessert à 29 €",
    "segment": "regular_customers",
    "starts_on": "2026-12-10",
    "ends_on": "2026-12-24",
    "discount_percent": 15,
}
STOCK_LOW = {
    "type": "stock.low",
    "item_id": "truffe",
    "name": "Truffe noire",
    "quantity": "0.150",
    "threshold": "0.500",
    "unit": "kg",
}
SLOW_MOVING = {
    "type": "sales.slow_moving",
    "period_start": "2026-11-01",
    "period_end": "2026-11-30",
    "dishes": [
        {"dish_id": "d-9", "name": "Tarte fine aux poireaux", "units_sold": 3},
        {"dish_id": "d-12", "name": "Velouté de potimarron", "units_sold": 5},
    ],
}
CONVERSION = {
    "type": "conversion.recorded",
    "conversion_id": "res-7",
    "kind": "reservation",
    "amount": "64.00",
    "currency": "EUR",
    "occurred_at": "2026-12-04T19:30:00+01:00",
}


@pytest.fixture
def api(settings) -> TestClient:
    return api_client(settings)


@pytest.fixture
def engine(settings, api):
    return ops_engine(settings.ops_database_url)


def deliver(api, module: str, event: dict, event_id: str) -> None:
    raw, headers = module_signed(module, event, event_id=event_id)
    answer = api.post(WEBHOOK, content=raw, headers=headers)
    assert answer.status_code in (200, 202), answer.text


def run_automation(settings) -> dict:
    result = materialize(
        [campaign_automation], resources=build_resources(settings, resolve_secrets=True)
    )
    assert result.success
    return result.asset_materializations_for_node("ops__campaign_automation")[0].metadata


def rule(api, name: str) -> dict:
    rules = api.get("/api/communication/rules").json()["items"]
    return next(item for item in rules if item["name"] == name)


def count(engine, table, *conditions) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(table).where(*conditions)
        ).scalar_one()


def actions_taken(api) -> list[dict]:
    return api.get("/api/communication/rule-actions").json()["items"]


def test_the_four_default_rules_are_seeded_and_plat_du_jour_waits_for_its_campaign(api):
    rules = api.get("/api/communication/rules").json()["items"]

    assert {item["name"]: (item["event_type"], item["enabled"]) for item in rules} == {
        "plat_du_jour": ("recipe.featured", False),
        "promotion_notification": ("promotion.created", True),
        "stock_low_pause": ("stock.low", True),
        "slow_moving_discoveries": ("sales.slow_moving", True),
    }
    assert rule(api, "slow_moving_discoveries")["config"]["name"] == (
        "Promotion Spéciale - Découvertes"
    )


def test_a_featured_recipe_is_posted_once_on_facebook_and_instagram(settings, api, engine):
    campaign = running_campaign(api, ("facebook", "instagram", "linkedin"))
    plat_du_jour = rule(api, "plat_du_jour")
    enabled = api.patch(
        f"/api/communication/rules/{plat_du_jour['id']}",
        json={
            "enabled": True,
            "config": plat_du_jour["config"] | {"campaign_id": campaign["id"]},
        },
    )
    assert enabled.status_code == 200, enabled.text

    deliver(api, "recipes", FEATURED, "evt-1")
    deliver(api, "recipes", FEATURED, "evt-1")
    first = run_automation(settings)
    second = run_automation(settings)

    assert (first["actions"].value, second["actions"].value) == (1, 0)
    with engine.connect() as connection:
        posted = connection.execute(select(campaign_objects)).one()
        platforms = connection.execute(select(object_platforms.c.platform)).scalars().all()
    assert posted.title == "Plat du jour : Blanquette de veau"
    assert posted.status == "approved"
    assert posted.media_url == BLANQUETTE["url"]
    assert "18.50 €" in posted.content_text
    assert sorted(platforms) == ["facebook", "instagram"]
    [taken] = actions_taken(api)
    assert (taken["rule_name"], taken["outcome"]) == ("plat_du_jour", "done")
    assert count(engine, callback_inbox, callback_inbox.c.status == "processed") == 1


def test_a_promotion_notifies_its_segment_once(settings, api, engine):
    deliver(api, "crm", PROMOTION, "promo-1")

    run_automation(settings)
    run_automation(settings)

    with engine.connect() as connection:
        [request] = connection.execute(select(notification_requests)).all()
    assert request.template_name == "promotional_email"
    assert request.audience == {"segment": "regular_customers"}
    assert request.data["offer"]["title"] == "Menu d'hiver"
    assert request.data["offer"]["valid_until"] == "2026-12-24"
    assert request.requested_by == "automation:rule"


def test_stock_below_its_threshold_pauses_the_promotion_of_that_item(settings, api, engine):
    promotion = running_campaign(api, ("facebook",))
    stock_rule = rule(api, "stock_low_pause")
    mapped = api.patch(
        f"/api/communication/rules/{stock_rule['id']}",
        json={"config": {"campaigns_by_item": {"truffe": promotion["id"]}}},
    )
    assert mapped.status_code == 200, mapped.text

    deliver(api, "stock", STOCK_LOW | {"item_id": "cepes"}, "stock-1")
    deliver(api, "stock", STOCK_LOW | {"quantity": "0.900"}, "stock-2")
    run_automation(settings)
    assert api.get(f"/api/campaigns/{promotion['id']}").json()["status"] == "active"
    deliver(api, "stock", STOCK_LOW, "stock-3")
    run_automation(settings)

    assert api.get(f"/api/campaigns/{promotion['id']}").json()["status"] == "paused"
    outcomes = [(item["outcome"], item["detail"]) for item in actions_taken(api)]
    assert outcomes == [
        ("skipped", "no promotion is related to item cepes"),
        ("skipped", "truffe is not below its threshold"),
        ("done", f"campaign {promotion['id']} paused"),
    ]


def test_slow_moving_dishes_get_the_discoveries_campaign_with_its_dates_and_discount(
    settings, api, engine
):
    deliver(api, "accounting", SLOW_MOVING, "sales-11")

    run_automation(settings)
    run_automation(settings)

    with engine.connect() as connection:
        [created] = connection.execute(select(campaigns)).all()
    today = datetime.now(UTC).date()
    assert created.name == "Promotion Spéciale - Découvertes"
    assert (created.start_date, created.end_date) == (
        today + timedelta(days=1),
        today + timedelta(days=14),
    )
    assert created.description == (
        "-20 % sur nos découvertes : Tarte fine aux poireaux, Velouté de potimarron"
    )
    assert created.status == "draft"


def test_a_changed_menu_from_the_recipes_module_becomes_the_menus_next_version(
    settings, api, engine
):
    campaign = running_campaign(api, ("facebook", "instagram"))
    created = api.post(
        "/api/communication/menus",
        json={
            "menu": winter_menu(),
            "campaign_id": campaign["id"],
            "platforms": ["website", "google_business"],
        },
    ).json()
    answer = api.post(
        "/api/communication/rules",
        json={
            "name": "menu_from_recipes",
            "event_type": "menu.changed",
            "action": "replace_menu",
            "config": {"menu_id": created["id"]},
        },
    )
    assert answer.status_code == 201, answer.text
    dearer = winter_menu()
    dearer["categories"][0]["items"][0]["price"] = "12.50"
    unshowable = winter_menu()
    unshowable["categories"][2]["items"][0]["image"] = PHOTO | {"mime_type": "image/heic"}
    deliver(api, "recipes", {"type": "menu.changed", "menu": dearer}, "menu-1")
    deliver(api, "recipes", {"type": "menu.changed", "menu": dearer}, "menu-1")
    deliver(api, "recipes", {"type": "menu.changed", "menu": unshowable}, "menu-2")

    run_automation(settings)
    run_automation(settings)

    menu = api.get(f"/api/communication/menus/{created['id']}").json()
    assert menu["version"] == 2
    assert menu["menu"]["categories"][0]["items"][0]["price"] == "12.50"
    outcomes = sorted(
        (action["outcome"], action["detail"])
        for action in actions_taken(api)
        if action["rule_name"] == "menu_from_recipes"
    )
    assert [outcome for outcome, _ in outcomes] == ["done", "failed"]
    assert outcomes[0][1] == f"menu {created['id']} version 2"


def test_an_event_no_rule_handles_stays_in_the_inbox_untouched(settings, api, engine):
    deliver(api, "crm", CONVERSION, "conv-1")

    metadata = run_automation(settings)

    assert metadata["actions"].value == 0
    assert count(engine, automation_actions) == 0
    assert count(engine, callback_inbox, callback_inbox.c.status == "received") == 1


def test_an_action_refused_later_is_kept_as_failed_and_not_tried_again(settings, api, engine):
    campaign = running_campaign(api, ("facebook", "instagram"))
    plat_du_jour = rule(api, "plat_du_jour")
    api.patch(
        f"/api/communication/rules/{plat_du_jour['id']}",
        json={"enabled": True, "config": plat_du_jour["config"] | {"campaign_id": campaign["id"]}},
    )
    api.post(f"/api/campaigns/{campaign['id']}/status", json={"status": "paused"})

    deliver(api, "recipes", FEATURED, "evt-2")
    run_automation(settings)
    again = run_automation(settings)

    [taken] = actions_taken(api)
    assert taken["outcome"] == "failed"
    assert "paused" in taken["detail"]
    assert again["actions"].value == 0
    assert count(engine, campaign_objects) == 0


RULE = {
    "name": "plat_du_jour_facebook",
    "event_type": "recipe.featured",
    "action": "post",
    "config": {"campaign_id": 999, "platforms": ["facebook"]},
}
BAD_RULES = {
    "a campaign that does not exist": (RULE, "config.campaign_id"),
    "enabled without its campaign": (
        RULE | {"config": {"campaign_id": None, "platforms": ["facebook"]}},
        "config.campaign_id",
    ),
    "a template that does not exist": (
        {
            "name": "promotion_sms",
            "event_type": "promotion.created",
            "action": "notify",
            "config": {"template": "nothing", "offer_url": "https://levieuxmoulin.example/"},
        },
        "config",
    ),
    "a campaign to pause that does not exist": (
        {
            "name": "stock_pause",
            "event_type": "stock.low",
            "action": "pause",
            "config": {"campaigns_by_item": {"truffe": 999}},
        },
        "config.campaigns_by_item.truffe",
    ),
    "an account that does not exist": (
        {
            "name": "discoveries",
            "event_type": "sales.slow_moving",
            "action": "create_campaign",
            "config": {
                "name": "Découvertes",
                "discount_percent": 20,
                "budget": "0",
                "social_account_ids": [999],
            },
        },
        "config.social_account_ids",
    ),
    "a menu that does not exist": (
        {
            "name": "menu_from_recipes",
            "event_type": "menu.changed",
            "action": "replace_menu",
            "config": {"menu_id": 999},
        },
        "config",
    ),
    "an action its event type cannot take": (RULE | {"event_type": "stock.low"}, "action"),
    "an unknown event type": (RULE | {"event_type": "weather.changed"}, "event_type"),
}


@pytest.mark.parametrize("bad", BAD_RULES.values(), ids=BAD_RULES.keys())
def test_a_rule_referring_to_something_missing_is_refused_naming_it(api, engine, bad):
    body, field = bad
    before = store_contents(engine)

    answer = api.post("/api/communication/rules", json=body)

    assert answer.status_code == 422, answer.text
    fields = {problem["field"] for problem in answer.json()["errors"]}
    assert any(name.endswith(field) for name in fields), fields
    assert store_contents(engine) == before


def test_rules_are_edited_through_the_api_and_audited(settings, api, engine):
    campaign = running_campaign(api, ("facebook",))
    editor = api_client(settings, "editor")
    analyst = api_client(settings, "analyst")
    body = RULE | {"config": {"campaign_id": campaign["id"], "platforms": ["facebook"]}}

    created = editor.post("/api/communication/rules", json=body)
    refused = analyst.post("/api/communication/rules", json=body | {"name": "other"})
    twice = editor.post("/api/communication/rules", json=body)
    renamed = editor.patch(created.headers["location"], json={"name": "plat_du_jour_fb"})
    missing = editor.patch(
        created.headers["location"],
        json={"config": {"campaign_id": 999, "platforms": ["facebook"]}},
    )
    removed = editor.delete(created.headers["location"])

    assert (created.status_code, refused.status_code, twice.status_code) == (201, 403, 409)
    assert (renamed.json()["name"], renamed.json()["version"]) == ("plat_du_jour_fb", 2)
    assert missing.status_code == 422
    assert removed.status_code == 204
    assert api.get(created.headers["location"]).status_code == 404
    audit = api.get("/api/admin/audit").json()["items"]
    assert [(entry["method"], entry["route"]) for entry in audit if "rules" in entry["route"]] == [
        ("POST", "/api/communication/rules"),
        ("PATCH", "/api/communication/rules/{rule_id}"),
        ("DELETE", "/api/communication/rules/{rule_id}"),
    ]


def in_(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def test_phases_start_and_end_on_time_once_taking_their_actions(settings, api, engine):
    campaign = running_campaign(api, ("facebook", "instagram"))
    phases = {
        "phases": [
            {
                "phase": "teaser",
                "starts_at": in_(-1),
                "ends_at": in_(-0.5),
                "actions": [
                    {
                        "do": "notify",
                        "on": "start",
                        "template": "promotional_email",
                        "segment": "regular_customers",
                        "data": {
                            "offer": {
                                "title": "Bientôt",
                                "description": "La carte d'hiver arrive",
                                "url": "https://levieuxmoulin.example/",
                                "valid_until": "2026-12-31",
                            }
                        },
                    }
                ],
            },
            {
                "phase": "launch",
                "starts_at": in_(-0.5),
                "ends_at": in_(24),
                "actions": [
                    {
                        "do": "post",
                        "title": "La carte d'hiver",
                        "body": "Elle est là.",
                        "media": [BLANQUETTE],
                        "platforms": ["facebook", "instagram"],
                    }
                ],
            },
            {
                "phase": "follow_up",
                "starts_at": in_(24),
                "ends_at": in_(48),
                "actions": [{"do": "pause", "on": "end"}],
            },
        ]
    }
    answer = api.put(f"/api/communication/campaigns/{campaign['id']}/phases", json=phases)
    assert answer.status_code == 200, answer.text

    first = run_automation(settings)
    second = run_automation(settings)

    assert (first["phases_moved"].value, second["phases_moved"].value) == (3, 0)
    assert count(engine, notification_requests) == 1
    assert count(engine, campaign_objects) == 1
    [running] = api.get("/api/communication/campaigns").json()["items"]
    assert running["phase"] == "launch"
    assert [phase["started_at"] is not None for phase in running["phases"]] == [True, True, False]
    changed = phases["phases"][1] | {"ends_at": in_(30)}
    refused = api.put(
        f"/api/communication/campaigns/{campaign['id']}/phases",
        json={"phases": [phases["phases"][0], changed, phases["phases"][2]]},
    )
    assert refused.status_code == 409
    again = api.put(f"/api/communication/campaigns/{campaign['id']}/phases", json=phases)
    assert again.status_code == 200, again.text


def test_a_phase_ending_pauses_its_campaign(settings, api):
    campaign = running_campaign(api, ("facebook",))
    phases = {
        "phases": [
            {
                "phase": "follow_up",
                "starts_at": in_(-2),
                "ends_at": in_(-1),
                "actions": [{"do": "pause", "on": "end"}],
            }
        ]
    }
    api.put(f"/api/communication/campaigns/{campaign['id']}/phases", json=phases)

    run_automation(settings)

    assert api.get(f"/api/campaigns/{campaign['id']}").json()["status"] == "paused"
    [phase] = api.get(f"/api/communication/campaigns/{campaign['id']}/phases").json()
    assert phase["outcome"] == (
        f"start: started, nothing to do\nend: campaign {campaign['id']} paused"
    )


@pytest.mark.parametrize(
    ("action", "field"),
    [
        (
            {"do": "post", "title": "X", "body": "Y", "platforms": ["tiktok"]},
            "phases.0.actions.0.platforms",
        ),
        (
            {"do": "notify", "template": "nothing", "segment": "all"},
            "phases.0.actions.0.template",
        ),
    ],
)
def test_a_phase_action_referring_to_something_missing_is_refused(api, engine, action, field):
    campaign = running_campaign(api, ("facebook",))
    before = store_contents(engine)
    phase = {"phase": "teaser", "starts_at": in_(1), "ends_at": in_(2), "actions": [action]}

    answer = api.put(
        f"/api/communication/campaigns/{campaign['id']}/phases", json={"phases": [phase]}
    )

    assert answer.status_code == 422, answer.text
    assert field in {problem["field"] for problem in answer.json()["errors"]}
    assert store_contents(engine) == before


@pytest.fixture
def instance(tmp_path):
    (tmp_path / "dagster").mkdir()
    with DagsterInstance.from_config(str(tmp_path / "dagster")) as instance:
        yield instance


def tick(settings, instance):
    definitions = build_definitions(settings)
    context = build_sensor_context(
        instance=instance,
        instance_ref=instance.get_ref(),
        definitions=definitions,
        resources=definitions.resources,
    )
    return definitions.resolve_sensor_def("campaign_automation").evaluate_tick(context)


def test_the_sensor_asks_for_a_run_only_when_an_event_or_a_phase_waits(settings, api, instance):
    idle = tick(settings, instance)
    deliver(api, "crm", CONVERSION, "conv-2")
    unhandled = tick(settings, instance)
    deliver(api, "crm", PROMOTION, "promo-2")
    waiting = tick(settings, instance)

    assert idle.run_requests == [] and unhandled.run_requests == []
    [request] = waiting.run_requests
    assert request.run_key.startswith("automation-none-")


def test_the_rules_read_only_the_inbox_past_what_they_checked(settings, api, engine):
    deliver(api, "crm", PROMOTION, "promo-old")
    with engine.begin() as connection:
        connection.execute(
            update(callback_inbox).values(received_at=utcnow() - timedelta(minutes=10))
        )
        connection.execute(
            update(automation_rules).values(enabled_at=utcnow() - timedelta(hours=1))
        )
    run_automation(settings)
    deliver(api, "crm", PROMOTION | {"promotion_id": "p-8"}, "promo-new")

    run_automation(settings)

    with engine.connect() as connection:
        old_id, new_id = connection.execute(
            select(callback_inbox.c.id).order_by(callback_inbox.c.id)
        ).scalars()
        checked = connection.execute(
            select(automation_rules.c.checked_through).where(automation_rules.c.enabled)
        ).scalars()
        assert set(checked) == {old_id}
    assert count(engine, notification_requests) == 2
    assert new_id > old_id

"""Menus through the API, on both stores: each write a version rendered for every platform,
replaced only with the ETag read, bad input a 422 naming the field with nothing stored, and a
version that changes no platform's document publishing nothing and notifying no one."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from support.api import key_headers
from support.menus import PHOTO, winter_menu
from support.stores import store_contents

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.cms.accounts import add_target, create_social_account
from mediaflow_dagster.cms.menus import synchronise_campaign_menus
from mediaflow_dagster.cms.schema import (
    approvals,
    audit_log,
    campaign_objects,
    media_renditions,
    notification_requests,
    webhook_deliveries,
)

MENUS = "/api/communication/menus"


@pytest.fixture
def anonymous_api(settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.fixture
def facebook_page(engine, campaign_id):
    account = create_social_account(
        engine,
        platform="facebook",
        name="Le Vieux Moulin",
        account_type="page",
        external_account_id="104857600123456",
        make_connection_id="1",
        make_scenario_id="2",
        make_webhook_url="https://hook.eu1.make.com/vieux-moulin",
    )
    add_target(engine, campaign_id, account["id"])
    return account


def body(campaign_id: int, menu: dict | None = None, **more) -> dict:
    return {"menu": menu or winter_menu(), "campaign_id": campaign_id, **more}


def created(api, campaign_id: int, **more):
    answer = api.post(MENUS, json=body(campaign_id, **more))
    assert answer.status_code == 201, answer.text
    return answer


def replaced(api, answer, menu: dict, **more):
    menu_id = answer.json()["id"]
    return api.put(
        f"{MENUS}/{menu_id}",
        json=body(answer.json()["campaign_id"], menu, **more),
        headers={"if-match": answer.headers["etag"]},
    )


def rows(engine, table) -> list[dict]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(table))]


def test_a_new_menu_is_version_1_waiting_on_every_platform(api, campaign_id):
    answer = created(api, campaign_id)

    menu = answer.json()
    assert answer.headers["location"] == f"{MENUS}/{menu['id']}"
    assert answer.headers["etag"] == f'"menu-{menu["id"]}-v1"'
    assert menu["version"] == 1 and menu["visible_change"] is True
    assert menu["menu"]["categories"][1]["items"][0]["name"] == "Bœuf bourguignon"
    assert menu["sync"]["state"] == "waiting"
    assert {p["platform"]: p["status"] for p in menu["sync"]["platforms"]} == {
        "facebook": "pending",
        "instagram": "pending",
        "website": "pending",
        "google_business": "pending",
    }
    assert api.get(f"{MENUS}/{menu['id']}").json() == menu
    assert [item["id"] for item in api.get(MENUS).json()["items"]] == [menu["id"]]
    documents = api.get(f"{MENUS}/{menu['id']}/versions/1").json()["documents"]
    assert set(documents) == {"facebook", "instagram", "website", "google_business"}
    assert documents["website"]["@type"] == "Menu"


def test_a_replacement_needs_the_etag_read_and_makes_the_next_version(api, campaign_id):
    first = created(api, campaign_id)
    dearer = winter_menu()
    dearer["categories"][0]["items"][0]["price"] = "10.00"
    menu_id = first.json()["id"]

    without = api.put(f"{MENUS}/{menu_id}", json=body(campaign_id, dearer))
    second = replaced(api, first, dearer)
    stale = replaced(api, first, winter_menu())

    assert without.status_code == 428
    assert second.status_code == 200
    assert second.json()["version"] == 2 and second.json()["visible_change"] is True
    assert second.headers["etag"] == f'"menu-{menu_id}-v2"'
    assert stale.status_code == 412
    assert api.get(f"{MENUS}/{menu_id}/versions/1").json()["menu"]["categories"][0]["items"][0][
        "price"
    ] in ("9.50", "9.5")


def test_editors_write_menus_audited_and_analysts_only_read_them(settings, engine, campaign_id):
    app = create_app(settings)
    editor = TestClient(app, headers=key_headers(settings, "editor", name="chef"))
    analyst = TestClient(app, headers=key_headers(settings, "analyst", name="analyst"))

    written = editor.post(MENUS, json=body(campaign_id))
    refused = analyst.post(MENUS, json=body(campaign_id))
    read = analyst.get(f"{MENUS}/{written.json()['id']}")

    assert (written.status_code, refused.status_code, read.status_code) == (201, 403, 200)
    assert written.json()["created_by"] == "key:chef"
    [entry] = [row for row in rows(engine, audit_log) if row["method"] == "POST"]
    assert (entry["actor"], entry["route"], entry["status"]) == ("key:chef", MENUS, 201)
    assert entry["target"] == f"{MENUS}/{written.json()['id']}"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda m: m["categories"][0]["items"][0].update(allergens=["shellfish"]), "allergens"),
        (lambda m: m["categories"][0]["items"][0].update(price="-1"), "price"),
        (lambda m: m.update(valid_until="2026-11-01"), "menu"),
        (lambda m: m.update(type="brunch"), "menu.type"),
        (lambda m: m.update(categories=[]), "menu.categories"),
        (lambda m: m["categories"][1]["items"][0]["image"].update(url="ftp://x"), "image.url"),
    ],
    ids=["unknown allergen", "negative price", "ends before it starts", "type", "empty", "url"],
)
def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(
    api, engine, campaign_id, change, field
):
    menu = winter_menu()
    change(menu)
    before = store_contents(engine)

    answer = api.post(MENUS, json=body(campaign_id, menu))

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert any(field in error["field"] for error in answer.json()["errors"])
    assert store_contents(engine) == before


def test_an_unknown_campaign_is_a_422_naming_it(api, engine):
    before = store_contents(engine)

    answer = api.post(MENUS, json=body(999))

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "campaign_id"
    assert store_contents(engine) == before


def test_the_campaign_of_a_menu_cannot_be_removed_and_says_which_menu(api, campaign_id):
    menu_id = created(api, campaign_id).json()["id"]

    refused = api.delete(f"/api/campaigns/{campaign_id}")

    assert refused.status_code == 409
    assert f"menu(s) {menu_id}" in refused.json()["detail"]
    assert api.get(f"/api/campaigns/{campaign_id}").status_code == 200


def test_an_item_no_platform_of_the_menu_can_show_is_refused_with_the_reason(
    api, engine, campaign_id
):
    menu = winter_menu()
    menu["categories"][2]["items"][0]["image"] = PHOTO | {"mime_type": "image/heic"}
    before = store_contents(engine)

    answer = api.post(MENUS, json=body(campaign_id, menu, platforms=["website", "google_business"]))

    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert error["field"] == "menu.categories.2.items.0"
    assert "website: the photo is image/heic" in error["message"]
    assert "google_business: the photo is image/heic" in error["message"]
    assert store_contents(engine) == before


def test_a_synchronised_version_becomes_an_approved_post_and_serves_its_documents(
    api, anonymous_api, engine, campaign_id, facebook_page
):
    menu_id = created(api, campaign_id, notify={"segment": "regular_customers"}).json()["id"]

    outcomes = synchronise_campaign_menus(engine, campaign_id)

    assert outcomes == [{"menu": menu_id, "version": 1, "outcome": "synced"}]
    [post] = rows(engine, campaign_objects)
    assert (post["status"], post["object_type"]) == ("approved", "image")
    assert post["media_url"] == PHOTO["url"]
    assert post["content_text"].startswith("Menu de saison : Carte d'hiver")
    assert [row["approved_by"] for row in rows(engine, approvals)] == ["menu synchronisation"]
    assert {row["platform"] for row in rows(engine, media_renditions)} == {"facebook"}
    sync = api.get(f"{MENUS}/{menu_id}").json()["sync"]
    statuses = {p["platform"]: (p["status"], p["reason"]) for p in sync["platforms"]}
    assert statuses == {
        "facebook": ("pending", None),
        "instagram": ("refused", "the menu's campaign targets no active instagram account"),
        "website": ("published", None),
        "google_business": ("published", None),
    }
    feed = anonymous_api.get(f"{MENUS}/{menu_id}/website")
    assert feed.status_code == 200
    assert feed.headers["content-type"] == "application/ld+json"
    assert feed.json()["name"] == "Carte d'hiver"
    google = api.get(f"{MENUS}/{menu_id}/google-business-profile").json()
    assert google["foodMenus"]["menus"][0]["labels"][0]["displayName"] == "Carte d'hiver"
    [request] = rows(engine, notification_requests)
    assert request["template_name"] == "menu_update"
    assert request["audience"] == {"segment": "regular_customers"}
    assert {"name": "Tarte Tatin, crème crue", "price": "8,50"} in request["data"]["menu_items"]
    assert sync["notification_request_id"] == request["id"]
    assert synchronise_campaign_menus(engine, campaign_id) == []


def test_a_change_that_shows_nowhere_publishes_nothing_and_notifies_no_one(
    api, engine, campaign_id, facebook_page
):
    first = created(api, campaign_id, notify={"segment": "regular_customers"})
    synchronise_campaign_menus(engine, campaign_id)
    reworded_nowhere = winter_menu(hashtags=["LeVieuxMoulin", "cuisinedesaison"])
    # the second hashtag gains its '#' in every document anyway: nothing visible changes

    second = replaced(api, first, reworded_nowhere, notify={"segment": "regular_customers"})

    assert second.status_code == 200
    assert second.json()["version"] == 2
    assert second.json()["visible_change"] is False
    assert second.json()["sync"]["version"] == 1
    assert synchronise_campaign_menus(engine, campaign_id) == []
    assert len(rows(engine, campaign_objects)) == 1
    assert len(rows(engine, notification_requests)) == 1


def test_only_the_newest_of_two_waiting_versions_is_published(
    api, engine, campaign_id, facebook_page
):
    first = created(api, campaign_id)
    dearer = winter_menu()
    dearer["categories"][0]["items"][0]["price"] = "10.00"
    second = replaced(api, first, dearer)

    outcomes = synchronise_campaign_menus(engine, campaign_id)

    assert [outcome["outcome"] for outcome in outcomes] == ["superseded", "synced"]
    [post] = rows(engine, campaign_objects)
    assert "10,00 €" in post["content_text"]
    assert api.get(f"{MENUS}/{second.json()['id']}").json()["sync"]["version"] == 2


def test_a_synchronised_menu_is_announced_to_menu_synced_subscribers(
    api, engine, campaign_id, facebook_page
):
    api.post(
        "/api/webhooks/subscriptions",
        json={"url": "https://hooks.example.com/mediaflow", "event_types": ["menu_synced"]},
    )
    menu_id = created(api, campaign_id).json()["id"]

    synchronise_campaign_menus(engine, campaign_id)

    [delivery] = rows(engine, webhook_deliveries)
    assert delivery["event_type"] == "menu_synced"
    assert delivery["payload"]["data"]["menu_id"] == menu_id


def test_a_change_undone_before_it_went_out_publishes_nothing(
    api, engine, campaign_id, facebook_page
):
    first = created(api, campaign_id, notify={"segment": "regular_customers"})
    synchronise_campaign_menus(engine, campaign_id)
    dearer = winter_menu()
    dearer["categories"][0]["items"][0]["price"] = "10.00"
    second = replaced(api, first, dearer)
    third = replaced(api, second, winter_menu(), notify={"segment": "regular_customers"})

    outcomes = synchronise_campaign_menus(engine, campaign_id)

    assert [outcome["outcome"] for outcome in outcomes] == ["superseded", "unchanged"]
    assert len(rows(engine, campaign_objects)) == 1
    assert len(rows(engine, notification_requests)) == 1
    menu = api.get(f"{MENUS}/{third.json()['id']}").json()
    assert (menu["version"], menu["visible_change"], menu["sync"]["version"]) == (3, False, 1)

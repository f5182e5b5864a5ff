"""A menu change through the API, all the way through the sandbox's Make stand-in: the
`menu_versions` sensor's run turns it into an approved post of the menu's campaign, the
publication pipeline sends it, Make's callbacks confirm it on Facebook and Instagram, and the
website feed and the Google document are those of the new version; a change that shows
nowhere sends nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console
from support.menus import PHOTO, winter_menu
from support.published import wired_accounts

from mediaflow_dagster.cms import campaigns
from mediaflow_sandbox.addresses import UNSPLASH_IMAGES_PREFIX, http_base_url
from mediaflow_sandbox.control import make_hook_url
from mediaflow_sandbox.demo import demo_stack

pytestmark = pytest.mark.slow
MENUS = "/api/communication/menus"
ACCOUNTS = {"facebook": ("page", "104857600123456"), "instagram": ("business", "17841400000000001")}


@pytest.fixture
def demo(stack_settings):
    with demo_stack(stack_settings, Console(quiet=True)) as demo:
        yield demo


@pytest.fixture
def served_menu(demo):
    """The winter menu with its photo on an image host the platforms can download it from (the
    sandbox's image CDN stands in for the restaurant's)."""
    host = f"{http_base_url(demo.sandbox_settings)}{UNSPLASH_IMAGES_PREFIX}"

    def menu(**changes):
        return winter_menu(image=PHOTO | {"url": f"{host}/photo-vieux-moulin-hiver"}, **changes)

    return menu


def restaurant_campaign(demo) -> int:
    """Le Vieux Moulin's menu campaign, active, targeting its Facebook page and Instagram
    account."""
    account_ids = list(
        wired_accounts(
            demo.engine,
            ACCOUNTS,
            "Le Vieux Moulin ({platform})",
            lambda platform: make_hook_url(demo.sandbox_settings, f"{platform}-hook"),
        ).values()
    )
    today = datetime.now(UTC).date()
    campaign = campaigns.create_campaign(
        demo.engine,
        name="La carte du Vieux Moulin",
        description=None,
        topics=[],
        budget=0,
        currency="EUR",
        start_date=today,
        end_date=today + timedelta(days=365),
        social_account_ids=account_ids,
    )
    campaigns.change_campaign_status(demo.engine, campaign["id"], "active")
    return campaign["id"]


def statuses(demo, menu_id: int) -> dict[str, dict]:
    sync = demo.cms.get(f"{MENUS}/{menu_id}").json()["sync"]
    return {
        platform["platform"]: platform | {"version": sync["version"]}
        for platform in sync["platforms"]
    }


def synchronise(demo, menu_id: int, version: int) -> dict[str, dict]:
    """The sensors ticked as the daemon ticks them until every platform confirmed `version`."""
    assert demo.chain.tick("menu_versions") == 1
    demo.chain.tick_until("approvals", lambda: True, "the menu's publishing run launched")

    def confirmed() -> bool:
        now = statuses(demo, menu_id)
        return all(s["version"] == version and s["status"] == "published" for s in now.values())

    demo.chain.tick_until("make_callbacks", confirmed, f"menu version {version} confirmed")
    return statuses(demo, menu_id)


def test_a_menu_change_ends_confirmed_on_facebook_and_instagram_with_its_documents_updated(
    demo, served_menu
):
    campaign_id = restaurant_campaign(demo)
    created = demo.cms.post(MENUS, json={"menu": served_menu(), "campaign_id": campaign_id})
    assert created.status_code == 201, created.text
    menu_id = created.json()["id"]
    first = synchronise(demo, menu_id, 1)

    dearer = served_menu()
    dearer["categories"][1]["items"][0]["price"] = "26.00"
    changed = demo.cms.put(
        f"{MENUS}/{menu_id}",
        json={"menu": dearer, "campaign_id": campaign_id},
        headers={"if-match": created.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    second = synchronise(demo, menu_id, 2)

    for platform in ("facebook", "instagram"):
        assert second[platform]["external_post_id"]
        assert second[platform]["external_post_id"] != first[platform]["external_post_id"]
    posts = demo.sandbox.ground_truth()["posts"]
    assert len(posts) == 4
    assert {post["platform"] for post in posts} == {"facebook", "instagram"}
    assert len({post["idempotency_key"] for post in posts}) == 4
    feed = demo.cms.get(f"{MENUS}/{menu_id}/website").json()
    assert feed["hasMenuSection"][1]["hasMenuItem"][0]["offers"]["price"] == "26.00"
    google = demo.cms.get(f"{MENUS}/{menu_id}/google-business-profile").json()
    bourguignon = google["foodMenus"]["menus"][0]["sections"][1]["items"][0]
    assert bourguignon["attributes"]["price"]["units"] == "26"

    unchanged = demo.cms.put(
        f"{MENUS}/{menu_id}",
        json={"menu": dearer, "campaign_id": campaign_id},
        headers={"if-match": changed.headers["etag"]},
    )
    assert unchanged.json()["visible_change"] is False
    assert demo.chain.tick("menu_versions") == 0
    assert len(demo.sandbox.ground_truth()["posts"]) == 4

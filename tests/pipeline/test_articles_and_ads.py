"""An article and an advertisement from the API to a published post, on both backends: created
through the API with their own fields, ready once the image they use is, approved through the
API, planned against each platform's specs (refused where the platform takes no such thing),
sent to the account's Make scenario with what it needs, and settled by Make's callback with the
post id; then read hourly like any post and carried by the marts with its type."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from rich.console import Console
from sqlalchemy import select
from support.published import give_credential, wired_accounts

from mediaflow_dagster.cms import accounts
from mediaflow_dagster.cms.schema import publications
from mediaflow_dagster.definitions import build_resources
from mediaflow_sandbox.control import make_hook_url
from mediaflow_sandbox.demo import (
    approve,
    collect_insights,
    demo_stack,
    generate_content,
    publish,
)

pytestmark = pytest.mark.slow
ACCOUNTS = {"wordpress": ("page", "bistro.example"), "facebook": ("page", "104857600123456")}


@pytest.fixture
def demo(stack_settings):
    with demo_stack(stack_settings, Console(quiet=True)) as demo:
        yield demo


def api(demo, method: str, path: str, body: dict | None = None) -> dict:
    answer = demo.cms.request(method, path, json=body)
    assert answer.is_success, answer.text
    return answer.json()


def campaign_on_wordpress_and_facebook(demo) -> int:
    account_ids = list(
        wired_accounts(
            demo.engine,
            ACCOUNTS,
            "Bistro {platform}",
            lambda platform: make_hook_url(demo.sandbox_settings, f"{platform}-hook"),
        ).values()
    )
    give_credential(demo.engine, demo.sandbox, account_ids[1], "facebook", ACCOUNTS["facebook"][1])
    campaign = api(
        demo,
        "POST",
        "/api/campaigns",
        {
            "name": "Menu d'hiver",
            "budget": "900.00",
            "start_date": str(date.today()),
            "end_date": str(date.today() + timedelta(days=30)),
            "social_account_ids": account_ids,
        },
    )
    api(demo, "POST", f"/api/campaigns/{campaign['id']}/status", {"status": "active"})
    demo.chain.instance.add_dynamic_partitions("campaigns", [str(campaign["id"])])
    return campaign["id"]


def test_an_article_and_an_ad_go_from_the_api_to_published_posts_with_their_ids(demo):
    campaign_id = campaign_on_wordpress_and_facebook(demo)
    objects = f"/api/campaigns/{campaign_id}/objects"
    image = api(
        demo,
        "POST",
        objects,
        {
            "object_type": "image",
            "title": "Visuel menu d'hiver",
            "sources": ["https://cdn.example.com/images/menu-hiver.jpg"],
        },
    )
    article = api(
        demo,
        "POST",
        objects,
        {
            "object_type": "article",
            "title": "Notre menu d'hiver",
            "article": {
                "body": "## Soupes\n\nPotiron et *châtaigne*.",
                "summary": "Ce qui mijote cet hiver.",
                "cover_object_id": image["id"],
                "canonical_url": "https://bistro.example/menu-hiver",
            },
        },
    )
    start = datetime.now(UTC) + timedelta(days=1)
    ad = api(
        demo,
        "POST",
        objects,
        {
            "object_type": "advertisement",
            "title": "Réservations d'hiver",
            "advertisement": {
                "creative_object_id": image["id"],
                "headline": "Le menu d'hiver est servi",
                "primary_text": "Soupe, gratin et tarte: réservez votre table.",
                "call_to_action": "book_now",
                "destination_url": "https://bistro.example/reserver",
                "objective": "traffic",
                "budget": {"amount": "250.00", "currency": "EUR", "period": "lifetime"},
                "schedule": {
                    "start_time": start.isoformat(),
                    "end_time": (start + timedelta(days=14)).isoformat(),
                },
            },
        },
    )

    generate_content(demo, campaign_id, [image["id"], article["id"], ad["id"]])
    ready_ad = api(demo, "GET", f"/api/objects/{ad['id']}")
    assert ready_ad["media_url"] == api(demo, "GET", f"/api/objects/{image['id']}")["media_url"]
    first_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    first_hour -= timedelta(hours=1)
    demo.sandbox.set_clock(first_hour + timedelta(minutes=1))
    approve(demo, [article["id"], ad["id"]])
    publish(demo, campaign_id)

    with demo.engine.connect() as connection:
        made = {
            (row.object_id, row.social_account_id): row._mapping
            for row in connection.execute(select(publications))
        }
    platform_of = {
        account["id"]: account["platform"] for account in accounts.list_social_accounts(demo.engine)
    }
    by_target = {
        (object_id, platform_of[account_id]): row for (object_id, account_id), row in made.items()
    }
    published_article = by_target[(article["id"], "wordpress")]
    published_ad = by_target[(ad["id"], "facebook")]
    assert published_article["status"] == published_ad["status"] == "published"
    assert published_article["external_post_id"] and published_ad["external_post_id"]
    assert by_target[(article["id"], "facebook")]["status"] == "blocked"
    assert "facebook takes" in by_target[(article["id"], "facebook")]["error"]
    assert by_target[(ad["id"], "wordpress")]["status"] == "blocked"
    assert published_ad["adapted_content"]["advertisement"]["call_to_action"] == "BOOK_TRAVEL"
    posts = {post["external_id"]: post for post in demo.sandbox.ground_truth()["posts"]}
    assert posts[published_article["external_post_id"]]["kind"] == "article"
    assert posts[published_ad["external_post_id"]]["kind"] == "advertisement"
    assert posts[published_ad["external_post_id"]]["platform"] == "facebook"

    collect_insights(demo, first_hour, 1)
    demo.chain.run("warehouse_job")
    warehouse = build_resources(demo.settings, resolve_secrets=True)["warehouse"]
    marts = warehouse.query(
        f"""
        select posts.object_type, posts.platform, lifetime.impressions
        from marts.dim_posts as posts
        left join marts.fct_post_lifetime as lifetime
            on lifetime.publication_id = posts.publication_id
        where posts.campaign_id = {campaign_id} and posts.is_published
        order by posts.object_type
        """
    )
    assert marts[["object_type", "platform"]].values.tolist() == [
        ["advertisement", "facebook"],
        ["article", "wordpress"],
    ]
    assert marts["impressions"].iloc[0] > 0

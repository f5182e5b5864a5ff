"""The seed's example end to end, against the sandbox's Make scenarios: a featured recipe from
the recipes module becomes, through the plat du jour rule and the publish request, one post on
Facebook and one on Instagram, and none on the campaign's other platforms."""

from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console
from sqlalchemy import select, update

from mediaflow_dagster.cms import accounts, campaigns
from mediaflow_dagster.cms.intake import Delivery, store_deliveries
from mediaflow_dagster.cms.schema import automation_rules, publications, social_accounts
from mediaflow_sandbox.addresses import UNSPLASH_IMAGES_PREFIX, http_base_url
from mediaflow_sandbox.control import make_hook_url
from mediaflow_sandbox.demo import demo_stack

pytestmark = pytest.mark.slow
ACCOUNTS = {
    "facebook": ("page", "104857600123456"),
    "instagram": ("business", "17841400000000001"),
    "x": ("profile", "1500000000000000001"),
}


FEATURED = {
    "type": "recipe.featured",
    "recipe_id": "r-42",
    "name": "Blanquette de veau",
    "description": "À l'ancienne, riz pilaf",
    "price": "18.50",
    "image": {
        "url": "https://images.levieuxmoulin.example/blanquette.jpg",
        "mime_type": "image/jpeg",
        "bytes": 245000,
        "width": 1080,
        "height": 1080,
    },
    "featured_on": "2026-12-04",
}


def featured(demo) -> dict:
    """The recipes module's event, its photo served by the sandbox (Make downloads it)."""
    photo = f"{http_base_url(demo.sandbox_settings)}{UNSPLASH_IMAGES_PREFIX}/photo-blanquette"
    return {
        **FEATURED,
        "image": FEATURED["image"] | {"url": f"{photo}?w=1080&h=1080&fit=crop"},
    }


@pytest.fixture
def demo(stack_settings):
    with demo_stack(stack_settings, Console(quiet=True), {}) as demo:
        yield demo


def restaurant_campaign(demo) -> int:
    engine = demo.engine
    account_ids = [
        accounts.create_social_account(
            engine,
            platform=platform,
            name=f"Le Vieux Moulin ({platform})",
            account_type=kind,
            external_account_id=external_id,
            make_connection_id=f"conn-{platform}",
            make_scenario_id=f"scenario-{platform}",
            make_webhook_url=make_hook_url(demo.sandbox_settings, f"{platform}-hook"),
        )["id"]
        for platform, (kind, external_id) in ACCOUNTS.items()
    ]
    today = datetime.now(UTC).date()
    campaign = campaigns.create_campaign(
        engine,
        name="Le Vieux Moulin - Hiver",
        description=None,
        topics=[],
        budget=500,
        currency="EUR",
        start_date=today,
        end_date=today + timedelta(days=60),
        social_account_ids=account_ids,
    )
    campaigns.change_campaign_status(engine, campaign["id"], "active")
    demo.chain.instance.add_dynamic_partitions("campaigns", [str(campaign["id"])])
    return campaign["id"]


def test_a_featured_recipe_is_published_on_facebook_and_instagram(demo):
    campaign_id = restaurant_campaign(demo)
    with demo.engine.begin() as connection:
        rule = connection.execute(
            select(automation_rules).where(automation_rules.c.name == "plat_du_jour")
        ).one()
        connection.execute(
            update(automation_rules)
            .where(automation_rules.c.id == rule.id)
            .values(
                enabled=True,
                enabled_at=datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1),
                config=rule.config | {"campaign_id": campaign_id},
            )
        )
        store_deliveries(
            connection,
            [Delivery("recipes:evt-1", "recipes", "recipe.featured", featured(demo))],
        )

    assert demo.chain.tick("campaign_automation") == 1
    assert demo.chain.tick("publication_timers") == 1
    demo.chain.tick_until(
        "make_callbacks",
        lambda: len(published(demo)) == 2,
        "the plat du jour is published",
    )

    assert sorted(published(demo)) == ["facebook", "instagram"]
    posts = demo.sandbox.ground_truth()["posts"]
    assert len(posts) == 2


def published(demo) -> list[str]:
    with demo.engine.connect() as connection:
        return list(
            connection.execute(
                select(social_accounts.c.platform)
                .join(publications, publications.c.social_account_id == social_accounts.c.id)
                .where(publications.c.status == "published")
            ).scalars()
        )

"""Posts put straight on the sandbox's platforms, with their publications in the ops store, as
if Make had published them, each account with its own read credential from the platform: what
the insights tests start from."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, insert

from mediaflow_dagster.cms import accounts, campaigns, credentials
from mediaflow_dagster.cms.credential_cipher import CredentialCipher
from mediaflow_dagster.cms.schema import publications
from mediaflow_sandbox.control import SandboxControl
from mediaflow_sandbox.platforms import PostSeed

ACCOUNTS = {
    "facebook": ("page", "104857600123456"),
    "instagram": ("business", "17841400000000001"),
    "youtube": ("channel", "UCmediaflow"),
    "linkedin": ("page", "2414183"),
    "tiktok": ("business", "mediaflow.bistro"),
    "x": ("profile", "1500000000000000001"),
}
LONG_LIVED_SECONDS = 60 * 24 * 3600
"""A long-lived token's lifetime (Meta's page tokens from a long-lived user token: 60 days)."""


def wired_accounts(
    engine: Engine,
    wanted: dict[str, tuple[str, str]],
    name: str,
    hook_url: Callable[[str], str],
) -> dict[str, int]:
    """One account per platform of `wanted` (platform → account type and id on the platform),
    named `name` with the platform filled in, each wired to its Make connection, scenario and
    hook (`hook_url(platform)`); their ids by platform."""
    return {
        platform: accounts.create_social_account(
            engine,
            platform=platform,
            name=name.format(platform=platform),
            account_type=account_type,
            external_account_id=external_id,
            make_connection_id=f"conn-{platform}",
            make_scenario_id=f"scenario-{platform}",
            make_webhook_url=hook_url(platform),
        )["id"]
        for platform, (account_type, external_id) in wanted.items()
    }


def publish_everywhere(
    engine: Engine, sandbox: SandboxControl, published_at: datetime
) -> list[dict]:
    """A campaign of the two days from `published_at` on, targeting one account per platform,
    and one published post of its video on each; the sandbox's seeded posts."""
    account_ids = wired_accounts(
        engine, ACCOUNTS, "Bistro {platform}", lambda _: "https://hook.eu1.make.com/abc"
    )
    for platform, account_id in account_ids.items():
        give_credential(engine, sandbox, account_id, platform, ACCOUNTS[platform][1])
    campaign_id = campaigns.create_campaign(
        engine,
        name="Menu d'hiver",
        description=None,
        topics=[],
        budget=Decimal("600.00"),
        currency="EUR",
        start_date=published_at.date(),
        end_date=published_at.date() + timedelta(days=1),
        social_account_ids=list(account_ids.values()),
    )["id"]
    object_id = campaigns.create_object(
        engine, campaign_id=campaign_id, object_type="video", title="Teaser", sources=[], config={}
    )["id"]
    seeded = sandbox.seed_posts(
        PostSeed(
            platform=platform,
            account_id=external_id,
            publication_id=number,
            published_at=published_at,
        )
        for number, (platform, (_, external_id)) in enumerate(ACCOUNTS.items(), 1)
    )
    at = published_at.replace(tzinfo=None)
    with engine.begin() as connection:
        connection.execute(
            insert(publications),
            [
                {
                    "id": post["publication_id"],
                    "object_id": object_id,
                    "social_account_id": account_ids[post["platform"]],
                    "campaign_id": campaign_id,
                    "status": "published",
                    "idempotency_key": f"menu-{post['publication_id']}",
                    "external_post_id": post["external_id"],
                    "external_url": post["external_url"],
                    "attempts": 1,
                    "approved_at": at - timedelta(minutes=10),
                    "scheduled_time": at - timedelta(minutes=5),
                    "requested_at": at,
                    "published_at": at,
                    "created_at": at,
                    "updated_at": at,
                }
                for post in seeded
            ],
        )
    return seeded


def give_credential(
    engine: Engine,
    sandbox: SandboxControl,
    account_id: int,
    platform: str,
    external_account_id: str,
    **asked,
) -> dict:
    """A token the sandbox's platform issues for the account, good for 60 days (`asked` bends
    it: scopes, lifetime_seconds, refreshable), stored as the account's credential; the token's
    answer."""
    asked = {"lifetime_seconds": LONG_LIVED_SECONDS} | asked
    token = sandbox.issue_account_token(platform, external_account_id, **asked)
    expires_at = token.get("expires_at")
    credentials.store_credential(
        engine,
        CredentialCipher(os.environ["MEDIAFLOW_CREDENTIALS_KEYS"]),
        account_id,
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token"),
        expires_at=(
            datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=token["expires_in"])
            if expires_at
            else None
        ),
        scopes=token["scope"].split(),
    )
    return token

"""What both publishing benchmarks start from: an active campaign targeting accounts whose Make
scenario webhooks are the sandbox's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from mediaflow_dagster.cms import accounts, campaigns
from mediaflow_sandbox.control import make_hook_url
from mediaflow_sandbox.settings import SandboxSettings

ACCOUNTS = [
    ("facebook", "page", "104857600123456"),
    ("instagram", "business", "17841400000000001"),
    ("x", "profile", "1500000000000000001"),
    ("linkedin", "page", "2414183"),
]


def active_campaign(engine: Engine, sandbox: SandboxSettings, name: str, platforms: int) -> int:
    """An active campaign targeting the first `platforms` benchmark accounts."""
    account_ids = [
        accounts.create_social_account(
            engine,
            platform=platform,
            name=f"bench {platform}",
            account_type=account_type,
            external_account_id=external_id,
            make_connection_id=f"conn-{platform}-bench",
            make_scenario_id=f"scenario-{platform}-bench",
            make_webhook_url=make_hook_url(sandbox, f"{platform}-bench-hook"),
        )["id"]
        for platform, account_type, external_id in ACCOUNTS[:platforms]
    ]
    today = datetime.now(UTC).date()
    campaign_id = campaigns.create_campaign(
        engine,
        name=name,
        description=None,
        topics=["benchmark"],
        budget=1000,
        currency="EUR",
        start_date=today,
        end_date=today + timedelta(days=30),
        social_account_ids=account_ids,
    )["id"]
    campaigns.change_campaign_status(engine, campaign_id, "active")
    return campaign_id

"""Collecting one hour of insights for 10,000 publications on each of six platforms.

Seeds the sandbox with `--posts` posts per platform (Facebook, Instagram, YouTube, LinkedIn,
TikTok, X; published over the last 40 days, so X's older tweets get public metrics only) and the
ops store with their publications, makes every platform API answer `--latency-ms` late, then
materializes one partition of `raw/post_insight_snapshots` in a fresh child process twice: with
the collectors' default concurrency, then one request at a time. Prints each run's wall time,
requests, rows landed and the child's peak resident memory, and the ratio of the two times.

    .venv/bin/python benchmarks/insights_collection.py [--posts 10000] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from mediaflow_dagster.cms import accounts, campaigns, credentials
from mediaflow_dagster.cms.credential_cipher import CredentialCipher
from mediaflow_dagster.cms.database import migrate, ops_engine, utcnow
from mediaflow_dagster.cms.schema import campaign_objects, publications
from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.addresses import (
    FACEBOOK_PREFIX,
    INSTAGRAM_PREFIX,
    LINKEDIN_PREFIX,
    TIKTOK_PREFIX,
    X_PREFIX,
    YOUTUBE_PREFIX,
)
from mediaflow_sandbox.control import client_environment, running_sandbox
from mediaflow_sandbox.demo import READ_TOKEN_SECONDS
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.platforms import PostSeed
from mediaflow_sandbox.processes import free_local_ports, patched_environ, settings_environment
from mediaflow_sandbox.settings import SandboxSettings

GOAL_SECONDS = 60
GOAL_PEAK_MB = 500
YOUTUBE_REPORT_HOUR = 6
PUBLISHED_OVER_DAYS = 40
PLATFORM_PREFIXES = {
    "facebook": FACEBOOK_PREFIX,
    "instagram": INSTAGRAM_PREFIX,
    "youtube": YOUTUBE_PREFIX,
    "linkedin": LINKEDIN_PREFIX,
    "tiktok": TIKTOK_PREFIX,
    "x": X_PREFIX,
}
ACCOUNTS = {
    "facebook": ("page", "104857600123456"),
    "instagram": ("business", "17841400000000001"),
    "youtube": ("channel", "UCmediaflowbench"),
    "linkedin": ("page", "2414183"),
    "tiktok": ("business", "mediaflow.bench"),
    "x": ("profile", "1500000000000000001"),
}


@dataclass(frozen=True)
class CollectionRun:
    label: str
    seconds: float
    rows: int
    requests: int
    pauses: int
    failures: list[str]
    rss_before_mb: float
    rss_peak_mb: float


def _hour_end() -> datetime:
    """The end of the last whole hour, or the one before when YouTube's daily report would be
    read with it (the benchmark times the hourly reads)."""
    hour_end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return hour_end - timedelta(hours=1) if hour_end.hour == YOUTUBE_REPORT_HOUR else hour_end


HOUR_END = _hour_end()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000, help="posts per platform")
    parser.add_argument("--latency-ms", type=int, default=50, help="latency of every API answer")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="mediaflow-insights-bench-") as home:
        port, tls_port = free_local_ports(2)
        settings = Settings(home=Path(home))
        sandbox_settings = SandboxSettings(
            home=Path(home) / "sandbox", port=port, tls_port=tls_port
        )
        aimed = settings_environment(settings) | client_environment(sandbox_settings)
        with patched_environ(aimed), running_sandbox(sandbox_settings) as sandbox:
            sandbox.set_clock(HOUR_END)
            started = time.monotonic()
            seeded = _seed(sandbox, settings, args.posts)
            console.print(
                f"seeded {seeded} posts and publications in {time.monotonic() - started:.1f} s"
            )
            sandbox.set_faults(
                *(
                    FaultRule(path_prefix=prefix, latency_ms=args.latency_ms)
                    for prefix in PLATFORM_PREFIXES.values()
                )
            )
            runs = [
                _in_child(settings, "concurrent (default)", {}),
                _in_child(
                    settings,
                    "one request at a time",
                    {
                        "insights_requests_in_flight": 1,
                        "insights_requests_in_flight_per_platform": 1,
                    },
                ),
            ]
    _print(console, runs, args)
    concurrent = runs[0]
    ok = (
        concurrent.seconds < GOAL_SECONDS
        and all(run.rss_peak_mb < GOAL_PEAK_MB for run in runs)
        and not any(run.failures for run in runs)
        and len({run.rows for run in runs}) == 1
    )
    return 0 if ok else 1


def _seed(sandbox, settings: Settings, posts_per_platform: int) -> int:
    engine = ops_engine(settings.ops_database_url)
    migrate(engine)
    account_ids = {
        platform: accounts.create_social_account(
            engine,
            platform=platform,
            name=f"bench {platform}",
            account_type=account_type,
            external_account_id=external_id,
            make_connection_id=f"conn-{platform}",
            make_scenario_id=f"scenario-{platform}",
            make_webhook_url="https://hook.eu1.make.com/bench",
        )["id"]
        for platform, (account_type, external_id) in ACCOUNTS.items()
    }
    cipher = CredentialCipher(os.environ["MEDIAFLOW_CREDENTIALS_KEYS"])
    for platform, account_id in account_ids.items():
        token = sandbox.issue_account_token(
            platform, ACCOUNTS[platform][1], lifetime_seconds=READ_TOKEN_SECONDS
        )
        credentials.store_credential(
            engine,
            cipher,
            account_id,
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            expires_at=utcnow() + timedelta(seconds=token["expires_in"]),
            scopes=token["scope"].split(),
        )
    campaign_id = campaigns.create_campaign(
        engine,
        name="Insights benchmark",
        description=None,
        topics=[],
        budget=1000,
        currency="EUR",
        start_date=(HOUR_END - timedelta(days=PUBLISHED_OVER_DAYS)).date(),
        end_date=HOUR_END.date(),
        social_account_ids=list(account_ids.values()),
    )["id"]
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(
            insert(campaign_objects),
            [
                {
                    "id": index + 1,
                    "campaign_id": campaign_id,
                    "object_type": "video",
                    "title": f"Bench {index + 1}",
                    "sources": [],
                    "config": {},
                    "hashtags": [],
                    "status": "published",
                    "created_at": now,
                    "updated_at": now,
                }
                for index in range(posts_per_platform)
            ],
        )
    spread = timedelta(days=PUBLISHED_OVER_DAYS) / posts_per_platform
    seeds = [
        PostSeed(
            platform=platform,
            account_id=ACCOUNTS[platform][1],
            publication_id=len(ACCOUNTS) * index + number + 1,
            published_at=HOUR_END - timedelta(hours=1) - spread * index,
        )
        for index in range(posts_per_platform)
        for number, platform in enumerate(ACCOUNTS)
    ]
    rows = [
        {
            "id": post["publication_id"],
            "object_id": (post["publication_id"] - 1) // len(ACCOUNTS) + 1,
            "social_account_id": account_ids[post["platform"]],
            "campaign_id": campaign_id,
            "status": "published",
            "idempotency_key": f"bench-{post['publication_id']}",
            "external_post_id": post["external_id"],
            "external_url": post["external_url"],
            "attempts": 1,
            "published_at": datetime.fromisoformat(post["published_at"]).replace(tzinfo=None),
            "created_at": now,
            "updated_at": now,
        }
        for post in sandbox.seed_posts(seeds)
    ]
    with engine.begin() as connection:
        connection.execute(insert(publications), rows)
    return len(rows)


def _in_child(settings: Settings, label: str, overrides: dict) -> CollectionRun:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_collect_one_hour, settings, label, overrides).result()


def _collect_one_hour(settings: Settings, label: str, overrides: dict) -> CollectionRun:
    from dagster import DagsterInstance, materialize

    from mediaflow_dagster.assets.insights import post_insight_snapshots
    from mediaflow_dagster.assets.keys import SNAPSHOTS
    from mediaflow_dagster.definitions import build_resources
    from mediaflow_dagster.resources.configuration import resource_from_environment
    from mediaflow_dagster.resources.platforms.insights import PlatformInsights

    resources = build_resources(settings)
    resources["platform_insights"] = resource_from_environment(PlatformInsights, **overrides)
    rss_before = _peak_rss_mb()
    started = time.monotonic()
    result = materialize(
        [post_insight_snapshots],
        partition_key=(HOUR_END - timedelta(hours=1)).strftime("%Y-%m-%d-%H:%M"),
        resources={key: resources[key] for key in ("ops_store", "platform_insights", "warehouse")},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    seconds = time.monotonic() - started
    materialization = [
        event
        for event in result.asset_materializations_for_node("post_insight_snapshots")
        if event.asset_key == SNAPSHOTS
    ]
    failures = [
        event.message for event in result.all_events if event.event_type_value == "STEP_FAILURE"
    ]
    metadata = materialization[0].metadata if materialization else {}
    return CollectionRun(
        label=label,
        seconds=seconds,
        rows=metadata["rows"].value if metadata else 0,
        requests=metadata["requests"].value if metadata else 0,
        pauses=metadata["rate_limit_pauses"].value if metadata else 0,
        failures=failures,
        rss_before_mb=rss_before,
        rss_peak_mb=_peak_rss_mb(),
    )


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _print(console: Console, runs: list[CollectionRun], args: argparse.Namespace) -> None:
    table = Table(
        title=f"One hour of insights: {args.posts} publications x 6 platforms, "
        f"{args.latency_ms} ms per answer"
    )
    for column in ("collector", "seconds", "requests", "rate-limit pauses", "rows landed"):
        table.add_column(column, justify="right")
    table.add_column("peak RSS (MB, before the run)", justify="right")
    for run in runs:
        table.add_row(
            run.label,
            f"{run.seconds:.1f}",
            str(run.requests),
            str(run.pauses),
            str(run.rows),
            f"{run.rss_peak_mb:.0f} ({run.rss_before_mb:.0f})",
        )
    console.print(table)
    concurrent, sequential = runs
    console.print(
        f"concurrent is {sequential.seconds / concurrent.seconds:.1f}x faster than one request "
        f"at a time; goal < {GOAL_SECONDS} s and peak RSS < {GOAL_PEAK_MB} MB"
    )
    for run in runs:
        for failure in run.failures:
            console.print(f"[red]{run.label} failed:[/] {failure}")


if __name__ == "__main__":
    sys.exit(main())

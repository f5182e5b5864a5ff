"""dbt over ten million insight snapshots, on DuckDB and on PostgreSQL.

Lands `--posts` publications (spread over six platforms, 20 campaigns and their accounts) in the
raw schema, and `--hours` hourly snapshots of every native metric of each (about 10 million rows
by default), generated inside the database. Then times, on each adapter:

- a full build (`dbt build --full-refresh`: every model and every test);
- one more hour landed, and the incremental build of that hour's partition (the hourly models
  and the tests whose every parent they are, with the window var), as Dagster runs it hourly.

Prints the times and the dbt process's peak resident memory, read from /proc while it runs (for
DuckDB the database engine runs inside it; PostgreSQL's server memory is its own and not
counted).

    .venv/bin/python benchmarks/dbt_build.py [--posts 24000] [--hours 72] [--adapters duckdb ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy
from rich.console import Console
from rich.table import Table

from mediaflow_dagster.dbt_project import (
    HOURLY_MODELS,
    PROJECT_DIR,
    RAW_AUDIT_TESTS,
    dbt_build_args,
)
from mediaflow_dagster.partitions import hourly_partitions
from mediaflow_dagster.resources.warehouse import Warehouse

GOAL_PEAK_MB = 500
HIGH_WATER_POLL_SECONDS = 0.05
FIRST_HOUR = datetime(2026, 10, 1, 0, 0)
CAMPAIGNS = 20
POSTGRES_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"
DBT = Path(sys.executable).with_name("dbt")
NATIVE_METRICS = {
    "facebook": [
        ("post_media_view", 1.0),
        ("post_total_media_view_unique", 0.7),
        ("post_clicks", 0.03),
        ("post_reactions_by_type_total.like", 0.05),
        ("post_reactions_by_type_total.love", 0.01),
        ("comments", 0.008),
        ("shares", 0.004),
    ],
    "instagram": [
        ("views", 1.0),
        ("reach", 0.7),
        ("likes", 0.06),
        ("comments", 0.008),
        ("shares", 0.004),
        ("saved", 0.006),
        ("total_interactions", 0.078),
    ],
    "youtube": [
        ("viewCount", 1.0),
        ("likeCount", 0.04),
        ("commentCount", 0.005),
        ("favoriteCount", 0.0),
    ],
    "linkedin": [
        ("impressionCount", 1.0),
        ("uniqueImpressionsCount", 0.6),
        ("clickCount", 0.02),
        ("likeCount", 0.03),
        ("commentCount", 0.004),
        ("shareCount", 0.003),
    ],
    "tiktok": [
        ("view_count", 1.0),
        ("like_count", 0.08),
        ("comment_count", 0.01),
        ("share_count", 0.006),
    ],
    "x": [
        ("impression_count", 1.0),
        ("like_count", 0.02),
        ("retweet_count", 0.004),
        ("reply_count", 0.003),
        ("quote_count", 0.001),
        ("bookmark_count", 0.002),
        ("url_link_clicks", 0.01),
        ("user_profile_clicks", 0.003),
    ],
}
PLATFORMS = list(NATIVE_METRICS)
API_VERSIONS = {
    "facebook": "v24.0",
    "instagram": "v24.0",
    "youtube": "v3",
    "linkedin": "202411",
    "tiktok": "v2",
    "x": "2",
}


@dataclass(frozen=True)
class Timing:
    adapter: str
    step: str
    seconds: float
    peak_mb: float
    rows: int


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=24_000)
    parser.add_argument("--hours", type=int, default=72)
    parser.add_argument("--adapters", nargs="+", default=["duckdb", "postgres"])
    args = parser.parse_args()
    console = Console()
    timings: list[Timing] = []
    with tempfile.TemporaryDirectory(prefix="mediaflow-dbt-bench-") as folder:
        for adapter in args.adapters:
            warehouse = _warehouse(adapter, Path(folder))
            started = time.monotonic()
            rows = _land(warehouse, args.posts, args.hours)
            console.print(
                f"{adapter}: landed {rows:,} snapshot rows in {time.monotonic() - started:.0f} s"
            )
            environment = {
                **os.environ,
                **warehouse.dbt_environment(),
                "DBT_TARGET_PATH": str(Path(folder) / f"target-{adapter}"),
                "DBT_LOG_PATH": str(Path(folder) / f"logs-{adapter}"),
            }
            timings.append(
                _dbt(console, adapter, "full build", ["build", "--full-refresh"], environment, rows)
            )
            next_hour = FIRST_HOUR + timedelta(hours=args.hours)
            added = _land_hour(warehouse, args.posts, args.hours)
            window = hourly_partitions.time_window_for_partition_key(
                next_hour.strftime("%Y-%m-%d-%H:%M")
            )
            timings.append(
                _dbt(
                    console,
                    adapter,
                    "one incremental hour",
                    [
                        *dbt_build_args(window),
                        "--select",
                        HOURLY_MODELS,
                        "--exclude",
                        RAW_AUDIT_TESTS,
                    ],
                    {**environment, "DBT_INDIRECT_SELECTION": "cautious"},
                    added,
                )
            )
            _drop(adapter, warehouse)
    _print(console, timings, args)
    return 0 if all(timing.peak_mb < GOAL_PEAK_MB for timing in timings) else 1


def _warehouse(adapter: str, folder: Path) -> Warehouse:
    if adapter == "duckdb":
        return Warehouse(
            backend="embedded",
            duckdb_path=str(folder / "bench.duckdb"),
            postgres_url=f"{POSTGRES_SERVER}/postgres",
        )
    database = f"mediaflow_dbt_bench_{os.getpid()}"
    with sqlalchemy.create_engine(
        f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT"
    ).connect() as connection:
        connection.execute(sqlalchemy.text(f"create database {database}"))
    return Warehouse(
        backend="postgres", duckdb_path="", postgres_url=f"{POSTGRES_SERVER}/{database}"
    )


def _drop(adapter: str, warehouse: Warehouse) -> None:
    if adapter == "postgres":
        database = sqlalchemy.make_url(warehouse.postgres_url).database
        with sqlalchemy.create_engine(
            f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT"
        ).connect() as connection:
            connection.execute(sqlalchemy.text(f"drop database {database} with (force)"))


def _land(warehouse: Warehouse, posts: int, hours: int) -> int:
    """The ops tables through the warehouse resource, the snapshots generated in SQL."""
    for table, frame in _ops_tables(posts).items():
        warehouse.replace(table, frame)
    warehouse.append("post_insight_snapshots", pd.DataFrame(columns=["publication_id"]))
    _execute(warehouse, _snapshot_insert(posts, 0, hours))
    return int(warehouse.query("select count(*) from raw.post_insight_snapshots").iloc[0, 0])


def _land_hour(warehouse: Warehouse, posts: int, hour: int) -> int:
    before = int(warehouse.query("select count(*) from raw.post_insight_snapshots").iloc[0, 0])
    _execute(warehouse, _snapshot_insert(posts, hour, hour + 1))
    return (
        int(warehouse.query("select count(*) from raw.post_insight_snapshots").iloc[0, 0]) - before
    )


def _execute(warehouse: Warehouse, sql: str) -> None:
    if warehouse.backend == "postgres":
        engine = sqlalchemy.create_engine(warehouse.postgres_url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(sql))
        engine.dispose()
    else:
        with duckdb.connect(warehouse.duckdb_path) as connection:
            connection.execute(sql)


def _snapshot_insert(posts: int, first_hour: int, end_hour: int) -> str:
    """Lifetime counters that saturate over each post's first day: `peak x (1 - e^(-h/8))`,
    the post's peak drawn from its id; every metric a fixed share of views."""
    metrics = ", ".join(
        f"('{platform}', '{metric}', {share})"
        for platform, pairs in NATIVE_METRICS.items()
        for metric, share in pairs
    )
    platforms = ", ".join(f"({index}, '{name}')" for index, name in enumerate(PLATFORMS))
    versions = " ".join(f"when '{name}' then '{version}'" for name, version in API_VERSIONS.items())
    return f"""
        insert into raw.post_insight_snapshots
            (publication_id, platform, external_post_id, metric, value, collected_at,
             partition_hour, api_version, run_id, source)
        select
            post.id,
            platform.name,
            'post-' || cast(post.id as varchar),
            metric.name,
            cast(floor((1000 + (post.id * 7919) % 20000) * metric.share
                 * (1 - exp(-cast(hour.n as double precision) / 8))) as bigint),
            timestamp '{FIRST_HOUR:%Y-%m-%d %H:%M:%S}' + (hour.n * interval '1 hour')
                + interval '5 minutes',
            timestamp '{FIRST_HOUR:%Y-%m-%d %H:%M:%S}' + (hour.n * interval '1 hour'),
            case platform.name {versions} end,
            'bench-run-' || cast(hour.n as varchar),
            'schedule'
        from generate_series(1, {posts}) as post (id)
        inner join (values {platforms}) as platform (position, name)
            on post.id % {len(PLATFORMS)} = platform.position
        inner join (values {metrics}) as metric (platform, name, share)
            on metric.platform = platform.name
        cross join generate_series({first_hour}, {end_hour - 1}) as hour (n)
    """


def _ops_tables(posts: int) -> dict[str, pd.DataFrame]:
    published_at = pd.Timestamp(FIRST_HOUR) - pd.Timedelta(minutes=10)
    created = pd.Timestamp(FIRST_HOUR) - pd.Timedelta(days=1)
    accounts = pd.DataFrame(
        {
            "id": range(1, len(PLATFORMS) + 1),
            "platform": PLATFORMS,
            "name": [f"bench {name}" for name in PLATFORMS],
            "account_type": "page",
            "external_account_id": [f"account-{name}" for name in PLATFORMS],
            "status": "active",
            "created_at": created,
            "updated_at": created,
        }
    )
    campaigns = pd.DataFrame(
        {
            "id": range(1, CAMPAIGNS + 1),
            "name": [f"Campaign {number}" for number in range(1, CAMPAIGNS + 1)],
            "topics": "[]",
            "budget": 10_000.0,
            "currency": "EUR",
            "start_date": FIRST_HOUR.date(),
            "end_date": (FIRST_HOUR + timedelta(days=29)).date(),
            "status": "active",
            "created_at": created,
            "updated_at": created,
        }
    )
    targets = pd.DataFrame(
        [
            {"campaign_id": campaign, "social_account_id": account, "is_active": True}
            for campaign in range(1, CAMPAIGNS + 1)
            for account in range(1, len(PLATFORMS) + 1)
        ]
    ).assign(created_at=created)
    objects = pd.DataFrame(
        {
            "id": range(1, CAMPAIGNS + 1),
            "campaign_id": range(1, CAMPAIGNS + 1),
            "object_type": "video",
            "title": "Bench",
            "sources": "[]",
            "config": "{}",
            "status": "published",
            "hashtags": "[]",
            "created_at": created,
            "updated_at": created,
        }
    )
    ids = pd.RangeIndex(1, posts + 1)
    publications = pd.DataFrame(
        {
            "id": ids,
            "object_id": ids % CAMPAIGNS + 1,
            "campaign_id": ids % CAMPAIGNS + 1,
            "social_account_id": ids % len(PLATFORMS) + 1,
            "status": "published",
            "idempotency_key": [f"bench-{number}" for number in ids],
            "external_post_id": [f"post-{number}" for number in ids],
            "attempts": 1,
            "approved_at": published_at - pd.Timedelta(minutes=5),
            "requested_at": published_at - pd.Timedelta(minutes=1),
            "published_at": published_at,
            "created_at": created,
            "updated_at": published_at,
        }
    )
    return {
        "campaigns": campaigns,
        "social_accounts": accounts,
        "campaign_targets": targets,
        "campaign_objects": objects,
        "publications": publications,
    }


def _dbt(
    console: Console,
    adapter: str,
    step: str,
    arguments: list[str],
    environment: dict[str, str],
    rows: int,
) -> Timing:
    console.print(f"{adapter}: {step} …")
    command = [
        str(DBT),
        *arguments,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
    ]
    with tempfile.TemporaryFile("w+") as output:
        started = time.monotonic()
        process = subprocess.Popen(
            command, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        peak_mb = 0.0
        while process.poll() is None:
            peak_mb = max(peak_mb, _high_water_mb(process.pid))
            time.sleep(HIGH_WATER_POLL_SECONDS)
        seconds = time.monotonic() - started
        if process.returncode:
            output.seek(0)
            console.print(output.read()[-4000:])
            raise SystemExit(f"{adapter}: dbt {' '.join(arguments)} failed")
    console.print(f"{adapter}: {step} took {seconds:.1f} s")
    return Timing(adapter, step, seconds, peak_mb, rows)


def _high_water_mb(pid: int) -> float:
    """The process's resident high-water mark (`VmHWM`), 0 once it has exited. Read from /proc
    while dbt runs: `ru_maxrss` of a child started from this process would count this
    process's own memory, which the child inherits until it execs dbt."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    kilobytes = next(
        (line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")), "0"
    )
    return int(kilobytes) / 1024


def _print(console: Console, timings: list[Timing], args: argparse.Namespace) -> None:
    table = Table(
        title=f"dbt over {args.posts:,} posts x {args.hours} hourly snapshots of every metric"
    )
    for column in ("adapter", "step", "snapshot rows", "seconds", "dbt peak RSS (MB)"):
        table.add_column(column, justify="right")
    for timing in timings:
        table.add_row(
            timing.adapter,
            timing.step,
            f"{timing.rows:,}",
            f"{timing.seconds:.1f}",
            f"{timing.peak_mb:.0f}",
        )
    console.print(table)
    console.print(f"goal: peak RSS < {GOAL_PEAK_MB} MB")


if __name__ == "__main__":
    sys.exit(main())

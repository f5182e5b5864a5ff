"""The bar for the warehouse: with duplicate, late and out-of-order snapshots and a counter that
goes down, every mart reconciles to the sandbox's ground truth to the unit, on both backends.

Posts on all six platforms are collected hour by hour across midnight by the real insights job
(collection and the hourly dbt models) against the sandbox, one hour twice; n8n posts readings
late and in reverse order through the API; the sandbox restates two counters downwards; then the
warehouse job builds the marts. The expected figures are computed here from the sandbox's own
counters at the instants the snapshots were read.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from rich.console import Console
from starlette.testclient import TestClient
from support.published import publish_everywhere
from support.signing import n8n_signed

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.definitions import build_resources
from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.local_runs import LocalOrchestrator
from mediaflow_sandbox.unified import UNIFIED_METRICS, unified

PUBLISHED_AT = datetime(2026, 11, 20, 21, 20, tzinfo=UTC)
SCHEDULED_READS = [
    datetime(2026, 11, 20, 22, 5, tzinfo=UTC),
    datetime(2026, 11, 20, 23, 5, tzinfo=UTC),
    datetime(2026, 11, 21, 0, 5, tzinfo=UTC),
    datetime(2026, 11, 21, 1, 5, tzinfo=UTC),
]
LATE_N8N_READS = [
    datetime(2026, 11, 21, 0, 35, tzinfo=UTC),
    datetime(2026, 11, 20, 23, 35, tzinfo=UTC),
]
RESTATED_FROM = datetime(2026, 11, 21, 0, 30, tzinfo=UTC)


def n8n_readings(truth: dict, at: datetime) -> list[dict]:
    """What an n8n insights workflow reads of every post at `at`, in native names."""
    readings = []
    for post in truth["posts"]:
        for metric, value in post["metrics"].items():
            values = (
                {f"{metric}.{key}": count for key, count in value.items()}
                if isinstance(value, dict)
                else {metric: value}
            )
            readings += [
                {
                    "platform": post["platform"],
                    "external_post_id": post["external_id"],
                    "metric": name,
                    "value": None if post["withheld"] else count,
                    "collected_at": at.isoformat(),
                }
                for name, count in values.items()
            ]
    return readings


@pytest.fixture
def collected(aimed: Settings, sandbox) -> dict:
    """The scenario, run; the sandbox's counters at every instant a snapshot was read."""
    engine = ops_engine(aimed.ops_database_url)
    migrate(engine)
    sandbox.set_clock(PUBLISHED_AT)
    posts = publish_everywhere(engine, sandbox, PUBLISHED_AT)
    own = {post["external_id"] for post in posts}
    truth_at = {}
    api = TestClient(create_app(aimed))
    with LocalOrchestrator(aimed, Console(quiet=True)) as chain:
        for index, read_at in enumerate(SCHEDULED_READS):
            if read_at == SCHEDULED_READS[2]:
                for post in posts:
                    if post["platform"] in ("facebook", "x"):
                        metric = (
                            "post_reactions_by_type_total.like"
                            if post["platform"] == "facebook"
                            else "like_count"
                        )
                        sandbox.restate(
                            post["platform"],
                            post["external_id"],
                            metric,
                            since=RESTATED_FROM,
                            factor=0.5,
                        )
            if read_at == SCHEDULED_READS[3]:
                late = []
                for at in LATE_N8N_READS:
                    truth_at[at] = _own(sandbox.ground_truth(at), own)
                    late += n8n_readings(truth_at[at], at)
                raw, headers = n8n_signed({"type": "insights.collected", "readings": late})
                assert api.post("/api/analytics", content=raw, headers=headers).status_code == 202
            sandbox.set_clock(read_at)
            truth_at[read_at] = _own(sandbox.ground_truth(read_at), own)
            partition = (read_at - timedelta(hours=1)).strftime("%Y-%m-%d-%H:00")
            chain.run("insights_job", partition)
            if index == 1:
                chain.run("insights_job", partition)
        marts_run = chain.run("warehouse_job")
        warehouse = build_resources(aimed, resolve_secrets=True)["warehouse"]
    return {
        "truth_at": truth_at,
        "posts": posts,
        "warehouse": warehouse,
        "checks": marts_run.get_asset_check_evaluations(),
    }


def _own(truth: dict, own: set[str]) -> dict:
    return {**truth, "posts": [post for post in truth["posts"] if post["external_id"] in own]}


def expected_lifetimes(truth_at: dict) -> pd.DataFrame:
    """Per post, metric and instant read, the unified lifetime value; withheld values left out."""
    rows = []
    for at, truth in truth_at.items():
        for post in truth["posts"]:
            if post["withheld"]:
                continue
            for metric, value in unified(post["platform"], post["metrics"]).items():
                if value is not None:
                    rows.append(
                        {
                            "publication_id": post["publication_id"],
                            "platform": post["platform"],
                            "metric": metric,
                            "at": at.replace(tzinfo=None),
                            "value": value,
                        }
                    )
    return pd.DataFrame(rows).sort_values(["publication_id", "metric", "at"])


def expected_daily(lifetimes: pd.DataFrame) -> dict[tuple[str, date, str], int]:
    """Per platform, day and metric: the growth over the day (last value of the day minus the
    last value before it, from 0 at publish)."""
    daily: dict[tuple[str, date, str], int] = defaultdict(int)
    for (_, platform, metric), series in lifetimes.groupby(
        ["publication_id", "platform", "metric"]
    ):
        previous = 0
        for day, values in series.groupby(series["at"].dt.date):
            last = int(values.sort_values("at")["value"].iloc[-1])
            daily[(platform, day, metric)] += last - previous
            previous = last
    return dict(daily)


@pytest.mark.slow
def test_every_mart_and_check_reconciles_to_the_ground_truth_to_the_unit(collected):
    lifetimes = expected_lifetimes(collected["truth_at"])
    daily = expected_daily(lifetimes)
    latest = lifetimes.sort_values("at").groupby(["publication_id", "metric"]).last()
    warehouse = collected["warehouse"]

    assert (latest["value"] < 0).sum() == 0
    _assert_counter_decreases_are_flagged(warehouse, lifetimes)
    _assert_daily(warehouse, "campaign_performance__daily", daily)
    _assert_daily(warehouse, "platform_performance__daily", daily)
    _assert_summary(warehouse, latest)
    _assert_growth_curve(warehouse, lifetimes)
    failed_checks = [check.check_name for check in collected["checks"] if not check.passed]
    assert failed_checks == []
    assert "impressions_reconcile_to_raw" in {check.check_name for check in collected["checks"]}


def _assert_counter_decreases_are_flagged(warehouse, lifetimes: pd.DataFrame) -> None:
    flagged = warehouse.query(
        "select platform, sum(counter_decreases) as decreases "
        "from marts.fct_post_hourly group by platform"
    ).set_index("platform")["decreases"]
    assert flagged["facebook"] > 0 and flagged["x"] > 0
    assert flagged.drop(["facebook", "x"]).sum() == 0


def _assert_daily(warehouse, mart: str, daily: dict) -> None:
    """Each (platform, day) row of `mart`, summed over its campaigns: the day's growth; NULL for
    a metric the platform lacks, 0 for one it has that did not grow."""
    reported = {(platform, metric) for platform, _, metric in daily}
    marts = warehouse.query(
        f"select platform, day, {', '.join(f'sum({m}) as {m}' for m in UNIFIED_METRICS)} "
        f"from marts.{mart} group by platform, day"
    )
    assert len(marts) == len({(platform, day) for platform, day, _ in daily})
    for row in marts.to_dict("records"):
        day = pd.Timestamp(row["day"]).date()
        for metric in UNIFIED_METRICS:
            expected = daily.get(
                (row["platform"], day, metric),
                0 if (row["platform"], metric) in reported else None,
            )
            actual = None if pd.isna(row[metric]) else int(row[metric])
            assert actual == expected, (mart, row["platform"], day, metric, actual, expected)


def _assert_summary(warehouse, latest: pd.DataFrame) -> None:
    summary = warehouse.query(
        f"select {', '.join(UNIFIED_METRICS)} from marts.campaign_performance__summary"
    ).iloc[0]
    totals = latest.groupby("metric")["value"].sum()
    for metric in UNIFIED_METRICS:
        assert int(summary[metric]) == int(totals[metric]), metric


def _assert_growth_curve(warehouse, lifetimes: pd.DataFrame) -> None:
    curve = warehouse.query(
        "select publication_id, hours_since_publish, impressions "
        "from marts.post_performance__growth_curve"
    )
    impressions = lifetimes[lifetimes["metric"] == "impressions"]
    publish_hour = PUBLISHED_AT.replace(tzinfo=None, minute=0)
    assert len(curve) == len(SCHEDULED_READS) * 6 + 6
    for row in curve.to_dict("records"):
        hour_end = publish_hour + timedelta(hours=int(row["hours_since_publish"]) + 1)
        known = impressions[
            (impressions["publication_id"] == row["publication_id"])
            & (impressions["at"] < hour_end)
        ]
        expected = int(known["value"].iloc[-1]) if len(known) else None
        actual = None if pd.isna(row["impressions"]) else int(row["impressions"])
        assert actual == expected, row

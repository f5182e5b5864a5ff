"""Hourly insights: each published post's lifetime counters, landed append-only in the warehouse,
with the readings n8n posted to `/api/analytics` since the last run."""

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime

import pandas as pd
from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetIn,
    AssetOut,
    BackfillPolicy,
    DagsterLogManager,
    Failure,
    In,
    MetadataValue,
    Nothing,
    OpDefinition,
    OpExecutionContext,
    Out,
    Output,
    graph_multi_asset,
    op,
)

from mediaflow_dagster.assets.keys import DAILY_REPORTS, SNAPSHOTS, ops_key
from mediaflow_dagster.cms.credential_cipher import CredentialCipher
from mediaflow_dagster.cms.credentials import (
    mark_for_reconnection,
    read_credentials,
    record_refresh,
)
from mediaflow_dagster.cms.dependencies import record_dependency
from mediaflow_dagster.cms.insights import mark_landed, unlanded_readings
from mediaflow_dagster.cms.publishing import published_posts
from mediaflow_dagster.partitions import hourly_partitions
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.platforms.insights import (
    INSIGHTS_PLATFORMS,
    PlatformInsights,
    PlatformOutcome,
)
from mediaflow_dagster.resources.platforms.readings import PublishedPost
from mediaflow_dagster.resources.warehouse import WAREHOUSE_POOL, Warehouse
from mediaflow_dagster.tables import markdown_table

SNAPSHOT_KEY = ["publication_id", "metric", "collected_at"]


@dataclass(frozen=True)
class CollectedHour:
    """One platform's readings of the hour as raw rows, handed from its step to the landing
    step; it holds no credential (refreshed tokens are stored by the step that got them)."""

    snapshots: pd.DataFrame
    daily_reports: pd.DataFrame
    summary: list[dict]
    failures: list[str]


def _hour(context: OpExecutionContext) -> tuple[datetime, datetime]:
    window = context.partition_time_window
    return window.start.replace(tzinfo=None), window.end.replace(tzinfo=None)


def collect_platform(platform: str) -> OpDefinition:
    """The step that reads `platform`'s counters of the hour. Each platform is a step of its
    own, so on the Celery executor the platforms are read on several workers at once; a step
    writes only the ops store (credentials refreshed, the platform's state), never the
    warehouse, so a step run again lands nothing twice."""

    @op(name=f"collect_{platform}_insights", ins={"publications": In(Nothing)})
    def _collect(
        context: OpExecutionContext, ops_store: OpsStore, platform_insights: PlatformInsights
    ) -> CollectedHour:
        hour_start, hour_end = _hour(context)
        return _collect_hour(
            ops_store,
            platform_insights,
            platform,
            hour_start,
            hour_end,
            context.run.run_id,
            context.log,
        )

    return _collect


@op(
    ins={platform: In(CollectedHour) for platform in INSIGHTS_PLATFORMS},
    out={"snapshots": Out(Nothing), "daily_reports": Out(Nothing)},
    pool=WAREHOUSE_POOL,
)
def land_insights(
    context: OpExecutionContext, ops_store: OpsStore, warehouse: Warehouse, **hours: CollectedHour
) -> Iterator[Output]:
    """Every platform's rows of the hour appended to the warehouse in one step, with n8n's
    readings not yet landed, except those the schedule read at the same instant. A platform
    that failed loses only its own part of the hour: the others land, then the step fails."""
    hour_start, _ = _hour(context)
    run_id = context.run.run_id
    collected = [hours[platform] for platform in INSIGHTS_PLATFORMS]
    scheduled = pd.concat([hour.snapshots for hour in collected], ignore_index=True)
    daily_reports = pd.concat([hour.daily_reports for hour in collected], ignore_index=True)
    summary = [row for hour in collected for row in hour.summary]
    failures = [failure for hour in collected for failure in hour.failures]
    n8n_readings = unlanded_readings(ops_store.engine)
    from_n8n = _new_n8n_rows(n8n_readings, scheduled, hour_start, run_id)
    snapshots = pd.concat([scheduled, from_n8n], ignore_index=True)
    if not snapshots.empty:
        warehouse.append("post_insight_snapshots", snapshots)
    if not daily_reports.empty:
        warehouse.append("post_daily_reports", daily_reports)
    if n8n_readings:
        mark_landed(ops_store.engine, [reading["id"] for reading in n8n_readings], run_id)
    metadata = {
        "rows": len(snapshots),
        "rows_from_n8n": len(from_n8n),
        "n8n_readings_already_collected": len(n8n_readings) - len(from_n8n),
        "requests": sum(platform.get("requests", 0) for platform in summary),
        "rate_limit_pauses": sum(platform.get("rate-limit pauses", 0) for platform in summary),
        "platforms": MetadataValue.md(markdown_table(summary)),
    }
    if failures:
        raise Failure(
            f"{len(failures)} platform(s) failed to report for hour "
            f"{context.partition_key}: {'; '.join(failures)}",
            metadata=metadata,
        )
    yield Output(None, "snapshots", metadata=metadata)
    yield Output(None, "daily_reports", metadata={"rows": len(daily_reports)})


@graph_multi_asset(
    outs={
        "snapshots": AssetOut(
            key=SNAPSHOTS,
            description="Lifetime counters of every published post, appended hourly: one row "
            "per (post, native metric, collected_at), with the API version and the run.",
            kinds={"duckdb", "postgres"},
        ),
        "daily_reports": AssetOut(
            key=DAILY_REPORTS,
            description="Per-day values of the platforms' daily reports (YouTube Analytics), "
            "appended when the hour collects them; a later collection restates a day.",
            kinds={"duckdb", "postgres"},
        ),
    },
    ins={"publications": AssetIn(ops_key("publications"), dagster_type=Nothing)},
    partitions_def=hourly_partitions,
    backfill_policy=BackfillPolicy.multi_run(max_partitions_per_run=1),
    group_name="insights",
    name="post_insight_snapshots",
)
def collected_insights(publications):
    """Lifetime counters of every post published before the hour's end, read from each
    platform's API, one step per platform, then landed together, one row per (post, metric,
    collected_at), appended."""
    return land_insights(
        **{
            platform: collect_platform(platform)(publications=publications)
            for platform in INSIGHTS_PLATFORMS
        }
    )


# Every hour reads every publication so far: each asset's dependency on them is on all their
# partitions (a graph's inputs give that mapping to one of its assets only).
post_insight_snapshots = collected_insights.map_asset_specs(
    lambda spec: spec.replace_attributes(
        deps=[AssetDep(ops_key("publications"), partition_mapping=AllPartitionMapping())]
    )
)


def _collect_hour(
    ops_store: OpsStore,
    platform_insights: PlatformInsights,
    platform: str,
    hour_start: datetime,
    hour_end: datetime,
    run_id: str,
    log: DagsterLogManager,
) -> CollectedHour:
    """The platform's readings of the hour as raw rows; the posts and reading objects are
    dropped on return (some 60,000 readings for 10,000 posts of one platform)."""
    posts = [
        PublishedPost(
            post["publication_id"],
            post["external_post_id"],
            post["external_account_id"],
            post["published_at"],
        )
        for post in published_posts(ops_store.engine, hour_end, platform=platform)
    ]
    log.info(f"{platform}: reading {len(posts)} posts")
    cipher = CredentialCipher(platform_insights.credentials_keys)
    outcomes = platform_insights.collect(
        {platform: posts},
        hour_end,
        read_credentials(ops_store.engine, cipher),
        lambda outcome: log.info(_progress(outcome)),
    )
    _keep_credential_changes(ops_store, cipher, outcomes, log)
    for outcome in outcomes:
        record_dependency(ops_store.engine, outcome.platform, not outcome.error, outcome.error)
    return CollectedHour(
        snapshots=_collected_rows(
            outcomes, "readings", partition_hour=hour_start, run_id=run_id, source="schedule"
        ),
        daily_reports=_collected_rows(outcomes, "daily", run_id=run_id),
        summary=_summary(outcomes),
        failures=[f"{outcome.platform}: {outcome.error}" for outcome in outcomes if outcome.error],
    )


def _keep_credential_changes(
    ops_store: OpsStore,
    cipher: CredentialCipher,
    outcomes: list[PlatformOutcome],
    log: DagsterLogManager,
) -> None:
    """Refreshed tokens stored (encrypted); accounts whose credential was refused marked for
    reconnection with the reason (which never holds a token)."""
    for outcome in outcomes:
        for account_id, refreshed in outcome.refreshed.items():
            record_refresh(
                ops_store.engine,
                cipher,
                account_id,
                access_token=refreshed.access_token,
                refresh_token=refreshed.refresh_token,
                expires_at=refreshed.expires_at,
            )
            log.info(f"{outcome.platform}: social account {account_id}: token refreshed")
        for failure in outcome.account_failures:
            if failure.reconnect and failure.social_account_id is not None:
                mark_for_reconnection(ops_store.engine, failure.social_account_id, failure.reason)
                log.warning(
                    f"{outcome.platform}: social account {failure.social_account_id} marked for "
                    f"reconnection: {failure.reason}"
                )


def _progress(outcome: PlatformOutcome) -> str:
    readings = len(outcome.collected.readings) if outcome.collected else 0
    failed = f", failed: {outcome.error}" if outcome.error else ""
    return (
        f"{outcome.platform}: {outcome.posts} posts, {readings} readings{failed} "
        f"({outcome.requests} requests, {outcome.seconds:.1f} s)"
    )


def _collected_rows(outcomes: list[PlatformOutcome], kind: str, **columns) -> pd.DataFrame:
    """The outcomes' `readings` or `daily` readings as raw rows, with `columns` added; built
    column by column (an hour of 60,000 posts is some 360,000 readings)."""
    frames = []
    for outcome in outcomes:
        readings = getattr(outcome.collected, kind) if outcome.collected else []
        if readings:
            frames.append(
                pd.DataFrame(
                    {
                        field.name: [getattr(reading, field.name) for reading in readings]
                        for field in fields(readings[0])
                    }
                ).assign(platform=outcome.platform, api_version=outcome.api_version)
            )
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True).assign(**columns)


def _new_n8n_rows(
    readings: list[dict], scheduled: pd.DataFrame, hour_start: datetime, run_id: str
) -> pd.DataFrame:
    """n8n's readings, less those the schedule read at the same instant (the same snapshot)."""
    if not readings:
        return pd.DataFrame()
    frame = pd.DataFrame(readings).drop(columns=["id", "batch_id", "received_at", "landed_run_id"])
    if not scheduled.empty:
        already = frame.merge(scheduled[SNAPSHOT_KEY], on=SNAPSHOT_KEY, how="left", indicator=True)
        frame = frame[(already["_merge"] == "left_only").to_numpy()]
    return frame.assign(partition_hour=hour_start, run_id=run_id, source="n8n")


def _summary(outcomes: list[PlatformOutcome]) -> list[dict]:
    return [
        {
            "platform": outcome.platform,
            "posts": outcome.posts,
            "readings": len(outcome.collected.readings) if outcome.collected else 0,
            "missing posts": len(outcome.collected.missing) if outcome.collected else 0,
            "requests": outcome.requests,
            "rate-limit pauses": outcome.pauses,
            "seconds": round(outcome.seconds, 2),
            "error": outcome.error or "",
        }
        for outcome in outcomes
    ]

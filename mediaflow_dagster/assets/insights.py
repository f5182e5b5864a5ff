"""Hourly insights: each published post's lifetime counters, landed append-only in the warehouse."""

from collections import defaultdict
from dataclasses import asdict

import pandas as pd
from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from mediaflow_dagster.cms.publishing import published_posts
from mediaflow_dagster.partitions import hourly_partitions
from mediaflow_dagster.resources.http import ServiceUnavailable
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.platforms.insights import PlatformInsights
from mediaflow_dagster.resources.platforms.readings import PlatformRefused, PublishedPost
from mediaflow_dagster.resources.warehouse import WAREHOUSE_POOL, Warehouse
from mediaflow_dagster.tables import markdown_table


@asset(
    key=AssetKey(["raw", "post_insight_snapshots"]),
    group_name="insights",
    partitions_def=hourly_partitions,
    deps=[AssetDep("publications", partition_mapping=AllPartitionMapping())],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "postgres"},
)
def post_insight_snapshots(
    context: AssetExecutionContext,
    ops_store: OpsStore,
    platform_insights: PlatformInsights,
    warehouse: Warehouse,
) -> MaterializeResult:
    """Lifetime counters of every post published before the hour's end, one row per (post,
    metric, collected_at), appended: a platform that fails loses only its own part of the hour."""
    window = context.partition_time_window
    hour_start, hour_end = (moment.replace(tzinfo=None) for moment in (window.start, window.end))
    posts_by_platform: dict[str, list[PublishedPost]] = defaultdict(list)
    for post in published_posts(ops_store.engine, hour_end):
        posts_by_platform[post["platform"]].append(
            PublishedPost(post["publication_id"], post["external_post_id"])
        )
    frames, summary, failures = [], [], []
    for platform, posts in sorted(posts_by_platform.items()):
        if not platform_insights.supports(platform):
            summary.append({"platform": platform, "posts": len(posts), "readings": "no collector"})
            continue
        try:
            readings = platform_insights.collect(platform, posts)
        except (PlatformRefused, ServiceUnavailable) as error:
            failures.append({"platform": platform, "posts": len(posts), "error": str(error)})
            continue
        frames.append(
            pd.DataFrame([asdict(reading) for reading in readings]).assign(
                platform=platform, api_version=platform_insights.api_version(platform)
            )
        )
        summary.append({"platform": platform, "posts": len(posts), "readings": len(readings)})
    landed = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not landed.empty:
        warehouse.append(
            "post_insight_snapshots",
            landed.assign(partition_hour=hour_start, run_id=context.run.run_id),
        )
    metadata = {
        "rows": len(landed),
        "platforms": MetadataValue.md(markdown_table(summary)),
        "failures": MetadataValue.md(markdown_table(failures)),
    }
    if failures:
        raise Failure(
            f"{len(failures)} platform(s) failed to report for hour {context.partition_key}",
            metadata=metadata,
        )
    return MaterializeResult(metadata=metadata)

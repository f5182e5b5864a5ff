"""Checks that the insights are fresh and that the marts still add up to what was collected."""

from datetime import UTC, datetime, timedelta

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from mediaflow_dagster.assets.keys import PLATFORM_MART, SNAPSHOTS
from mediaflow_dagster.resources.warehouse import Warehouse
from mediaflow_dagster.tables import markdown_table

WARN_AFTER = timedelta(hours=2)
ERROR_AFTER = timedelta(hours=6)

IMPRESSIONS_METRIC = {
    "facebook": "post_media_view",
    "instagram": "views",
    "youtube": "viewCount",
    "linkedin": "impressionCount",
    "tiktok": "view_count",
    "x": "impression_count",
}


@asset_check(asset=SNAPSHOTS, blocking=False)
def snapshots_are_fresh(warehouse: Warehouse) -> AssetCheckResult:
    """The newest snapshot was collected within 2 hours (a warning past that, an error past 6),
    as the dbt source's freshness says."""
    latest = warehouse.query("select max(collected_at) as latest from raw.post_insight_snapshots")
    collected_at = latest.iloc[0, 0]
    if collected_at is None or collected_at != collected_at:
        return AssetCheckResult(passed=False, description="no snapshot has been collected")
    age = datetime.now(UTC).replace(tzinfo=None) - collected_at.to_pydatetime()
    metadata = {
        "latest_collected_at": MetadataValue.text(str(collected_at)),
        "age_minutes": MetadataValue.float(round(age.total_seconds() / 60, 1)),
    }
    return AssetCheckResult(
        passed=age <= WARN_AFTER,
        severity=AssetCheckSeverity.ERROR if age > ERROR_AFTER else AssetCheckSeverity.WARN,
        metadata=metadata,
    )


@asset_check(asset=PLATFORM_MART, additional_deps=[SNAPSHOTS], blocking=False)
def impressions_reconcile_to_raw(warehouse: Warehouse) -> AssetCheckResult:
    """Per platform, the mart's impressions summed over every day equal the sum over posts of
    the latest impressions counter landed raw up to the marts' last collection: nothing lost or
    counted twice between the snapshots and the marts."""
    cases = " ".join(
        f"when '{platform}' then '{metric}'" for platform, metric in IMPRESSIONS_METRIC.items()
    )
    comparison = warehouse.query(
        f"""
        with latest as (
            select platform, publication_id, value,
                   row_number() over (
                       partition by publication_id, metric order by collected_at desc
                   ) as recency
            from raw.post_insight_snapshots
            where value is not null
              and metric = case platform {cases} end
              and collected_at <= (
                  select max(last_collected_at) from marts.campaign_performance__summary
              )
        ),
        raw_totals as (
            select platform, sum(value) as raw_impressions from latest
            where recency = 1 group by platform
        ),
        mart_totals as (
            select platform, sum(impressions) as mart_impressions
            from marts.platform_performance__daily group by platform
        )
        select coalesce(raw_totals.platform, mart_totals.platform) as platform,
               raw_impressions, mart_impressions
        from raw_totals full outer join mart_totals on raw_totals.platform = mart_totals.platform
        order by 1
        """
    )
    rows = comparison.astype({"raw_impressions": "Int64", "mart_impressions": "Int64"})
    mismatched = rows[rows["raw_impressions"].fillna(0) != rows["mart_impressions"].fillna(0)]
    return AssetCheckResult(
        passed=mismatched.empty,
        metadata={"impressions": MetadataValue.md(markdown_table(rows.to_dict("records")))},
    )

"""Asset keys name the store or layer an asset lives in, then the asset: `ops/…` for what runs
keep in the ops store, `raw/…` for the warehouse's landing zone, and dbt's layers `staging/…`,
`intermediate/…`, `marts/…` and `seeds/…` (their schema). Groups say what an asset is about
(content, publishing, insights, …); keys say where to find it."""

from dagster import AssetKey

OPS = "ops"
RAW = "raw"


def ops_key(name: str) -> AssetKey:
    return AssetKey([OPS, name])


SNAPSHOTS = AssetKey([RAW, "post_insight_snapshots"])
DAILY_REPORTS = AssetKey([RAW, "post_daily_reports"])
PLATFORM_MART = AssetKey(["marts", "platform_performance__daily"])

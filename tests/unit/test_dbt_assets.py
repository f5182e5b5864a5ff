"""How the dbt models become Dagster assets: the hourly fact partitioned apart from the rest
(its partitions handed to dbt as vars: test_dbt_arguments.py), the marts held to a daily
freshness policy."""

from dagster import AssetKey

from mediaflow_dagster.assets.dbt import (
    MARTS_FRESHNESS,
    campaign_performance_models,
    hourly_insight_models,
)
from mediaflow_dagster.partitions import hourly_partitions


def test_only_the_fact_reading_snapshots_and_its_views_are_partitioned_by_hour():
    hourly = {key.path[-1] for key in hourly_insight_models.keys}

    assert "fct_post_hourly" in hourly
    assert "int_post_insights__unified_snapshots" in hourly
    assert {name for name in hourly if name.startswith("stg_")} == {
        "stg_platforms__post_insight_snapshots",
        "stg_facebook__post_insights",
        "stg_instagram__post_insights",
        "stg_youtube__video_statistics",
        "stg_linkedin__share_statistics",
        "stg_tiktok__video_insights",
        "stg_x__tweet_metrics",
    }
    assert hourly_insight_models.partitions_def == hourly_partitions
    assert campaign_performance_models.partitions_def is None
    assert not hourly & {key.path[-1] for key in campaign_performance_models.keys}


def test_the_marts_must_be_rebuilt_daily():
    specs = campaign_performance_models.specs_by_key
    daily = specs[AssetKey(["marts", "campaign_performance__daily"])]
    staging = specs[AssetKey(["staging", "stg_mediaflow__campaigns"])]

    assert daily.freshness_policy == MARTS_FRESHNESS
    assert staging.freshness_policy is None

"""The mediaflow code location: assets, checks, jobs, sensors, schedules and resources."""

from __future__ import annotations

import sys
from pathlib import Path

from dagster import (
    AssetSelection,
    Definitions,
    ScheduleDefinition,
    build_schedule_from_partitioned_job,
    define_asset_job,
    in_process_executor,
)

from mediaflow_dagster.assets.accounts import social_accounts
from mediaflow_dagster.assets.content import (
    campaign_media,
    content_generation_requests,
    media_renditions,
)
from mediaflow_dagster.assets.dbt import campaign_performance_models, hourly_insight_models
from mediaflow_dagster.assets.insights import post_insight_snapshots
from mediaflow_dagster.assets.insights_checks import (
    impressions_reconcile_to_raw,
    snapshots_are_fresh,
)
from mediaflow_dagster.assets.publishing import (
    publication_plans,
    publication_requests,
    publications,
)
from mediaflow_dagster.assets.sourcing import content_ideas, image_candidates
from mediaflow_dagster.assets.warehouse import raw_ops_tables
from mediaflow_dagster.dbt_project import dbt_project
from mediaflow_dagster.resources.dbt_cli import DbtCliWithEnvironment
from mediaflow_dagster.resources.feeds import ContentFeeds
from mediaflow_dagster.resources.make import MakeScenarios
from mediaflow_dagster.resources.make_api import MakeApi
from mediaflow_dagster.resources.n8n import N8nClient
from mediaflow_dagster.resources.n8n_api import N8nApi
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.platforms.insights import PlatformInsights
from mediaflow_dagster.resources.sharepoint import SharePoint
from mediaflow_dagster.resources.stock_photos import StockPhotos
from mediaflow_dagster.resources.warehouse import Warehouse
from mediaflow_dagster.sensors.accounts import account_setup_sensor
from mediaflow_dagster.sensors.approvals import approvals_sensor
from mediaflow_dagster.sensors.callbacks import callback_sensor
from mediaflow_dagster.sensors.generation_timers import generation_timers_sensor
from mediaflow_dagster.sensors.publication_timers import publication_timers_sensor
from mediaflow_dagster.settings import Settings, get_settings

content_generation_job = define_asset_job(
    "content_generation_job",
    selection=AssetSelection.assets(content_generation_requests),
    executor_def=in_process_executor,
)
content_ready_job = define_asset_job(
    "content_ready_job",
    selection=AssetSelection.assets(campaign_media, media_renditions),
    executor_def=in_process_executor,
)
publish_job = define_asset_job(
    "publish_job",
    selection=AssetSelection.assets(publication_plans, publication_requests),
    executor_def=in_process_executor,
)
accounts_job = define_asset_job(
    "accounts_job",
    selection=AssetSelection.assets(social_accounts),
    executor_def=in_process_executor,
)
publication_outcomes_job = define_asset_job(
    "publication_outcomes_job",
    selection=AssetSelection.assets(publications),
    executor_def=in_process_executor,
)
insights_job = define_asset_job(
    "insights_job",
    selection=AssetSelection.assets(post_insight_snapshots, hourly_insight_models),
)
warehouse_job = define_asset_job(
    "warehouse_job",
    selection=AssetSelection.assets(raw_ops_tables, campaign_performance_models),
)
sourcing_job = define_asset_job(
    "sourcing_job",
    selection=AssetSelection.assets(image_candidates, content_ideas),
    executor_def=in_process_executor,
)

DAILY_MARTS_CRON = "30 0 * * *"
"""The marts are rebuilt once a day, after the collection of the day's last hour (at :05)."""

JOBS = [
    accounts_job,
    content_generation_job,
    content_ready_job,
    publish_job,
    publication_outcomes_job,
    insights_job,
    warehouse_job,
    sourcing_job,
]


def build_resources(settings: Settings) -> dict[str, object]:
    http = {
        "timeout_seconds": settings.http_timeout_seconds,
        "max_attempts": settings.http_max_attempts,
    }
    return {
        "ops_store": OpsStore(database_url=settings.ops_database_url),
        "warehouse": Warehouse(
            backend=settings.backend,
            duckdb_path=str(settings.warehouse_path),
            postgres_url=settings.postgres_url,
        ),
        "n8n": N8nClient(
            webhook_base_url=settings.n8n_webhook_base_url,
            callback_url=settings.callback_url("n8n"),
            **http,
        ),
        "n8n_api": N8nApi(api_url=settings.n8n_api_url, api_key=settings.n8n_api_key, **http),
        "make": MakeScenarios(callback_url=settings.callback_url("make"), **http),
        "make_api": MakeApi.from_settings(settings),
        "sharepoint": SharePoint.from_settings(settings),
        "platform_insights": PlatformInsights.from_settings(settings),
        "stock_photos": StockPhotos.from_settings(settings),
        "content_feeds": ContentFeeds.from_settings(settings),
        "dbt": DbtCliWithEnvironment(
            project_dir=dbt_project,
            dbt_executable=str(Path(sys.executable).with_name("dbt")),
        ),
    }


def build_definitions(settings: Settings) -> Definitions:
    return Definitions(
        assets=[
            social_accounts,
            content_generation_requests,
            campaign_media,
            media_renditions,
            publication_plans,
            publication_requests,
            publications,
            post_insight_snapshots,
            hourly_insight_models,
            raw_ops_tables,
            campaign_performance_models,
            image_candidates,
            content_ideas,
        ],
        asset_checks=[snapshots_are_fresh, impressions_reconcile_to_raw],
        jobs=JOBS,
        sensors=[
            callback_sensor("n8n", content_ready_job),
            approvals_sensor(publish_job),
            callback_sensor("make", publication_outcomes_job),
            publication_timers_sensor(publish_job),
            generation_timers_sensor(content_generation_job),
            account_setup_sensor(accounts_job),
        ],
        schedules=[
            build_schedule_from_partitioned_job(insights_job, minute_of_hour=5),
            ScheduleDefinition(job=warehouse_job, cron_schedule=DAILY_MARTS_CRON),
            ScheduleDefinition(job=accounts_job, cron_schedule="*/15 * * * *"),
        ],
        resources=build_resources(settings),
    )


defs = build_definitions(get_settings())

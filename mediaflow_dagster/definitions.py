"""The mediaflow code location: assets, checks, jobs, sensors, schedules and resources."""

from __future__ import annotations

import sys
from pathlib import Path

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    ExecutorDefinition,
    FilesystemIOManager,
    ScheduleDefinition,
    build_schedule_from_partitioned_job,
    define_asset_job,
    definitions,
    in_process_executor,
)
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from mediaflow_dagster.assets.accounts import social_accounts
from mediaflow_dagster.assets.automation import campaign_automation
from mediaflow_dagster.assets.contacts import contact_imports
from mediaflow_dagster.assets.content import (
    campaign_media,
    content_generation_requests,
    media_renditions,
)
from mediaflow_dagster.assets.dbt import campaign_performance_models, hourly_insight_models
from mediaflow_dagster.assets.erasures import erasures
from mediaflow_dagster.assets.heartbeats import dependency_heartbeat
from mediaflow_dagster.assets.insights import post_insight_snapshots
from mediaflow_dagster.assets.insights_checks import (
    impressions_reconcile_to_raw,
    snapshots_are_fresh,
)
from mediaflow_dagster.assets.menus import menu_synchronisations
from mediaflow_dagster.assets.notifications import notification_messages
from mediaflow_dagster.assets.owners import with_group_owner
from mediaflow_dagster.assets.publishing import (
    publication_plans,
    publication_requests,
    publications,
)
from mediaflow_dagster.assets.reports import REPORT_CRONS, campaign_reports, report_schedule
from mediaflow_dagster.assets.retention import retention_purge
from mediaflow_dagster.assets.search import search_index
from mediaflow_dagster.assets.sourcing import content_ideas, image_candidates
from mediaflow_dagster.assets.warehouse import raw_ops_tables
from mediaflow_dagster.assets.webhooks import webhook_deliveries
from mediaflow_dagster.dbt_project import dbt_project
from mediaflow_dagster.executors import fan_out_executor
from mediaflow_dagster.resources.configuration import (
    client_from_environment,
    require_environment,
    resource_from_environment,
)
from mediaflow_dagster.resources.dbt_cli import DbtCliWithEnvironment
from mediaflow_dagster.resources.feeds import ContentFeeds
from mediaflow_dagster.resources.make import MakeScenarios
from mediaflow_dagster.resources.make_api import MakeApi
from mediaflow_dagster.resources.n8n import N8nClient
from mediaflow_dagster.resources.n8n_api import N8nApi
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.personal_data import PersonalData
from mediaflow_dagster.resources.platforms.insights import INSIGHTS_PLATFORMS, PlatformInsights
from mediaflow_dagster.resources.retention import Retention
from mediaflow_dagster.resources.search import SearchIndex
from mediaflow_dagster.resources.sharepoint import SharePoint
from mediaflow_dagster.resources.sms import SmsProvider
from mediaflow_dagster.resources.smtp import SmtpMailer
from mediaflow_dagster.resources.stock_photos import StockPhotos
from mediaflow_dagster.resources.warehouse import Warehouse
from mediaflow_dagster.resources.webhooks import OutboundWebhooks
from mediaflow_dagster.run_tags import WAREHOUSE_TAGS, platform_tags
from mediaflow_dagster.sensors.accounts import account_setup_sensor
from mediaflow_dagster.sensors.approvals import approvals_sensor
from mediaflow_dagster.sensors.automation import automation_sensor
from mediaflow_dagster.sensors.callbacks import callback_sensor
from mediaflow_dagster.sensors.contact_imports import contact_imports_sensor
from mediaflow_dagster.sensors.erasures import erasures_sensor
from mediaflow_dagster.sensors.generation_timers import generation_timers_sensor
from mediaflow_dagster.sensors.menus import menu_versions_sensor
from mediaflow_dagster.sensors.notifications import notifications_sensor
from mediaflow_dagster.sensors.performance_alerts import performance_alerts_sensor
from mediaflow_dagster.sensors.publication_timers import publication_timers_sensor
from mediaflow_dagster.sensors.run_failures import run_failures_sensor
from mediaflow_dagster.sensors.search_index import search_index_sensor
from mediaflow_dagster.sensors.webhooks import webhook_outbox_sensor
from mediaflow_dagster.settings import Settings, get_settings


def in_process_job(
    name: str, *assets, tags: dict[str, str] | None = None
) -> UnresolvedAssetJobDefinition:
    """A job of `assets` whose steps run in the run's own process: no process started and no
    code location loaded again for each step."""
    return define_asset_job(
        name,
        selection=AssetSelection.assets(*assets),
        executor_def=in_process_executor,
        tags=tags,
    )


content_generation_job = in_process_job("content_generation_job", content_generation_requests)
content_ready_job = in_process_job("content_ready_job", campaign_media, media_renditions)
publish_job = in_process_job("publish_job", publication_plans, publication_requests)
accounts_job = in_process_job("accounts_job", social_accounts)
publication_outcomes_job = in_process_job("publication_outcomes_job", publications)


def insights_job_on(executor: ExecutorDefinition) -> UnresolvedAssetJobDefinition:
    """The hourly collection, its platforms' steps run by `executor` (`executors.py`)."""
    return define_asset_job(
        "insights_job",
        selection=AssetSelection.assets(post_insight_snapshots, hourly_insight_models),
        executor_def=executor,
        tags=platform_tags(INSIGHTS_PLATFORMS),
    )


insights_job = insights_job_on(in_process_executor)
warehouse_job = in_process_job(
    "warehouse_job", raw_ops_tables, campaign_performance_models, tags=WAREHOUSE_TAGS
)
webhook_delivery_job = in_process_job("webhook_delivery_job", webhook_deliveries)
sourcing_job = in_process_job("sourcing_job", image_candidates, content_ideas)
contact_import_job = in_process_job("contact_import_job", contact_imports)
notification_job = in_process_job("notification_job", notification_messages)
search_index_job = in_process_job("search_index_job", search_index)
erasure_job = define_asset_job("erasure_job", selection=AssetSelection.assets(erasures))
retention_job = in_process_job("retention_job", retention_purge)
dependency_heartbeat_job = in_process_job("dependency_heartbeat_job", dependency_heartbeat)
reports_job = in_process_job("reports_job", campaign_reports)
automation_job = in_process_job("automation_job", campaign_automation)
menu_sync_job = in_process_job("menu_sync_job", menu_synchronisations)

DAILY_MARTS_CRON = "30 0 * * *"
"""The marts are rebuilt once a day, after the collection of the day's last hour (at :05)."""
ACCOUNT_CHECKS_CRON = "*/15 * * * *"
RETENTION_CRON = "0 3 * * *"
"""Data past its retention period is purged once a day, at a quiet hour."""
HEARTBEAT_CRON = "7-59/15 * * * *"
"""Every 15 minutes, between the account checks' ticks."""

JOBS = [
    accounts_job,
    content_generation_job,
    content_ready_job,
    publish_job,
    publication_outcomes_job,
    insights_job,
    warehouse_job,
    sourcing_job,
    webhook_delivery_job,
    contact_import_job,
    notification_job,
    search_index_job,
    erasure_job,
    retention_job,
    dependency_heartbeat_job,
    reports_job,
    automation_job,
    menu_sync_job,
]


CONFIGURED_FROM_ENVIRONMENT = (
    N8nApi,
    MakeApi,
    SharePoint,
    PlatformInsights,
    StockPhotos,
    ContentFeeds,
    OutboundWebhooks,
    PersonalData,
    SmtpMailer,
    SmsProvider,
    Retention,
)


def build_resources(settings: Settings, *, resolve_secrets: bool = False) -> dict:
    """Every resource: the stores as `settings` choose them, each service's fields from its own
    `MEDIAFLOW_*` variables, secrets as `EnvVar`s (`resources/configuration.py`). Every
    variable that is needed and not set is named at once. Outside a Dagster run (a report, a
    test) `resolve_secrets` reads the secrets now instead."""
    require_environment(*CONFIGURED_FROM_ENVIRONMENT)
    configured = client_from_environment if resolve_secrets else resource_from_environment
    return {
        "ops_store": configured(
            OpsStore, backend=settings.backend, sqlite_path=str(settings.ops_sqlite_path)
        ),
        "warehouse": configured(
            Warehouse, backend=settings.backend, duckdb_path=str(settings.warehouse_path)
        ),
        "n8n": configured(N8nClient, callback_url=settings.callback_url("n8n")),
        "n8n_api": configured(N8nApi),
        "make": configured(MakeScenarios, callback_url=settings.callback_url("make")),
        "make_api": configured(MakeApi),
        "sharepoint": configured(SharePoint),
        "platform_insights": configured(PlatformInsights),
        "stock_photos": configured(StockPhotos),
        "content_feeds": configured(ContentFeeds),
        "outbound_webhooks": configured(OutboundWebhooks),
        "personal_data": configured(PersonalData),
        "smtp": configured(SmtpMailer),
        "sms": configured(SmsProvider),
        "search": configured(SearchIndex),
        "retention": configured(Retention),
        # what one step hands the next (an insights platform's rows to the landing step), under
        # `home`: on the Celery executor every worker sees it (the deployment's shared volume)
        "io_manager": FilesystemIOManager(base_dir=str(settings.home.resolve() / "step-outputs")),
        "dbt": DbtCliWithEnvironment(
            project_dir=dbt_project,
            dbt_executable=str(Path(sys.executable).with_name("dbt")),
        ),
    }


def build_definitions(settings: Settings) -> Definitions:
    """Every asset owned by its group's team (`assets/owners.py`)."""
    assets = [
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
        webhook_deliveries,
        contact_imports,
        notification_messages,
        search_index,
        erasures,
        retention_purge,
        dependency_heartbeat,
        campaign_reports,
        campaign_automation,
        menu_synchronisations,
    ]
    insights = insights_job_on(fan_out_executor(settings))
    return Definitions(
        assets=[asset.map_asset_specs(with_group_owner) for asset in assets],
        asset_checks=[snapshots_are_fresh, impressions_reconcile_to_raw],
        jobs=[insights if job.name == insights.name else job for job in JOBS],
        sensors=[
            callback_sensor("n8n", content_ready_job),
            approvals_sensor(publish_job),
            callback_sensor("make", publication_outcomes_job),
            publication_timers_sensor(publish_job),
            generation_timers_sensor(content_generation_job),
            account_setup_sensor(accounts_job),
            webhook_outbox_sensor(webhook_delivery_job),
            contact_imports_sensor(contact_import_job),
            notifications_sensor(notification_job),
            search_index_sensor(search_index_job),
            erasures_sensor(erasure_job),
            menu_versions_sensor(menu_sync_job),
            run_failures_sensor(settings),
            performance_alerts_sensor(settings),
            automation_sensor(automation_job),
        ],
        schedules=[
            build_schedule_from_partitioned_job(
                insights, minute_of_hour=5, default_status=DefaultScheduleStatus.RUNNING
            ),
            ScheduleDefinition(
                job=warehouse_job,
                cron_schedule=DAILY_MARTS_CRON,
                execution_timezone="UTC",
                default_status=DefaultScheduleStatus.RUNNING,
            ),
            ScheduleDefinition(
                job=accounts_job,
                cron_schedule=ACCOUNT_CHECKS_CRON,
                execution_timezone="UTC",
                default_status=DefaultScheduleStatus.RUNNING,
            ),
            ScheduleDefinition(
                job=retention_job,
                cron_schedule=RETENTION_CRON,
                execution_timezone="UTC",
                default_status=DefaultScheduleStatus.RUNNING,
            ),
            ScheduleDefinition(
                job=dependency_heartbeat_job,
                cron_schedule=HEARTBEAT_CRON,
                execution_timezone="UTC",
                default_status=DefaultScheduleStatus.RUNNING,
            ),
            *(report_schedule(cadence, reports_job) for cadence in REPORT_CRONS),
        ],
        resources=build_resources(settings),
    )


@definitions
def defs() -> Definitions:
    """The code location, built when Dagster loads it (not when a module imports this one): the
    settings and every resource's variables are read then, and a missing one stops it."""
    return build_definitions(get_settings())

"""Campaign reports as a Dagster asset, run by three schedules: each morning the daily reports
(and the final report of each campaign that just ended), each Monday the weekly ones, on the
first of each month the monthly ones (`cms/campaign_reports.py` says which campaigns and
periods). A run is keyed by its cadence and day, and a report by its campaign, cadence and
period, so a tick run twice or a run retried makes no report twice."""

from datetime import date
from typing import Literal

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    DefaultScheduleStatus,
    MaterializeResult,
    MetadataValue,
    RunConfig,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    asset,
    schedule,
)
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)
from pydantic import Field

from mediaflow_dagster.assets.keys import OPS
from mediaflow_dagster.cms.campaign_reports import make_reports
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.resources.marts_copy import MARTS_SCHEMA
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.settings import get_settings

REPORT_CRONS = {
    "daily": "0 6 * * *",
    "weekly": "15 6 * * 1",
    "monthly": "30 6 1 * *",
}
"""After the marts' daily build (00:30) has had time to finish."""
READ_MARTS = ("campaign_performance__daily", "social_media__rollup_report")


class CampaignReportsConfig(Config):
    cadence: Literal["daily", "weekly", "monthly"] = Field(
        default="daily",
        description="Which reports: a daily run also makes the final report of each campaign "
        "that ended.",
    )
    day: str | None = Field(
        default=None,
        description="The run's day (ISO date; today in UTC by default): it reports on the "
        "day, week or month that ended before it.",
    )


@asset(
    key=[OPS, "campaign_reports"],
    group_name="reports",
    deps=[AssetKey([MARTS_SCHEMA, mart]) for mart in READ_MARTS],
    kinds={"html", "pdf", "sqlite", "postgres"},
)
def campaign_reports(
    context: AssetExecutionContext, config: CampaignReportsConfig, ops_store: OpsStore
) -> MaterializeResult:
    """Each running campaign's report of the period that ended (HTML with its charts, and a
    PDF), stored under `<home>/reports/` with a row in the ops store, and emailed to its owner;
    the final report of each campaign that ended. Reports made before are not made again."""
    day = date.fromisoformat(config.day) if config.day else utcnow().date()
    made = make_reports(get_settings(), ops_store.engine, config.cadence, day)
    for report in made:
        context.log.info(
            f"{report.cadence} report {report.report_id} of campaign {report.campaign_id}: "
            f"{report.period.start} to {report.period.end}"
        )
    return MaterializeResult(
        metadata={
            "cadence": config.cadence,
            "day": day.isoformat(),
            "reports_made": len(made),
            "reports": MetadataValue.md(
                "\n".join(
                    f"- report {r.report_id}: campaign {r.campaign_id}, {r.cadence}, "
                    f"{r.period.start} to {r.period.end}"
                    for r in made
                )
                or "no report was due"
            ),
        }
    )


def report_schedule(cadence: str, job: UnresolvedAssetJobDefinition) -> ScheduleDefinition:
    @schedule(
        name=f"{cadence}_reports_schedule",
        cron_schedule=REPORT_CRONS[cadence],
        job=job,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
    )
    def reports_schedule(context: ScheduleEvaluationContext) -> RunRequest:
        day = context.scheduled_execution_time.date().isoformat()
        return RunRequest(
            run_key=f"{cadence}-{day}",
            run_config=RunConfig(
                ops={campaign_reports.op.name: CampaignReportsConfig(cadence=cadence, day=day)}
            ),
        )

    return reports_schedule

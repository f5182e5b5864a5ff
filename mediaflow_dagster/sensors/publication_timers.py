"""The sensor that keeps publishing going without anyone asking: it releases scheduled
publications when they fall due (not earlier), retries pending ones, has unknown or overdue
outcomes reconciled, and plans what became publishable (a campaign made active, an account
reconnected). At most one run per campaign and minute."""

from datetime import timedelta

from dagster import (
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.publishing import campaigns_with_due_work
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.settings import get_settings


def publication_timers_sensor(job: JobDefinition) -> SensorDefinition:
    @sensor(
        name="publication_timers",
        job=job,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: SensorEvaluationContext, ops_store: OpsStore) -> SensorResult:
        now = utcnow()
        overdue = now - timedelta(minutes=get_settings().make_callback_timeout_minutes)
        campaign_ids = campaigns_with_due_work(ops_store.engine, now, overdue)
        minute = now.strftime("%Y%m%d%H%M")
        return SensorResult(
            run_requests=[
                RunRequest(run_key=f"due-{campaign_id}-{minute}", partition_key=str(campaign_id))
                for campaign_id in campaign_ids
            ]
        )

    return _sensor

"""The sensor that keeps the webhook outbox moving: a run whenever deliveries are due, at most
one a minute, so a receiver that is down is tried on its schedule and not in a loop."""

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
from mediaflow_dagster.cms.webhooks import due_count
from mediaflow_dagster.resources.ops_store import OpsStore


def webhook_outbox_sensor(job: JobDefinition) -> SensorDefinition:
    @sensor(
        name="webhook_outbox",
        job=job,
        minimum_interval_seconds=5,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: SensorEvaluationContext, ops_store: OpsStore) -> SensorResult:
        now = utcnow()
        due = due_count(ops_store.engine, now)
        if not due:
            return SensorResult(skip_reason="no webhook delivery is due")
        return SensorResult(run_requests=[RunRequest(run_key=f"webhook_outbox-{now:%Y%m%d%H%M}")])

    return _sensor

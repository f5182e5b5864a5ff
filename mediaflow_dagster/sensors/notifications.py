"""The sensor that starts the sending run when a request waits to be planned or a message is
due; the same state starts one run per five minutes at most."""

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
from mediaflow_dagster.cms.notifications import pending_work
from mediaflow_dagster.resources.ops_store import OpsStore


def notifications_sensor(job: JobDefinition) -> SensorDefinition:
    @sensor(
        name="notifications",
        job=job,
        minimum_interval_seconds=10,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: SensorEvaluationContext, ops_store: OpsStore) -> SensorResult:
        now = utcnow()
        with ops_store.engine.connect() as connection:
            work = pending_work(connection, now)
        if work["request"] is None and work["message"] is None:
            return SensorResult(run_requests=[])
        bucket = now.strftime("%Y%m%d%H") + f"{now.minute // 5:02d}"
        key = f"notify-{work['request']}-{work['message']}-{work['attempts']}-{bucket}"
        return SensorResult(run_requests=[RunRequest(run_key=key)])

    return _sensor

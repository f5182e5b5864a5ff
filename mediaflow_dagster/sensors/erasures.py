"""The sensor that finishes each erasure the API recorded, one run per erasure."""

from dagster import (
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from mediaflow_dagster.cms.erasure import pending_erasures
from mediaflow_dagster.resources.ops_store import OpsStore


def erasures_sensor(job: JobDefinition) -> SensorDefinition:
    @sensor(
        name="erasures",
        job=job,
        minimum_interval_seconds=10,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: SensorEvaluationContext, ops_store: OpsStore) -> SensorResult:
        return SensorResult(
            run_requests=[
                RunRequest(run_key=f"erasure-{erasure_id}")
                for erasure_id in pending_erasures(ops_store.engine)
            ]
        )

    return _sensor

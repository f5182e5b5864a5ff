"""The sensor that starts a run for each CSV import of contacts the API accepted."""

from dagster import (
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from mediaflow_dagster.cms.contact_imports import pending_imports
from mediaflow_dagster.resources.ops_store import OpsStore


def contact_imports_sensor(job: JobDefinition) -> SensorDefinition:
    @sensor(
        name="contact_imports",
        job=job,
        minimum_interval_seconds=10,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: SensorEvaluationContext, ops_store: OpsStore) -> SensorResult:
        return SensorResult(
            run_requests=[
                RunRequest(run_key=f"contact-import-{import_id}")
                for import_id in pending_imports(ops_store.engine)
            ]
        )

    return _sensor

"""The sensor that finishes an account's onboarding as soon as its agent has authorized it."""

from dagster import (
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from mediaflow_dagster.cms.accounts import accounts_awaiting_setup
from mediaflow_dagster.resources.ops_store import OpsStore


def account_setup_sensor(job: JobDefinition) -> SensorDefinition:
    @sensor(
        name="account_setup",
        job=job,
        minimum_interval_seconds=10,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: SensorEvaluationContext, ops_store: OpsStore) -> SensorResult:
        return SensorResult(
            run_requests=[
                RunRequest(run_key=f"setup-{account['id']}-{account['authorized_at']:%Y%m%d%H%M%S}")
                for account in accounts_awaiting_setup(ops_store.engine)
            ]
        )

    return _sensor

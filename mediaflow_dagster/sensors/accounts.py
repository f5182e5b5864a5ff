"""The sensor that finishes an account's onboarding as soon as its agent has authorized it."""

from datetime import datetime

from dagster import JobDefinition, RunRequest, SensorDefinition
from sqlalchemy import Engine

from mediaflow_dagster.cms.accounts import accounts_awaiting_setup
from mediaflow_dagster.sensors.timers import ops_store_sensor


def _authorized(engine: Engine, _now: datetime) -> list[RunRequest]:
    return [
        RunRequest(run_key=f"setup-{account['id']}-{account['authorized_at']:%Y%m%d%H%M%S}")
        for account in accounts_awaiting_setup(engine)
    ]


def account_setup_sensor(job: JobDefinition) -> SensorDefinition:
    return ops_store_sensor("account_setup", job, _authorized, minimum_interval_seconds=10)

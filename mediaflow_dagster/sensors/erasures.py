"""The sensor that finishes each erasure the API recorded, one run per erasure."""

from datetime import datetime

from dagster import JobDefinition, RunRequest, SensorDefinition
from sqlalchemy import Engine

from mediaflow_dagster.cms.erasure import pending_erasures
from mediaflow_dagster.sensors.timers import ops_store_sensor


def _pending(engine: Engine, _now: datetime) -> list[RunRequest]:
    return [RunRequest(run_key=f"erasure-{erasure_id}") for erasure_id in pending_erasures(engine)]


def erasures_sensor(job: JobDefinition) -> SensorDefinition:
    return ops_store_sensor("erasures", job, _pending, minimum_interval_seconds=10)

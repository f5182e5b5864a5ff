"""The sensor that keeps the webhook outbox moving: a run whenever deliveries are due, at most
one a minute, so a receiver that is down is tried on its schedule and not in a loop."""

from datetime import datetime

from dagster import JobDefinition, RunRequest, SensorDefinition
from sqlalchemy import Engine

from mediaflow_dagster.cms.webhooks import due_count
from mediaflow_dagster.sensors.timers import ops_store_sensor


def _due(engine: Engine, now: datetime) -> list[RunRequest]:
    return (
        [RunRequest(run_key=f"webhook_outbox-{now:%Y%m%d%H%M}")] if due_count(engine, now) else []
    )


def webhook_outbox_sensor(job: JobDefinition) -> SensorDefinition:
    return ops_store_sensor("webhook_outbox", job, _due, minimum_interval_seconds=5)

"""The sensor that keeps publishing going without anyone asking: it releases scheduled
publications when they fall due (not earlier), retries pending ones, has unknown or overdue
outcomes reconciled, and plans what became publishable (a campaign made active, an account
reconnected). At most one run per campaign and minute."""

from datetime import datetime, timedelta

from dagster import JobDefinition, SensorDefinition
from sqlalchemy import Engine

from mediaflow_dagster.cms.publishing import campaigns_with_due_work
from mediaflow_dagster.sensors.publishing_tags import publishing_tags
from mediaflow_dagster.sensors.timers import timer_sensor
from mediaflow_dagster.settings import get_settings


def _due(engine: Engine, now: datetime) -> list[int]:
    overdue = now - timedelta(minutes=get_settings().make_callback_timeout_minutes)
    return campaigns_with_due_work(engine, now, overdue)


def publication_timers_sensor(job: JobDefinition) -> SensorDefinition:
    return timer_sensor(
        "publication_timers", job, _due, minimum_interval_seconds=30, tags=publishing_tags
    )

"""The sensor that notices generations gone quiet: objects n8n was asked for longer ago than the
callback timeout allows. It runs the campaign's generation requests, which retry them; at most
one run per campaign and minute."""

from datetime import datetime, timedelta

from dagster import JobDefinition, SensorDefinition
from sqlalchemy import Engine

from mediaflow_dagster.cms.generation import campaigns_with_quiet_generations
from mediaflow_dagster.sensors.timers import timer_sensor
from mediaflow_dagster.settings import get_settings


def _quiet(engine: Engine, now: datetime) -> list[int]:
    timeout = timedelta(minutes=get_settings().n8n_callback_timeout_minutes)
    return campaigns_with_quiet_generations(engine, now - timeout)


def generation_timers_sensor(job: JobDefinition) -> SensorDefinition:
    return timer_sensor("generation_timers", job, _quiet, minimum_interval_seconds=60)

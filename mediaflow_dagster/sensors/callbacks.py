"""Sensors over the callback inbox: n8n's content callbacks and Make's publication callbacks."""

from dagster import JobDefinition, SensorDefinition

from mediaflow_dagster.cms.inbox import callbacks_after
from mediaflow_dagster.sensors.events import event_sensor


def callback_sensor(source: str, job: JobDefinition) -> SensorDefinition:
    return event_sensor(
        f"{source}_callbacks",
        job,
        lambda engine, after, limit: callbacks_after(engine, source, after, limit),
        lambda event: event["event_id"],
    )

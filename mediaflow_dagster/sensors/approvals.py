"""The approvals sensor: an approved object starts its campaign's publishing run."""

from dagster import JobDefinition, SensorDefinition

from mediaflow_dagster.cms.campaigns import approvals_after
from mediaflow_dagster.sensors.events import event_sensor
from mediaflow_dagster.sensors.publishing_tags import publishing_tags


def approvals_sensor(job: JobDefinition) -> SensorDefinition:
    return event_sensor(
        "approvals",
        job,
        approvals_after,
        lambda event: f"approval-{event['id']}",
        tags=publishing_tags,
    )

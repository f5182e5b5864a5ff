"""The menu sensor: a visible menu version waiting to be synchronised starts its campaign's
menu run, once per version (the run key is the version's id)."""

from dagster import JobDefinition, SensorDefinition

from mediaflow_dagster.cms.menus import waiting_versions_after
from mediaflow_dagster.sensors.events import event_sensor


def menu_versions_sensor(job: JobDefinition) -> SensorDefinition:
    return event_sensor(
        "menu_versions", job, waiting_versions_after, lambda event: f"menu-version-{event['id']}"
    )

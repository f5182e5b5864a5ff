"""The shape of the code location, recorded: every asset with its group, kinds, partitions and
checks, every job's selection, every sensor and schedule. A change to any of them shows in the
recorded snapshot's diff for a reviewer to read; record it anew with `pytest --snapshot-update`."""

from __future__ import annotations

from typing import Any

import pytest
from dagster import (
    Definitions,
    DynamicPartitionsDefinition,
    PartitionsDefinition,
    TimeWindowPartitionsDefinition,
)
from syrupy.extensions.json import JSONSnapshotExtension

from mediaflow_dagster.definitions import defs


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def partitions(definition: PartitionsDefinition | None) -> str | None:
    if definition is None:
        return None
    if isinstance(definition, DynamicPartitionsDefinition):
        return f"dynamic {definition.name}"
    if isinstance(definition, TimeWindowPartitionsDefinition):
        start = f"{definition.start:%Y-%m-%d %H:%M}"
        return f"{definition.cron_schedule} from {start} {definition.timezone}"
    return type(definition).__name__


def shape(definitions: Definitions) -> dict[str, Any]:
    graph = definitions.resolve_asset_graph()
    assets = {
        key.to_user_string(): {
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "partitions": partitions(node.partitions_def),
            "checks": sorted(check.name for check in node.check_keys),
            "pools": sorted(node.pools or ()),
        }
        for key, node in sorted((key, graph.get(key)) for key in graph.get_all_asset_keys())
    }
    jobs = {
        job.name: sorted(
            key.to_user_string()
            for key in definitions.resolve_job_def(job.name).asset_layer.selected_asset_keys
        )
        for job in sorted(definitions.jobs, key=lambda job: job.name)
    }
    sensors = {
        sensor.name: {
            "job": sensor.job_name if sensor.has_jobs else None,
            "default_status": sensor.default_status.value,
            "minimum_interval_seconds": sensor.minimum_interval_seconds,
        }
        for sensor in sorted(definitions.sensors, key=lambda sensor: sensor.name)
    }
    schedules = {}
    for unresolved in definitions.schedules:
        schedule = definitions.resolve_schedule_def(unresolved.name)
        schedules[schedule.name] = {
            "job": schedule.job_name,
            "cron": schedule.cron_schedule,
            "timezone": schedule.execution_timezone,
            "default_status": schedule.default_status.value,
        }
    return {
        "assets": assets,
        "jobs": jobs,
        "sensors": sensors,
        "schedules": dict(sorted(schedules.items())),
        "resources": sorted(definitions.resources),
    }


def test_the_definitions_keep_their_recorded_shape(snapshot_json):
    assert shape(defs()) == snapshot_json


def test_every_asset_key_names_its_store_or_layer():
    layers = {key.path[0] for key in defs().resolve_asset_graph().get_all_asset_keys()}

    assert layers <= {"ops", "raw", "staging", "intermediate", "marts", "seeds"}

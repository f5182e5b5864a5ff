"""What runs unattended from the daemon's first start, with nobody switching anything on in the
UI: every schedule and every sensor the platform needs, by name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dagster import (
    DagsterInstance,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    build_schedule_context,
)

from mediaflow_dagster.api.schedule_runs import SCHEDULES as REPORTED_SCHEDULES
from mediaflow_dagster.definitions import defs

SCHEDULES = (
    "insights_job_schedule",
    "warehouse_job_schedule",
    "accounts_job_schedule",
    "retention_job_schedule",
    "dependency_heartbeat_job_schedule",
    "daily_reports_schedule",
    "weekly_reports_schedule",
    "monthly_reports_schedule",
)
SENSORS = (
    "account_setup",
    "approvals",
    "campaign_automation",
    "contact_imports",
    "erasures",
    "generation_timers",
    "make_callbacks",
    "menu_versions",
    "n8n_callbacks",
    "notifications",
    "performance_alerts",
    "publication_timers",
    "run_failures",
    "search_index",
    "webhook_outbox",
)


@pytest.mark.parametrize("name", SCHEDULES)
def test_each_schedule_runs_from_the_first_start(name):
    assert defs().resolve_schedule_def(name).default_status == DefaultScheduleStatus.RUNNING


@pytest.mark.parametrize("name", SENSORS)
def test_each_sensor_runs_from_the_first_start(name):
    assert defs().resolve_sensor_def(name).default_status == DefaultSensorStatus.RUNNING


def test_no_schedule_or_sensor_is_left_out_of_the_list():
    definitions = defs()

    assert {schedule.name for schedule in definitions.schedules} == set(SCHEDULES)
    assert {sensor.name for sensor in definitions.sensors} == set(SENSORS)


def test_the_status_route_reports_every_schedule():
    assert set(REPORTED_SCHEDULES) == {schedule.name for schedule in defs().schedules}


def test_the_hourly_tick_collects_the_hour_that_just_ended():
    schedule = defs().resolve_schedule_def("insights_job_schedule")
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 11, 3, 14, 5, tzinfo=UTC)
        )
        requests = list(schedule.evaluate_tick(context).run_requests)

    assert [request.partition_key for request in requests] == ["2026-11-03-13:00"]

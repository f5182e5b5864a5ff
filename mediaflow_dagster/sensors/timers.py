"""The shape of the sensors that look at the clock rather than at new events: each tick, the
campaigns with work that fell due get one run each, keyed by campaign and minute."""

from collections.abc import Callable
from datetime import datetime

from dagster import (
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)
from sqlalchemy import Engine

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.resources.ops_store import OpsStore

DueCampaigns = Callable[[Engine, datetime], list[int]]


def timer_sensor(
    name: str, job: JobDefinition, due_campaigns: DueCampaigns, *, minimum_interval_seconds: int
) -> SensorDefinition:
    @sensor(
        name=name,
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: SensorEvaluationContext, ops_store: OpsStore) -> SensorResult:
        now = utcnow()
        minute = now.strftime("%Y%m%d%H%M")
        return SensorResult(
            run_requests=[
                RunRequest(run_key=f"{name}-{campaign_id}-{minute}", partition_key=str(campaign_id))
                for campaign_id in due_campaigns(ops_store.engine, now)
            ]
        )

    return _sensor

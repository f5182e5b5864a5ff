"""The shape of the sensors that look at the ops store rather than at new events: each tick asks
the store what work is due and requests a run for it, keyed so that the same due work is asked
for once (the key says which work and, where it recurs, which minute or attempt)."""

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
from mediaflow_dagster.sensors.events import CampaignTags, no_tags

DueRuns = Callable[[Engine, datetime], list[RunRequest]]
DueCampaigns = Callable[[Engine, datetime], list[int]]


def ops_store_sensor(
    name: str, job: JobDefinition, due_runs: DueRuns, *, minimum_interval_seconds: int
) -> SensorDefinition:
    """A sensor, running from the daemon's first start, that requests `due_runs` each tick."""

    @sensor(
        name=name,
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: SensorEvaluationContext, ops_store: OpsStore) -> SensorResult:
        return SensorResult(run_requests=due_runs(ops_store.engine, utcnow()))

    return _sensor


def timer_sensor(
    name: str,
    job: JobDefinition,
    due_campaigns: DueCampaigns,
    *,
    minimum_interval_seconds: int,
    tags: CampaignTags = no_tags,
) -> SensorDefinition:
    """One run per campaign with work that fell due, keyed by campaign and minute, carrying
    the campaign's `tags`."""

    def due_runs(engine: Engine, now: datetime) -> list[RunRequest]:
        minute = now.strftime("%Y%m%d%H%M")
        return [
            RunRequest(
                run_key=f"{name}-{campaign_id}-{minute}",
                partition_key=str(campaign_id),
                tags=tags(engine, campaign_id),
            )
            for campaign_id in due_campaigns(engine, now)
        ]

    return ops_store_sensor(name, job, due_runs, minimum_interval_seconds=minimum_interval_seconds)

"""The shape every event sensor shares: a cursor over an ordered table of facts, run requests
keyed by event ids, on the facts' campaign partitions."""

from collections.abc import Callable, Sequence
from typing import Any

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

from mediaflow_dagster.partitions import campaign_partitions
from mediaflow_dagster.resources.ops_store import OpsStore

EVENTS_PER_TICK = 500

EventReader = Callable[[Engine, int, int], list[dict[str, Any]]]
CampaignTags = Callable[[Engine, int], dict[str, str]]


def no_tags(engine: Engine, campaign_id: int) -> dict[str, str]:
    return {}


def event_sensor(
    name: str,
    job: JobDefinition,
    read_events: EventReader,
    run_key: Callable[[dict], str],
    tags: CampaignTags = no_tags,
) -> SensorDefinition:
    """A sensor over an ordered event table: the cursor is the last event id seen. One run per
    campaign and tick, keyed by the campaign's newest event in it: a run handles every
    unprocessed event of its campaign, so a burst of events costs one run, not one each; each
    run carries the campaign's `tags`."""

    @sensor(
        name=name,
        job=job,
        minimum_interval_seconds=2,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: SensorEvaluationContext, ops_store: OpsStore) -> SensorResult:
        events = read_events(ops_store.engine, int(context.cursor or 0), EVENTS_PER_TICK)
        if not events:
            return SensorResult(skip_reason="no new events")
        newest_per_campaign = {event["campaign_id"]: event for event in events}
        return SensorResult(
            run_requests=[
                RunRequest(
                    run_key=run_key(event),
                    partition_key=str(campaign_id),
                    tags=tags(ops_store.engine, campaign_id),
                )
                for campaign_id, event in newest_per_campaign.items()
            ],
            cursor=str(events[-1]["id"]),
            dynamic_partitions_requests=new_campaign_partitions(context, events),
        )

    return _sensor


def new_campaign_partitions(context: SensorEvaluationContext, events: Sequence[dict]) -> list:
    known = set(context.instance.get_dynamic_partitions(campaign_partitions.name))
    missing = sorted({str(event["campaign_id"]) for event in events} - known, key=int)
    return [campaign_partitions.build_add_request(missing)] if missing else []

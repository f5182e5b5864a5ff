"""The sensor that keeps the search index within a minute of the ops store: every 30 seconds it
asks for a run when something documents are made of changed after the last run read, when
deletions wait for Meilisearch, or when the last run is older than `SWEEP` (a deleted row leaves
no time behind it; the run finds such deletions by comparing ids)."""

from datetime import datetime, timedelta

from dagster import JobDefinition, RunRequest, SensorDefinition
from sqlalchemy import Engine

from mediaflow_dagster.cms.database import transaction
from mediaflow_dagster.cms.search.documents import latest_change
from mediaflow_dagster.cms.search.store import index_state
from mediaflow_dagster.sensors.timers import ops_store_sensor

SWEEP = timedelta(minutes=15)


def _behind(engine: Engine, now: datetime) -> list[RunRequest]:
    with transaction(engine) as connection:
        state = index_state(connection)
        changed = latest_change(connection)
    read_until = state.changed_before
    behind = (
        read_until is None
        or (changed is not None and changed >= read_until)
        or state.pending_deletions > 0
        or now - read_until > SWEEP
    )
    return [RunRequest(run_key=f"search-index-{now:%Y%m%d%H%M%S}")] if behind else []


def search_index_sensor(job: JobDefinition) -> SensorDefinition:
    return ops_store_sensor("search_index", job, _behind, minimum_interval_seconds=30)

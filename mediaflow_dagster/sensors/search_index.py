"""The sensor that keeps the search index within a minute of the ops store: every 30 seconds it
asks for a run when something documents are made of changed after the last run read, when
deletions wait for Meilisearch, or when the last run is older than `SWEEP` (a deleted row leaves
no time behind it; the run finds such deletions by comparing ids)."""

from datetime import timedelta

from dagster import (
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from mediaflow_dagster.cms.database import transaction, utcnow
from mediaflow_dagster.cms.search.documents import latest_change
from mediaflow_dagster.cms.search.store import index_state
from mediaflow_dagster.resources.ops_store import OpsStore

SWEEP = timedelta(minutes=15)


def search_index_sensor(job: JobDefinition) -> SensorDefinition:
    @sensor(
        name="search_index",
        job=job,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: SensorEvaluationContext, ops_store: OpsStore) -> SensorResult:
        now = utcnow()
        with transaction(ops_store.engine) as connection:
            state = index_state(connection)
            changed = latest_change(connection)
        read_until = state.changed_before
        behind = (
            read_until is None
            or (changed is not None and changed >= read_until)
            or state.pending_deletions > 0
            or now - read_until > SWEEP
        )
        if not behind:
            return SensorResult(skip_reason=SkipReason("the search index is current"))
        return SensorResult(run_requests=[RunRequest(run_key=f"search-index-{now:%Y%m%d%H%M%S}")])

    return _sensor

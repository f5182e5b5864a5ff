"""The sensor that starts a campaign automation run when a phase's start or end has come or a
module event waits for a rule; the same due work is asked for once per five minutes at most
(a run that failed is tried again in the next window)."""

from datetime import datetime

from dagster import JobDefinition, RunRequest, SensorDefinition
from sqlalchemy import Engine

from mediaflow_dagster.cms.automation import pending_events
from mediaflow_dagster.cms.phases import due_moves
from mediaflow_dagster.sensors.timers import ops_store_sensor


def _due(engine: Engine, now: datetime) -> list[RunRequest]:
    moves = due_moves(engine, now)
    events = pending_events(engine, 1)
    if not moves and not events:
        return []
    phase_key = "-".join(f"{phase_id}{edge[0]}" for phase_id, edge in moves) or "none"
    event_key = events[0]["inbox_id"] if events else "none"
    window = now.strftime("%Y%m%d%H") + f"{now.minute // 5:02d}"
    return [RunRequest(run_key=f"automation-{phase_key}-{event_key}-{window}")]


def automation_sensor(job: JobDefinition) -> SensorDefinition:
    return ops_store_sensor("campaign_automation", job, _due, minimum_interval_seconds=10)

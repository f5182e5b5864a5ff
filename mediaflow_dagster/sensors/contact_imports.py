"""The sensor that starts a run for each CSV import of contacts the API accepted."""

from datetime import datetime

from dagster import JobDefinition, RunRequest, SensorDefinition
from sqlalchemy import Engine

from mediaflow_dagster.cms.contact_imports import pending_imports
from mediaflow_dagster.sensors.timers import ops_store_sensor


def _pending(engine: Engine, _now: datetime) -> list[RunRequest]:
    return [
        RunRequest(run_key=f"contact-import-{import_id}") for import_id in pending_imports(engine)
    ]


def contact_imports_sensor(job: JobDefinition) -> SensorDefinition:
    return ops_store_sensor("contact_imports", job, _pending, minimum_interval_seconds=10)

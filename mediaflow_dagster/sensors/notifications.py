"""The sensor that starts the sending run when a request waits to be planned or a message is
due; the same state starts one run per five minutes at most."""

from datetime import datetime

from dagster import JobDefinition, RunRequest, SensorDefinition
from sqlalchemy import Engine

from mediaflow_dagster.cms.notifications import pending_work
from mediaflow_dagster.sensors.timers import ops_store_sensor


def _sending(engine: Engine, now: datetime) -> list[RunRequest]:
    with engine.connect() as connection:
        work = pending_work(connection, now)
    if work["request"] is None and work["message"] is None:
        return []
    bucket = now.strftime("%Y%m%d%H") + f"{now.minute // 5:02d}"
    return [
        RunRequest(
            run_key=f"notify-{work['request']}-{work['message']}-{work['attempts']}-{bucket}"
        )
    ]


def notifications_sensor(job: JobDefinition) -> SensorDefinition:
    return ops_store_sensor("notifications", job, _sending, minimum_interval_seconds=10)

"""The last successful run of each schedule, read from the Dagster instance's run storage (the
API never calls Dagster's webserver or daemon): `DAGSTER_HOME` where the process has one, else the
settings' `<home>/dagster`. One instance per process, opened on first use; each read is given a
few seconds, after which the answer says the schedules are unknown rather than wait or fail."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as ReadTimedOut
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from mediaflow_dagster.settings import Settings

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
"""Every schedule of the code location (`definitions.py`; a test keeps the two lists equal)."""
SCHEDULE_TAG = "dagster/schedule_name"
READ_SECONDS = 3.0
_reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dagster-instance")


def instance_home(settings: Settings) -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or settings.dagster_home)


def schedule_runs(home: Path, timeout_seconds: float = READ_SECONDS) -> dict[str, Any]:
    """`known` with each schedule's last success (None: none yet), or `unknown` with why."""
    if not (home / "dagster.yaml").exists() and not (home / "history").exists():
        return _unknown(f"no Dagster instance at {home}")
    try:
        items = _reader.submit(_last_successes, str(home)).result(timeout=timeout_seconds)
    except ReadTimedOut:
        return _unknown(f"the Dagster instance did not answer within {timeout_seconds:g} s")
    except Exception as error:  # any storage's failure: the rest of the status still answers
        return _unknown(f"the Dagster instance could not be read: {type(error).__name__}")
    return {"state": "known", "detail": None, "items": items}


def _unknown(detail: str) -> dict[str, Any]:
    return {
        "state": "unknown",
        "detail": detail,
        "items": [{"name": name, "last_success_at": None} for name in SCHEDULES],
    }


@lru_cache(maxsize=4)
def _instance(home: str) -> DagsterInstance:
    return DagsterInstance.from_config(home)


def _last_successes(home: str) -> list[dict[str, Any]]:
    instance = _instance(home)
    items = []
    for name in SCHEDULES:
        records = instance.get_run_records(
            filters=RunsFilter(tags={SCHEDULE_TAG: name}, statuses=[DagsterRunStatus.SUCCESS]),
            limit=1,
        )
        ended = records[0].end_time if records else None
        items.append(
            {
                "name": name,
                "last_success_at": (
                    datetime.fromtimestamp(ended, UTC).replace(tzinfo=None) if ended else None
                ),
            }
        )
    return items

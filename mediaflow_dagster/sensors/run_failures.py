"""The sensor that tells someone when a run fails: once per failed run (Dagster's cursor, and the
run id kept in the ops store, `cms/run_failures.py`), a `run_failed` webhook event and an email
naming the job, the failed steps with their error's class and first line, and a link to the run
in the Dagster UI. URLs, secrets and addresses are scrubbed out of the errors (`logs.scrubbed`):
an error can carry a hook's token or a signed link."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from dagster import (
    DagsterEvent,
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorDefinition,
    run_failure_sensor,
)
from dagster._utils.error import SerializableErrorInfo

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.run_failures import FailedStep, RunFailure, notice
from mediaflow_dagster.logs import scrubbed
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.settings import Settings

PARTITION_TAG = "dagster/partition"
WRAPPERS = ("DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError")
"""Dagster's own errors around the one the step's code raised: the cause is what to report."""


def run_failures_sensor(settings: Settings) -> SensorDefinition:
    @run_failure_sensor(
        name="run_failures",
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
    )
    def run_failures(context: RunFailureSensorContext, ops_store: OpsStore) -> None:
        failure = describe(context, settings.dagster_ui_url)
        if notice(ops_store.engine, failure, settings.operations_email):
            context.log.info(f"run {failure.run_id} of {failure.job} reported as failed")

    return run_failures


def describe(context: RunFailureSensorContext, dagster_ui_url: str) -> RunFailure:
    """What is told of the failed run: its job, campaign, failed steps and where to see it."""
    run = context.dagster_run
    environment = dict(os.environ)
    steps = [
        _failed_step(event.step_key or "run", event.step_failure_data.error, environment)
        for event in context.get_step_failure_events()
        if event.step_failure_data is not None
    ] or [_run_failure(context.failure_event, environment)]
    partition = run.tags.get(PARTITION_TAG, "")
    record = context.instance.get_run_record_by_id(run.run_id)
    return RunFailure(
        run_id=run.run_id,
        job=run.job_name,
        campaign_id=int(partition) if partition.isdigit() else None,
        steps=steps,
        failed_at=_ended(record.end_time if record else None),
        run_url=f"{dagster_ui_url.rstrip('/')}/runs/{run.run_id}",
    )


def _ended(end_time: float | None) -> datetime:
    """The run's end as naive UTC (`cms/schema.py`), or now when the instance has none yet."""
    if end_time is None:
        return utcnow()
    return datetime.fromtimestamp(end_time, UTC).replace(tzinfo=None)


def _failed_step(
    step: str, error: SerializableErrorInfo | None, environment: dict[str, str]
) -> FailedStep:
    while error is not None and error.cls_name in WRAPPERS and error.cause is not None:
        error = error.cause
    if error is None:
        return FailedStep(step, "unknown", "the step failed without an error")
    error_class = error.cls_name or "Error"
    message = error.message.removeprefix(f"{error_class}: ")
    return FailedStep(step, error_class, _first_line(message, environment))


def _run_failure(event: DagsterEvent, environment: dict[str, str]) -> FailedStep:
    return FailedStep("run", "RunFailure", _first_line(event.message or "", environment))


def _first_line(message: str, environment: dict[str, str]) -> str:
    line = next((line.strip() for line in message.splitlines() if line.strip()), "")
    return scrubbed(line, environment)[:300]

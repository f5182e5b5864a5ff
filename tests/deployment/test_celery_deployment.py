"""The production deployment as processes on this machine: the Dagster webserver, daemon and a
gRPC code server on a PostgreSQL instance (deploy/dagster.yaml, dagster-postgres), two Celery
workers on the machine's RabbitMQ, and the hourly insights collection run through them: its
platforms' steps spread over both workers and each reading lands once, even when a worker is
killed in the middle of a step.

Run alone with `pytest -m deployment`. Each test sends its steps to a Celery queue of its own,
so two runs of the suite at once never take each other's steps."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import RunsFilter
from pydantic import SecretStr
from rich.console import Console
from sqlalchemy import make_url
from support.celery_workers import celery_workers
from support.databases import fresh_database
from support.published import ACCOUNTS, publish_everywhere

from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.definitions import build_resources
from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.addresses import TIKTOK_PREFIX
from mediaflow_sandbox.control import client_environment
from mediaflow_sandbox.dagster_processes import DagsterProcesses
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.processes import settings_environment

pytestmark = [pytest.mark.deployment, pytest.mark.xdist_group("celery-deployment")]

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
BROKER = "pyamqp://guest:guest@127.0.0.1:5672//"
PUBLISHED_AT = datetime(2026, 11, 20, 8, 20, tzinfo=UTC)
READ_AT = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
PARTITION = "2026-11-20-09:00"
WORKERS = ["mediaflow-a", "mediaflow-b"]
PLATFORM_STEPS = {f"collect_{platform}_insights" for platform in ACCOUNTS}


@pytest.fixture
def dagster_storage(postgres_server: str) -> Iterator[str]:
    """A database of its own for Dagster's runs, events and schedules."""
    with fresh_database(postgres_server, "mediaflow_test_dagster") as url:
        yield url


@pytest.fixture
def deployment(
    tmp_path, postgres_database, dagster_storage, sandbox, sandbox_settings, in_environment
) -> Settings:
    """The production settings (PostgreSQL, the Celery executor on a queue of the test's own)
    in the environment every process inherits, the Dagster instance of deploy/dagster.yaml,
    and one published post per platform on the sandbox."""
    settings = Settings(
        backend="postgres",
        home=tmp_path,
        postgres_url=SecretStr(postgres_database),
        executor="celery",
        celery_broker_url=SecretStr(BROKER),
        celery_queue=f"mediaflow-test-{uuid.uuid4().hex[:10]}",
    )
    storage = make_url(dagster_storage)
    in_environment(
        settings_environment(settings)
        | client_environment(sandbox_settings)
        | {
            "MEDIAFLOW_DAGSTER_PG_HOST": storage.host,
            "MEDIAFLOW_DAGSTER_PG_USER": storage.username,
            "MEDIAFLOW_DAGSTER_PG_PASSWORD": storage.password or "",
            "MEDIAFLOW_DAGSTER_PG_DB": storage.database,
        }
    )
    settings.dagster_home.mkdir(parents=True)
    (settings.dagster_home / "dagster.yaml").write_text((DEPLOY / "dagster.yaml").read_text())
    engine = ops_engine(settings.ops_database_url)
    migrate(engine)
    sandbox.clear_faults()
    publish_everywhere(engine, sandbox, PUBLISHED_AT)
    sandbox.set_clock(READ_AT)
    return settings


def step_name(step_key: str) -> str:
    """`collect_x_insights` of `post_insight_snapshots.collect_x_insights`."""
    return step_key.rsplit(".", 1)[-1]


def step_workers(instance, run_id: str) -> dict[str, str]:
    """Each step of the run and the Celery worker that ran it, from the workers' own events."""
    return {
        step_name(entry.step_key): metadata["Celery worker"].value
        for entry in instance.all_logs(run_id)
        if entry.dagster_event
        and entry.dagster_event.is_engine_event
        and "Celery worker" in (metadata := entry.dagster_event.engine_event_data.metadata)
    }


def step_processes(instance, run_id: str) -> dict[str, int]:
    return {
        step_name(entry.step_key): entry.dagster_event.pid
        for entry in instance.all_logs(run_id)
        if entry.dagster_event and entry.dagster_event.event_type_value == "STEP_START"
    }


def step_started(instance, step: str, timeout_seconds: float = 240) -> int:
    """The process of the insights run's step's first start, once it has started (the daemon's
    schedules may start other runs meanwhile)."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        for run in instance.get_runs(RunsFilter(job_name="insights_job"), limit=1):
            if pid := step_processes(instance, run.run_id).get(step):
                return pid
        time.sleep(0.2)
    raise TimeoutError(f"{step} did not start in {timeout_seconds} s")


def landed_readings(settings: Settings, run_id: str):
    return build_resources(settings, resolve_secrets=True)["warehouse"].query(
        "select platform, publication_id, metric, collected_at from raw.post_insight_snapshots "
        f"where run_id = '{run_id}'"
    )


def test_the_insights_hour_runs_its_platforms_on_both_celery_workers_and_lands_each_reading_once(
    deployment: Settings,
):
    with (
        celery_workers(
            WORKERS, deployment.celery_queue, deployment.dagster_home, deployment.home / "logs"
        ),
        DagsterProcesses(deployment, Console(quiet=True)) as dagster,
    ):
        run_id = dagster.run("insights_job", PARTITION)
        workers = step_workers(dagster.instance, run_id)
        processes = step_processes(dagster.instance, run_id)
        run = dagster.instance.get_run_by_id(run_id)

    assert run.tags["mediaflow.platform/tiktok"] == "true"
    assert PLATFORM_STEPS | {"land_insights"} <= set(workers)
    assert {workers[step].split("@")[0] for step in PLATFORM_STEPS} == set(WORKERS)
    assert len({processes[step] for step in PLATFORM_STEPS}) == 2
    landed = landed_readings(deployment, run_id)
    assert set(landed["platform"]) == set(ACCOUNTS)
    assert not landed.duplicated(["publication_id", "metric", "collected_at"]).any()


def test_a_worker_killed_in_the_middle_of_a_platform_s_step_has_the_step_run_again_elsewhere(
    deployment: Settings, sandbox
):
    """TikTok's first answer takes 8 s; its worker is killed (SIGKILL) while it waits. The
    broker hands the unacknowledged step to the other worker, the run succeeds, and the hour's
    readings land once."""
    sandbox.set_faults(FaultRule(path_prefix=TIKTOK_PREFIX, latency_ms=8000, times=1))
    with (
        celery_workers(
            WORKERS, deployment.celery_queue, deployment.dagster_home, deployment.home / "logs"
        ),
        DagsterProcesses(deployment, Console(quiet=True)) as dagster,
        ThreadPoolExecutor(max_workers=1) as launcher,
    ):
        run = launcher.submit(dagster.run, "insights_job", PARTITION)
        killed = step_started(dagster.instance, "collect_tiktok_insights")
        os.kill(killed, signal.SIGKILL)
        run_id = run.result()
        tiktok_starts = [
            (entry.dagster_event.pid, entry.timestamp)
            for entry in dagster.instance.all_logs(run_id)
            if entry.dagster_event
            and entry.dagster_event.event_type_value == "STEP_START"
            and step_name(entry.step_key) == "collect_tiktok_insights"
        ]

    assert len(tiktok_starts) == 2
    assert tiktok_starts[0][0] == killed != tiktok_starts[1][0]
    landed = landed_readings(deployment, run_id)
    assert set(landed["platform"]) == set(ACCOUNTS)
    assert not landed.duplicated(["publication_id", "metric", "collected_at"]).any()

"""Latency from an approval to its confirmed publication, with the Dagster daemon running the
sensors for real under `dg dev`.

Starts the sandbox and the API on free loopback ports, makes every Make scenario webhook answer
200 ms late (a sandbox fault rule), generates `--approvals` images through n8n for a campaign
targeting Facebook, Instagram and X (in this process, before the daemon starts), then starts
`dg dev` on the same settings and approves the objects through the API a
few seconds apart. For each approval it measures the time to the first Make callback of its
publications stored in the API's inbox (`callback_inbox.received_at`, which becomes
`publications.confirmed_at`), and to that callback being recorded by a `publication_outcomes_job`
run. Everything it started is stopped at the end, even on failure.

    PATH=/tmp/probe-venv/bin:$PATH /tmp/probe-venv/bin/python benchmarks/approval_to_confirmed.py
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
from _campaign import active_campaign
from dagster import DagsterEventType, DagsterInstance, RunsFilter
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, select

from mediaflow_dagster.cms import campaigns
from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.schema import approvals, callback_inbox, publications
from mediaflow_dagster.settings import Settings, get_settings
from mediaflow_sandbox.control import client_environment, running_sandbox
from mediaflow_sandbox.dagster_processes import write_instance_config
from mediaflow_sandbox.demo import cms_client
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.local_runs import LocalOrchestrator
from mediaflow_sandbox.processes import (
    background_service,
    free_local_ports,
    patched_environ,
    settings_environment,
)
from mediaflow_sandbox.settings import SandboxSettings

REPO = Path(__file__).resolve().parent.parent
GOAL_P95_SECONDS = 15.0
MAKE_HOOK_LATENCY_MS = 200
STARTUP_TIMEOUT_SECONDS = 240
STOP_TIMEOUT_SECONDS = 30
TARGETED_PLATFORMS = 3
READY_QUERY = """
query Ready {
  instance { daemonHealth { allDaemonStatuses { daemonType required healthy } } }
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError { __typename ... on PythonError { message } }
      }
    }
  }
  sensorOrError(sensorSelector: {repositoryLocationName: "mediaflow",
                                 repositoryName: "__repository__", sensorName: "approvals"}) {
    __typename
    ... on Sensor { sensorState { status ticks(limit: 1) { status timestamp } } }
  }
}
"""


class BenchmarkFailed(RuntimeError):
    """A service did not come up, or the chain did not get where it should in time."""


@dataclass
class Approval:
    object_id: int
    approval_id: int
    approved_at: float  # epoch seconds, the API's clock
    first_callback: float | None = None
    first_recorded: float | None = None
    publications: int = 0
    callbacks: int = 0
    confirmed: int = 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--approvals", type=int, default=10, help="objects to approve (10)")
    parser.add_argument(
        "--spacing", type=float, default=3.0, help="seconds between two approvals (3)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=150.0,
        help="seconds to wait, after the last approval, for every Make callback (150)",
    )
    parser.add_argument(
        "--wait-recorded",
        action="store_true",
        help="also wait until publication_outcomes_job runs recorded every callback",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary home (stores and logs)"
    )
    args = parser.parse_args()
    if args.approvals < 1:
        parser.error("--approvals must be at least 1")
    # A plain `kill` must stop the servers and dg dev too: let the `with` blocks unwind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    home = Path(tempfile.mkdtemp(prefix="mediaflow-bench-approval-"))
    try:
        return benchmark(args, home)
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


def benchmark(args: argparse.Namespace, home: Path) -> int:
    with ExitStack() as stack:
        sandbox_port, tls_port, api_port, webserver_port = free_local_ports(4)
        sandbox_settings = SandboxSettings(
            home=home / "sandbox", port=sandbox_port, tls_port=tls_port
        )
        settings = stack.enter_context(benchmark_settings(home, sandbox_settings, api_port))
        logs = settings.home / "logs"
        print(f"home {home} (logs in logs/)")
        sandbox = stack.enter_context(
            running_sandbox(sandbox_settings, log_path=logs / "sandbox.log")
        )
        api_health = f"{settings.public_api_url}/health"
        stack.enter_context(
            background_service(
                "mediaflow_dagster.cli", "api", {}, api_health, log_path=logs / "api.log"
            )
        )
        sandbox.set_faults(FaultRule(path_prefix="/make/hook/", latency_ms=MAKE_HOOK_LATENCY_MS))
        print(
            f"sandbox :{sandbox_port} and API :{api_port} up; Make hooks answer "
            f"{MAKE_HOOK_LATENCY_MS} ms late"
        )
        engine = ops_engine(settings.ops_database_url)
        campaign_id, object_ids = prepare(settings, sandbox_settings, engine, args.approvals)

        started = time.monotonic()
        webserver = stack.enter_context(dg_dev(settings, webserver_port, logs / "dg-dev.log"))
        print(
            f"dg dev up at {webserver} in {time.monotonic() - started:.1f} s "
            "(code location loaded, daemons healthy, approvals sensor ticking)"
        )

        cms = stack.enter_context(cms_client(settings.public_api_url, "approval benchmark"))
        made = approve(cms, engine, object_ids, args.spacing)
        print(f"{len(made)} objects approved {args.spacing:g} s apart; waiting for Make")
        complete = wait_for_confirmations(
            engine, campaign_id, made, args.timeout, recorded=args.wait_recorded
        )
        ticks = sensor_tick_times(webserver)
        instance = stack.enter_context(DagsterInstance.from_config(str(settings.dagster_home)))
        wait_for_publish_runs(instance, timeout=30)
        posts = Counter(post["idempotency_key"] for post in sandbox.ground_truth()["posts"])
        runs = publish_runs(instance)
        outcome_runs = instance.get_run_records(RunsFilter(job_name="publication_outcomes_job"))
    return report(made, runs, outcome_runs, ticks, posts, complete)


@contextmanager
def benchmark_settings(home: Path, sandbox: SandboxSettings, api_port: int):
    """The settings of every process (this one, the servers, dg dev and its runs) as
    MEDIAFLOW_* variables, every client aimed at the sandbox; restored at the end."""
    located = Settings(
        backend="embedded",
        home=home,
        api_port=api_port,
        public_api_url=f"http://127.0.0.1:{api_port}",
    )
    environment = settings_environment(located) | client_environment(sandbox)
    environment["DAGSTER_HOME"] = str(located.dagster_home)
    with patched_environ(environment):
        get_settings.cache_clear()
        try:
            yield get_settings()
        finally:
            get_settings.cache_clear()


def prepare(
    settings: Settings, sandbox: SandboxSettings, engine: Engine, count: int
) -> tuple[int, list[int]]:
    """An active campaign targeting three accounts, with `count` images generated through n8n
    and ready for approval; the sensors are ticked here, the daemon is not running yet."""
    campaign_id = active_campaign(engine, sandbox, "Benchmark approvals", TARGETED_PLATFORMS)
    object_ids = [
        campaigns.create_object(
            engine,
            campaign_id=campaign_id,
            object_type="image",
            title=f"Visuel produit X #{number}",
            sources=[f"https://cdn.example.com/images/produit-x-{number}.jpg"],
            config={"ratio": "4:5"},
        )["id"]
        for number in range(1, count + 1)
    ]
    write_instance_config(settings.dagster_home)
    started = time.monotonic()
    with LocalOrchestrator(settings, Console(quiet=True)) as chain:
        chain.instance.add_dynamic_partitions("campaigns", [str(campaign_id)])
        chain.run("content_generation_job", str(campaign_id))
        chain.tick_until(
            "n8n_callbacks",
            lambda: len(campaigns.objects_in_status(engine, campaign_id, "ready")) == count,
            "every object ready",
        )
    print(
        f"campaign {campaign_id}: {count} images generated through n8n + SharePoint and ready "
        f"in {time.monotonic() - started:.1f} s (runs in this process, before the daemon)"
    )
    return campaign_id, object_ids


@contextmanager
def dg_dev(settings: Settings, port: int, log_path: Path) -> Iterator[str]:
    """`dg dev` in its own process group, from the moment it is ready to the block's end; then
    the group is interrupted as Ctrl-C would, and killed if it lingers."""
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("dg")),
                "dev",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            cwd=REPO,
            env={**os.environ, "DAGSTER_HOME": str(settings.dagster_home)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_ready(process, base_url, log_path)
            yield base_url
        finally:
            stopping = time.monotonic()
            stop_group(process)
            print(f"dg dev and its runs stopped in {time.monotonic() - stopping:.1f} s")


def wait_until_ready(process: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    state = "the webserver"
    with httpx.Client(base_url=base_url, timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BenchmarkFailed(f"dg dev exited with {process.returncode}; {log_path}")
            try:
                answer = client.post("/graphql", json={"query": READY_QUERY})
                data = answer.json()["data"] if answer.status_code == 200 else None
            except (httpx.TransportError, ValueError, KeyError):
                data = None
            if data:
                state = readiness(data)
                if state is None:
                    return
            time.sleep(0.5)
    raise BenchmarkFailed(f"dg dev not ready after {STARTUP_TIMEOUT_SECONDS} s: {state}")


def readiness(data: dict[str, Any]) -> str | None:
    """What dg dev still waits for, or None when it is ready."""
    workspace = data["workspaceOrError"]
    entries = workspace.get("locationEntries") or []
    location = next((entry for entry in entries if entry["name"] == "mediaflow"), None)
    if location is None or location["loadStatus"] != "LOADED":
        return "the code location to load"
    loaded = location["locationOrLoadError"] or {}
    if loaded.get("__typename") == "PythonError":
        raise BenchmarkFailed(f"the code location failed to load: {loaded['message']}")
    statuses = data["instance"]["daemonHealth"]["allDaemonStatuses"]
    unhealthy = [s["daemonType"] for s in statuses if s["required"] and not s["healthy"]]
    if unhealthy or not any(s["daemonType"] == "SENSOR" for s in statuses):
        return f"the daemons to be healthy ({', '.join(unhealthy) or 'SENSOR'})"
    sensor = data["sensorOrError"]
    if sensor.get("__typename") != "Sensor" or not sensor["sensorState"]["ticks"]:
        return "the approvals sensor's first tick"
    return None


def stop_group(process: subprocess.Popen) -> None:
    """Interrupt dg dev's process group (webserver, daemon, code server, runs), wait for
    it, kill what is left."""
    group = process.pid
    for signal_number, wait in (
        (signal.SIGINT, STOP_TIMEOUT_SECONDS),
        (signal.SIGTERM, 10),
        (signal.SIGKILL, 5),
    ):
        try:
            os.killpg(group, signal_number)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _group_alive(group):
            if process.poll() is None:
                with suppress(subprocess.TimeoutExpired):
                    process.wait(0.2)
            else:
                time.sleep(0.2)
        if not _group_alive(group):
            break
    if process.poll() is None:
        process.wait()


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def approve(cms: httpx.Client, engine: Engine, object_ids: list[int], spacing: float):
    made = []
    for index, object_id in enumerate(object_ids):
        if index:
            time.sleep(spacing)
        response = cms.post(f"/api/objects/{object_id}/approve", json={})
        if response.is_error:
            raise BenchmarkFailed(f"approving {object_id}: {response.status_code} {response.text}")
        with engine.connect() as connection:
            row = connection.execute(
                select(approvals.c.id, approvals.c.approved_at)
                .where(approvals.c.object_id == object_id, approvals.c.voided_at.is_(None))
                .order_by(approvals.c.id.desc())
            ).first()
        made.append(Approval(object_id, row.id, _epoch(row.approved_at)))
    return made


def wait_for_confirmations(
    engine: Engine, campaign_id: int, made: list[Approval], timeout: float, *, recorded: bool
) -> bool:
    """Until every publication of the approved objects has its Make callback in the inbox (and,
    with `recorded`, recorded in `publications`), or the timeout. Fills in each approval's
    first callback and first recorded times and its counts."""
    by_object = {approval.object_id: approval for approval in made}
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    publications.c.id, publications.c.object_id, publications.c.confirmed_at
                ).where(publications.c.campaign_id == campaign_id)
            ).all()
            callbacks = connection.execute(
                select(
                    callback_inbox.c.subject_id,
                    callback_inbox.c.received_at,
                    callback_inbox.c.processed_at,
                    callback_inbox.c.status,
                ).where(
                    callback_inbox.c.source == "make", callback_inbox.c.campaign_id == campaign_id
                )
            ).all()
        object_of = {row.id: row.object_id for row in rows}
        for approval in made:
            approval.publications = sum(row.object_id == approval.object_id for row in rows)
            approval.confirmed = sum(
                row.object_id == approval.object_id and row.confirmed_at is not None for row in rows
            )
            approval.callbacks = 0
        for callback in callbacks:
            approval = by_object.get(object_of.get(callback.subject_id))
            if approval is None:
                continue
            approval.callbacks += 1
            approval.first_callback = _earliest(approval.first_callback, callback.received_at)
            if callback.status == "processed":
                approval.first_recorded = _earliest(approval.first_recorded, callback.processed_at)
        done = [
            approval.publications == TARGETED_PLATFORMS <= approval.callbacks
            and (approval.confirmed == approval.publications or not recorded)
            for approval in made
        ]
        if all(done):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)


def sensor_tick_times(webserver: str) -> list[float]:
    """When the approvals sensor ticked (epoch seconds, oldest first), as the daemon kept it."""
    query = """
    query Ticks {
      sensorOrError(sensorSelector: {repositoryLocationName: "mediaflow",
                                     repositoryName: "__repository__", sensorName: "approvals"}) {
        ... on Sensor { sensorState { ticks(limit: 200) { timestamp } } }
      }
    }
    """
    try:
        answer = httpx.post(f"{webserver}/graphql", json={"query": query}, timeout=10)
        ticks = answer.json()["data"]["sensorOrError"]["sensorState"]["ticks"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return []
    return sorted(tick["timestamp"] for tick in ticks)


@dataclass
class PublishRun:
    """One publish_job run's milestones, epoch seconds (None: not reached)."""

    created: float  # the approvals sensor asked for it; it waits in the run queue
    launched: float | None  # dequeued, its run worker process starting (RUN_STARTING)
    started: float | None  # the run worker loaded the code location (RUN_START)
    dispatch: float | None  # the publication_requests step started
    ended: float | None
    step_loads: float  # seconds the step subprocesses spent starting (loading the code)
    step_work: float  # seconds the steps themselves took
    status: str


def wait_for_publish_runs(instance: DagsterInstance, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = instance.get_run_records(RunsFilter(job_name="publish_job"))
        if all(record.dagster_run.is_finished for record in records):
            return
        time.sleep(0.5)


def publish_runs(instance: DagsterInstance) -> dict[str, PublishRun]:
    """Each publish_job run by run key, with its milestones from its event log."""
    runs = {}
    for record in instance.get_run_records(RunsFilter(job_name="publish_job")):
        run = record.dagster_run
        first: dict[tuple[str | None, str], float] = {}
        for entry in instance.all_logs(run.run_id):
            if entry.dagster_event_type:
                first.setdefault((entry.step_key, entry.dagster_event_type.value), entry.timestamp)
        step_loads = step_work = 0.0
        for step in ("ops__publication_plans", "ops__publication_requests"):
            worker = first.get((step, DagsterEventType.STEP_WORKER_STARTING.value))
            begun = first.get((step, DagsterEventType.STEP_START.value))
            done = first.get((step, DagsterEventType.STEP_SUCCESS.value))
            if worker and begun:
                step_loads += begun - worker
            if begun and done:
                step_work += done - begun
        runs[run.tags.get("dagster/run_key", run.run_id)] = PublishRun(
            created=_record_created(record),
            launched=first.get((None, DagsterEventType.RUN_STARTING.value)),
            started=first.get((None, DagsterEventType.RUN_START.value)),
            dispatch=first.get(("ops__publication_requests", DagsterEventType.STEP_START.value)),
            ended=record.end_time,
            step_loads=step_loads,
            step_work=step_work,
            status=run.status.value,
        )
    return runs


def report(
    made: list[Approval],
    runs: dict[str, PublishRun],
    outcome_runs: list,
    ticks: list[float],
    posts: Counter,
    complete: bool,
) -> int:
    table = Table(title="approval → confirmed publication, seconds after each approval")
    columns = {
        "approval": "approval id (object id)",
        "queued": "the approvals sensor created its publish_job run (queued)",
        "dequeued": "the run left the queue: its run worker process starts",
        "started": "the run worker loaded the code location and started the run",
        "dispatch": "its publication_requests step started (after the plans step)",
        "ended": "its run ended",
        "callback": "FIRST MAKE CALLBACK of the object's publications stored in the inbox",
        "recorded": "first of them recorded by a publication_outcomes_job run",
        "callbacks": "callbacks in the inbox / publications of the object",
    }
    for column in columns:
        table.add_column(column, justify="right")
    latencies = []
    for approval in made:
        run = runs.get(f"approval-{approval.approval_id}")
        since = approval.approved_at
        if approval.first_callback is not None:
            latencies.append(approval.first_callback - since)
        table.add_row(
            f"{approval.approval_id} ({approval.object_id})",
            *(
                _after(getattr(run, milestone) if run else None, since)
                for milestone in ("created", "launched", "started", "dispatch", "ended")
            ),
            _after(approval.first_callback, since),
            _after(approval.first_recorded, since),
            f"{approval.callbacks}/{approval.publications}",
        )
    Console(width=120).print(table)
    for column, meaning in columns.items():
        print(f"  {column:>9}: {meaning}")

    span = [tick for tick in ticks if made and tick >= made[0].approved_at - 10]
    gaps = [later - earlier for earlier, later in pairwise(span)]
    print(f"approvals sensor: {len(span)} ticks from the first approval on, every {_mean(gaps)}")
    own = [run for key, run in runs.items() if key.startswith("approval-")]
    statuses = dict(Counter(run.status for run in own))
    print(
        f"publish_job runs: {len(own)} {statuses}; mean seconds in the run queue "
        f"{_mean([r.launched - r.created for r in own if r.launched])}, loading the code in "
        f"the run worker {_mean([r.started - r.launched for r in own if r.started and r.launched])}"
        f", starting the 2 step subprocesses {_mean([r.step_loads for r in own])}, "
        f"in the steps {_mean([r.step_work for r in own])}"
    )
    others = [run for key, run in runs.items() if not key.startswith("approval-")]
    if others:
        print(
            f"other publish_job runs (publication_timers' `due-…` keys): {len(others)} "
            f"{dict(Counter(run.status for run in others))}"
        )
    outcome_whole = [
        record.end_time - _record_created(record) for record in outcome_runs if record.end_time
    ]
    print(
        "publication_outcomes_job runs (one per campaign and sensor tick): "
        f"{len(outcome_runs)} created, "
        f"{len(outcome_whole)} ended, created→ended {_mean(outcome_whole)} (mean)"
    )

    duplicates = sum(count - 1 for count in posts.values())
    missing = len(made) - len(latencies)
    verdict = "" if complete else "; NOT every publication got its callback in time"
    posted = (
        f"{sum(posts.values())} posts in the sandbox for {len(posts)} publications, "
        f"{duplicates} duplicates"
    )
    if not latencies:
        print(f"summary: no approval got a Make callback in time; {posted}{verdict}")
        return 1
    p50 = statistics.median(latencies)
    p95 = (
        statistics.quantiles(latencies, n=20, method="inclusive")[-1]
        if len(latencies) > 1
        else latencies[0]
    )
    goal = "met" if p95 < GOAL_P95_SECONDS and not missing else "NOT met"
    print(
        f"summary: {len(made)} approvals → first confirmed Make callback: p50 {p50:.1f} s, "
        f"p95 {p95:.1f} s, max {max(latencies):.1f} s (goal p95 < {GOAL_P95_SECONDS:.0f} s: "
        f"{goal}); {missing} without a callback; {posted}{verdict}"
    )
    return 0 if complete and not missing and not duplicates else 1


def _record_created(record: Any) -> float:
    created = record.create_timestamp
    return (created if created.tzinfo else created.replace(tzinfo=UTC)).timestamp()


def _epoch(moment: datetime) -> float:
    """A naive UTC timestamp of the ops store as epoch seconds."""
    return moment.replace(tzinfo=UTC).timestamp()


def _earliest(current: float | None, moment: datetime | None) -> float | None:
    if moment is None:
        return current
    value = _epoch(moment)
    return value if current is None else min(current, value)


def _after(moment: float | None, since: float) -> str:
    return "—" if moment is None else f"{moment - since:+.1f}"


def _mean(values: list[float]) -> str:
    return f"{statistics.fmean(values):.1f} s" if values else "—"


if __name__ == "__main__":
    sys.exit(main())

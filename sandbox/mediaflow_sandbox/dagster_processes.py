"""The real Dagster processes on a persistent instance: a code server (`dagster api grpc`), the
daemon and the webserver, as production runs them. Runs are launched the way a person or the
daemon launches them: through the webserver's GraphQL API (a job, a backfill) or by the daemon's
own sensors and schedules, and every one goes through the run queue and the concurrency pools.
The demo drives the chain with it; its runs show in the UI like any other."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.remote_representation.external_data import (
    partition_set_snap_name_for_job_name,
)
from rich.console import Console

from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.processes import background_process, free_local_ports, wait_ready

LOCATION = "mediaflow"
REPOSITORY = "__repository__"
PREFERRED_UI_PORT = 3000
"""The UI's usual address, for someone at a terminal; scripts and tests take a free port, so two
stacks started at once never meet on it."""
START_TIMEOUT_SECONDS = 120
RUN_TIMEOUT_SECONDS = 300
POLL_SECONDS = 0.1
DAEMONS = {"SENSOR", "SCHEDULER", "QUEUED_RUN_COORDINATOR", "BACKFILL"}
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
IN_PROGRESS = {DagsterRunStatus.STARTING, DagsterRunStatus.STARTED}

INSTANCE_CONFIG = """\
concurrency:
  # The warehouse takes one writer at a time (DuckDB): its runs share the pool `warehouse`.
  pools:
    default_limit: 1
  # The runs of one backfill go one after the other, in the order they were queued.
  runs:
    tag_concurrency_limits:
      - key: dagster/backfill
        value:
          applyLimitPerUniqueValue: true
        limit: 1
run_queue:
  dequeue_interval_seconds: 1
telemetry:
  enabled: false
"""

LAUNCH_RUN = """
mutation LaunchRun($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on Error { message }
  }
}
"""
LAUNCH_BACKFILL = """
mutation LaunchBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}
"""
LOCATION_STATUS = """
{ workspaceOrError { ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } }
} } } }
"""
NUX_SEEN = "mutation { setNuxSeen }"


class RunFailed(RuntimeError):
    """A run failed, or a sensor's goal was not reached in time."""


def write_instance_config(dagster_home: Path) -> None:
    """The instance's settings in `dagster_home`, unless it has its own already."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_CONFIG)


class DagsterProcesses:
    """The code server, the daemon and the webserver on the instance in the settings'
    `dagster_home`, and the means to launch runs and follow them as a person in the UI would."""

    def __init__(self, settings: Settings, console: Console):
        self.settings = settings
        self.console = console
        self.logs = settings.home / "logs"
        self._stack = ExitStack()
        self.ui_url = ""
        write_instance_config(settings.dagster_home)
        self.instance = self._stack.enter_context(
            DagsterInstance.from_config(str(settings.dagster_home))
        )

    def __enter__(self) -> DagsterProcesses:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()

    def _start(self) -> None:
        grpc_port, ui_port = free_local_ports(2)
        if sys.stdout.isatty() and _port_is_free(PREFERRED_UI_PORT):
            ui_port = PREFERRED_UI_PORT
        workspace = self.settings.dagster_home / "workspace.yaml"
        workspace.write_text(
            "load_from:\n"
            f"  - grpc_server: {{host: 127.0.0.1, port: {grpc_port}, "
            f"location_name: {LOCATION}}}\n"
        )
        code_server = [
            *(_executable("dagster"), "api", "grpc"),
            *("--module-name", "mediaflow_dagster.definitions", "--location-name", LOCATION),
            *("--host", "127.0.0.1", "--port", str(grpc_port)),
        ]
        webserver = [
            *(_executable("dagster-webserver"), "-w", str(workspace)),
            *("--host", "127.0.0.1", "--port", str(ui_port)),
        ]
        daemon = [_executable("dagster-daemon"), "run", "-w", str(workspace)]
        self.ui_url = f"http://127.0.0.1:{ui_port}"
        with self.console.status("starting Dagster: code server, daemon, webserver"):
            self._background(code_server, lambda: not _port_is_free(grpc_port), "code-server")
            # the daemon starts while the webserver loads the location; both are awaited
            daemon_process = self._background(daemon, lambda: True, "daemon")
            self._background(webserver, self._location_loaded, "webserver")
            wait_ready(
                daemon_process,
                "the Dagster daemon",
                self._daemons_alive,
                START_TIMEOUT_SECONDS,
                self.logs / "dagster-daemon.log",
            )
        self._graphql(NUX_SEEN)
        self.console.print(f"[green]✓[/] Dagster up: code server, daemon, webserver {self.ui_url}")

    def _background(
        self, command: list[str], ready: Callable[[], bool], what: str
    ) -> subprocess.Popen:
        """`command` on the instance, until the processes are stopped, from when `ready()`."""
        return self._stack.enter_context(
            background_process(
                command,
                {"DAGSTER_HOME": str(self.settings.dagster_home)},
                ready,
                what=f"the Dagster {what}",
                log_path=self.logs / f"dagster-{what}.log",
                timeout=START_TIMEOUT_SECONDS,
            )
        )

    def _location_loaded(self) -> bool:
        try:
            entries = self._graphql(LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
        except (httpx.TransportError, httpx.HTTPStatusError, KeyError):
            return False
        entry = next(entry for entry in entries if entry["name"] == LOCATION)
        loaded = entry["locationOrLoadError"] or {}
        if loaded.get("__typename") == "PythonError":
            raise RunFailed(f"the code location did not load: {loaded['message']}")
        return entry["loadStatus"] == "LOADED" and loaded.get("__typename") is not None

    def _daemons_alive(self) -> bool:
        return set(self.instance.get_daemon_heartbeats()) >= DAEMONS

    def _graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(
            f"{self.ui_url}/graphql",
            json={"query": query, "variables": variables or {}},
            timeout=60,
        )
        response.raise_for_status()
        answer = response.json()
        if answer.get("errors"):
            raise RunFailed(f"the Dagster webserver refused: {answer['errors']}")
        return answer["data"]

    def run(self, job_name: str, partition_key: str | None = None) -> str:
        """Launches the job as the UI's "Materialize" does (through the run queue) and waits
        for its end; fails unless it succeeded."""
        tags = [{"key": "dagster/partition", "value": partition_key}] if partition_key else []
        launched = self._graphql(
            LAUNCH_RUN,
            {
                "executionParams": {
                    "selector": {
                        "repositoryLocationName": LOCATION,
                        "repositoryName": REPOSITORY,
                        "jobName": job_name,
                    },
                    "executionMetadata": {"tags": tags},
                }
            },
        )["launchRun"]
        if launched["__typename"] != "LaunchRunSuccess":
            raise RunFailed(f"{job_name} was not launched: {launched.get('message')}")
        run_id = launched["run"]["runId"]
        label = f"{job_name}[{partition_key}]" if partition_key else job_name
        with self.console.status(f"running {label}"):
            self._await_runs([run_id])
        self.console.print(f"[green]✓[/] {label} (run {run_id[:8]})")
        return run_id

    def backfill(
        self,
        job_name: str,
        partition_keys: Sequence[str],
        before_each: Callable[[str], None] = lambda _: None,
    ) -> str:
        """A backfill of the job's partitions, launched by the daemon one run after the other
        (the instance's run queue takes one run of a backfill at a time); `before_each(key)` is
        called as each run leaves the queue, before its steps start."""
        launched = self._graphql(
            LAUNCH_BACKFILL,
            {
                "backfillParams": {
                    "selector": {
                        "partitionSetName": partition_set_snap_name_for_job_name(job_name),
                        "repositorySelector": {
                            "repositoryLocationName": LOCATION,
                            "repositoryName": REPOSITORY,
                        },
                    },
                    "partitionNames": list(partition_keys),
                    "title": f"{job_name}: {partition_keys[0]} to {partition_keys[-1]}",
                }
            },
        )["launchPartitionBackfill"]
        if launched["__typename"] != "LaunchBackfillSuccess":
            raise RunFailed(f"the backfill of {job_name} was refused: {launched.get('message')}")
        backfill_id = launched["backfillId"]
        prepared: set[str] = set()
        finished: set[str] = set()
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS * len(partition_keys)
        with self.console.status(f"backfill {backfill_id} of {job_name}") as status:
            while len(finished) < len(partition_keys):
                for run in self.instance.get_runs(
                    RunsFilter(tags={"dagster/backfill": backfill_id})
                ):
                    partition = run.tags["dagster/partition"]
                    if run.status in IN_PROGRESS | FINISHED and partition not in prepared:
                        before_each(partition)
                        prepared.add(partition)
                    if run.status in FINISHED and partition not in finished:
                        self._require_success(run.run_id, f"{job_name}[{partition}]")
                        finished.add(partition)
                        status.update(f"backfill {backfill_id}: {len(finished)} runs done")
                if time.monotonic() > deadline:
                    raise RunFailed(f"backfill {backfill_id} of {job_name} did not finish")
                time.sleep(POLL_SECONDS)
        self.console.print(
            f"[green]✓[/] backfill {backfill_id} of {job_name}: {len(finished)} runs"
        )
        return backfill_id

    def tick_until(self, sensor_name: str, done: Callable[[], bool], what: str) -> None:
        """Until `done()` holds and every run the daemon launched from the sensor has ended;
        fails on a failed run."""
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        with self.console.status(f"waiting until {what}"):
            while True:
                runs = self.instance.get_runs(RunsFilter(tags={"dagster/sensor_name": sensor_name}))
                for run in runs:
                    if run.status in FINISHED:
                        self._require_success(run.run_id, f"{run.job_name} from {sensor_name}")
                settled = runs and all(run.status in FINISHED for run in runs)
                if settled and done():
                    break
                if time.monotonic() > deadline:
                    raise RunFailed(f"timed out waiting until {what}")
                time.sleep(POLL_SECONDS * 5)
        self.console.print(f"[green]✓[/] {what} ({len(runs)} runs from the {sensor_name} sensor)")

    def _await_runs(self, run_ids: Sequence[str]) -> None:
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        for run_id in run_ids:
            while (run := self.instance.get_run_by_id(run_id)).status not in FINISHED:
                if time.monotonic() > deadline:
                    raise RunFailed(f"run {run_id} did not finish in {RUN_TIMEOUT_SECONDS} s")
                time.sleep(POLL_SECONDS)
            self._require_success(run_id, run.job_name)

    def _require_success(self, run_id: str, label: str) -> None:
        if self.instance.get_run_by_id(run_id).status != DagsterRunStatus.SUCCESS:
            raise RunFailed(f"run {run_id} of {label} failed; see {self.ui_url}/runs/{run_id}")


def _executable(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def _port_is_free(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:
        return True

"""Running the code location's jobs and sensors in this process, as the daemon would, on a
persistent instance the Dagster UI can open afterwards. Tests that execute the chain's jobs drive
it with this; the demo runs the real Dagster processes instead (`dagster_processes.py`)."""

import time
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout

from dagster import DagsterInstance, Definitions, build_sensor_context
from rich.console import Console

from mediaflow_dagster.definitions import build_definitions
from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.dagster_processes import RunFailed, write_instance_config

__all__ = ["LocalOrchestrator", "RunFailed"]

QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


class LocalOrchestrator:
    """Dagster runs in this process on a persistent instance, with sensors ticked the way the
    daemon ticks them: cursors kept, dynamic partitions added, a run key launched once."""

    def __init__(self, settings: Settings, console: Console):
        write_instance_config(settings.dagster_home)
        self.instance = DagsterInstance.from_config(str(settings.dagster_home))
        self.definitions: Definitions = build_definitions(settings)
        self.console = console
        self.run_log = settings.home / "logs" / "runs.log"
        self.run_log.parent.mkdir(parents=True, exist_ok=True)
        self.cursors: dict[str, str | None] = {}
        self.launched_run_keys: set[str] = set()

    def __enter__(self) -> "LocalOrchestrator":
        return self

    def __exit__(self, *exc_info) -> None:
        self.instance.dispose()

    def run(self, job_name: str, partition_key: str | None = None, tags: dict | None = None):
        job = self.definitions.resolve_job_def(job_name)
        label = f"{job_name}[{partition_key}]" if partition_key else job_name
        with (
            self.console.status(f"running {label}"),
            open(self.run_log, "a") as log,
            redirect_stdout(log),
        ):
            result = job.execute_in_process(
                run_config=QUIET_CONSOLE,
                instance=self.instance,
                partition_key=partition_key,
                tags=tags,
                raise_on_error=False,
            )
        if not result.success:
            raise RunFailed(
                f"run {result.run_id} of {label} failed; see it in the Dagster UI "
                f"and its output in {self.run_log}"
            )
        self.console.print(f"[green]✓[/] {label} (run {result.run_id[:8]})")
        return result

    def backfill(
        self,
        job_name: str,
        partition_keys: Sequence[str],
        before_each: Callable[[str], None] = lambda _: None,
    ) -> None:
        """The job's partitions one after the other, `before_each(key)` called before each."""
        for partition_key in partition_keys:
            before_each(partition_key)
            self.run(job_name, partition_key)

    def tick(self, sensor_name: str) -> int:
        sensor = self.definitions.resolve_sensor_def(sensor_name)
        context = build_sensor_context(
            instance=self.instance,
            instance_ref=self.instance.get_ref(),
            cursor=self.cursors.get(sensor_name),
            definitions=self.definitions,
            resources=self.definitions.resources,
            sensor_name=sensor_name,
        )
        tick = sensor.evaluate_tick(context)
        for request in tick.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(
                request.partitions_def_name, request.partition_keys
            )
        self.cursors[sensor_name] = tick.cursor
        launched = 0
        for request in tick.run_requests or []:
            if request.run_key in self.launched_run_keys:
                continue
            self.launched_run_keys.add(request.run_key)
            tags = {"dagster/sensor_name": sensor_name, "dagster/run_key": request.run_key}
            self.run(sensor.job_name, request.partition_key, tags)
            launched += 1
        return launched

    def tick_until(self, sensor_name: str, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 240
        while True:
            self.tick(sensor_name)
            if done():
                self.console.print(f"[green]✓[/] {what}")
                return
            if time.monotonic() > deadline:
                raise RunFailed(f"timed out waiting until {what}")
            time.sleep(0.5)

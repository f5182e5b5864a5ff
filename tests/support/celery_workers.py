"""Celery workers of the deployment as processes on this machine, started as production starts
them (`dagster-celery worker start`, deploy/celery.yaml's settings on a queue of their own), each
in its own session so that stopping one stops the Celery process it starts too."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import yaml
from kombu import Connection

from mediaflow_sandbox.processes import wait_ready

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
START_TIMEOUT_SECONDS = 60


def worker_settings(queue: str, folder: Path) -> Path:
    """deploy/celery.yaml with the queue set to `queue`."""
    settings = yaml.safe_load((DEPLOY / "celery.yaml").read_text())
    settings["execution"]["config"]["config_source"]["task_default_queue"] = queue
    path = folder / "celery.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


@contextmanager
def celery_workers(names: list[str], queue: str, dagster_home: Path, logs: Path) -> Iterator[None]:
    """One worker per name, listening on `queue`, each running one step at a time in its own
    process (the `solo` pool: the step runs in the process a `kill -9` would stop)."""
    logs.mkdir(parents=True, exist_ok=True)
    settings = worker_settings(queue, logs)
    executable = Path(sys.executable).with_name("dagster-celery")
    with ExitStack() as stack:
        stack.callback(_delete_queue, queue)
        for name in names:
            stack.enter_context(
                _worker(
                    [
                        *(
                            str(executable)
                            if executable.exists()
                            else shutil.which("dagster-celery"),
                        ),
                        *("worker", "start", "-A", "dagster_celery.app", "-y", str(settings)),
                        *("-q", queue, "--name", name, "--", "--pool=solo"),
                    ],
                    {"DAGSTER_HOME": str(dagster_home)},
                    logs / f"celery-{name}.log",
                    f"{name}@",
                )
            )
        yield


def _delete_queue(queue: str) -> None:
    with Connection(os.environ["MEDIAFLOW_CELERY_BROKER_URL"]) as broker:
        broker.default_channel.queue_delete(queue)


@contextmanager
def _worker(command: list[str], environment: dict, log_path: Path, name: str) -> Iterator[None]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command,
            env={**os.environ, **environment},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_ready(
            process,
            f"the Celery worker {name}",
            lambda: f"{name}" in log_path.read_text() and " ready." in log_path.read_text(),
            START_TIMEOUT_SECONDS,
            log_path,
        )
        yield
    finally:
        _stop_session(process)


def _stop_session(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass

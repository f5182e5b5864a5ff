"""Running mediaflow's servers (`mediaflow api`, `mediaflow-sandbox serve`) as child processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from pydantic import SecretStr

from mediaflow_dagster.settings import Settings

STOP_TIMEOUT_SECONDS = 10


class ServiceDidNotStart(RuntimeError):
    """The child process exited, or did not answer its health check in time."""


def settings_environment(settings: Settings) -> dict[str, str]:
    """`settings` as MEDIAFLOW_* variables, so that another process reads the same settings."""
    environment = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if name == "home":
            value = value.resolve()
        if isinstance(value, SecretStr):
            text = value.get_secret_value()
        elif isinstance(value, bool):
            text = str(value).lower()
        elif isinstance(value, list | dict):
            text = json.dumps(value)
        else:
            text = str(value)
        environment[f"MEDIAFLOW_{name.upper()}"] = text
    return environment


def free_local_ports(count: int) -> list[int]:
    """TCP ports on 127.0.0.1 that nothing listens on right now, all different."""
    with ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]


@contextmanager
def patched_environ(overrides: dict[str, str]) -> Iterator[None]:
    """These environment variables for the `with` block, the previous ones restored after."""
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def background_service(
    module: str,
    command: str,
    environment: dict[str, str],
    health_url: str,
    *,
    log_path: Path | None = None,
    timeout: float = 30.0,
) -> Iterator[subprocess.Popen]:
    """`python -m <module> <command>` with `environment` added to this process's, from its first
    healthy answer to the block's end."""
    with background_process(
        [sys.executable, "-m", module, command],
        environment,
        lambda: answers(health_url),
        what=command,
        log_path=log_path,
        timeout=timeout,
    ) as process:
        yield process


@contextmanager
def background_process(
    command: list[str],
    environment: dict[str, str],
    ready: Callable[[], bool],
    *,
    what: str,
    log_path: Path | None = None,
    timeout: float = 30.0,
) -> Iterator[subprocess.Popen]:
    """`command` with `environment` added to this process's, from the moment `ready()` says so
    to the block's end, when it is stopped."""
    with ExitStack() as stack:
        output = None
        if log_path:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            output = stack.enter_context(open(log_path, "w"))
        process = subprocess.Popen(
            command,
            env={**os.environ, **environment},
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
        try:
            wait_ready(process, what, ready, timeout, log_path)
            yield process
        finally:
            stop(process)


def answers(url: str) -> bool:
    """Whether `url` answers 200 right now."""
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def stop(process: subprocess.Popen, timeout_seconds: float = STOP_TIMEOUT_SECONDS) -> None:
    """Ask the process to stop; kill it if it has not within the timeout."""
    process.terminate()
    try:
        process.wait(timeout_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_ready(
    process: subprocess.Popen,
    what: str,
    ready: Callable[[], bool],
    timeout: float,
    log_path: Path | None = None,
) -> None:
    """Until `ready()`; fails when the process exits first or the timeout passes."""
    where = f"; see {log_path}" if log_path else ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceDidNotStart(f"{what} exited with {process.returncode}{where}")
        if ready():
            return
        time.sleep(0.1)
    raise ServiceDidNotStart(f"{what} was not ready within {timeout:.0f} s{where}")

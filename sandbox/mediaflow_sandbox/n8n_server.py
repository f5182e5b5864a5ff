"""A real n8n on loopback for the tests and the benchmarks: a fresh data folder, an owner, an API
key, and the shipped workflows deployed and active.

n8n is installed by `python3.11 dev.py test` (npm, from `n8n/package.json`), which tells this
module where through MEDIAFLOW_N8N_COMMAND.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks import Webhook

from mediaflow_dagster.n8n_workflows import (
    INSIGHTS_WORKFLOW_VARIABLES,
    N8N_RUNTIME,
    WORKFLOW_VARIABLES,
)
from mediaflow_sandbox.processes import ServiceDidNotStart, free_local_ports, stop

N8N_COMMAND_VARIABLE = "MEDIAFLOW_N8N_COMMAND"
CALLBACK_WAIT_SECONDS = 60
READY_LINE = "Editor is now accessible"
N8N_STOP_TIMEOUT_SECONDS = 15
OWNER = {
    "email": "owner@mediaflow.local",
    "firstName": "Media",
    "lastName": "Flow",
    "password": "Mediaflow-n8n-1",
}
QUIET_N8N = {
    "N8N_DIAGNOSTICS_ENABLED": "false",
    "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
    "N8N_TEMPLATES_ENABLED": "false",
    "N8N_PERSONALIZATION_ENABLED": "false",
    "N8N_HIRING_BANNER_ENABLED": "false",
}


class N8nNotInstalled(RuntimeError):
    """No n8n to start."""


@dataclass(frozen=True)
class LocalN8n:
    base_url: str
    api_key: str
    log_path: Path

    @property
    def webhook_base_url(self) -> str:
        return f"{self.base_url}/webhook"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v1"


def workflow_environment(environment: Mapping[str, str], work_dir: Path) -> dict[str, str]:
    """What the shipped workflows read from n8n's environment, taken from `environment` (the
    variables of the services they talk to), and where they keep their files."""
    workflow = {name: environment[name] for name in WORKFLOW_VARIABLES}
    workflow |= {
        name: environment[name] for name in INSIGHTS_WORKFLOW_VARIABLES if name in environment
    }
    workflow["MEDIAFLOW_N8N_WORK_DIR"] = str(work_dir)
    if environment.get("MEDIAFLOW_CA_BUNDLE"):
        workflow["NODE_EXTRA_CA_CERTS"] = environment["MEDIAFLOW_CA_BUNDLE"]
    return workflow


def n8n_command() -> str:
    command = os.environ.get(N8N_COMMAND_VARIABLE) or shutil.which("n8n")
    if not command:
        raise N8nNotInstalled(
            f"n8n is not installed: run `python3.11 dev.py test`, or set {N8N_COMMAND_VARIABLE}"
        )
    return command


@contextmanager
def running_n8n(
    environment: Mapping[str, str], folder: Path, timeout_seconds: float = 120.0
) -> Iterator[LocalN8n]:
    """n8n on a free loopback port, its data and its workflows' files under `folder`, its
    workflows reading their settings from `environment`."""
    port = free_local_ports(1)[0]
    base_url = f"http://127.0.0.1:{port}"
    work_dir = folder / "work"
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = folder / "n8n.log"
    n8n_environment = {
        **os.environ,
        **QUIET_N8N,
        **workflow_environment(environment, work_dir),
        **N8N_RUNTIME,
        "PATH": _path_with_imagemagick_first(os.environ.get("PATH", "")),
        "N8N_USER_FOLDER": str(folder / "data"),
        "N8N_LISTEN_ADDRESS": "127.0.0.1",
        "N8N_PORT": str(port),
        "N8N_SECURE_COOKIE": "false",
        "N8N_PUBLIC_API_DISABLED": "false",
        "DB_SQLITE_POOL_SIZE": "2",
        "EXECUTIONS_DATA_SAVE_ON_SUCCESS": "all",
    }
    with ExitStack() as stack:
        log = stack.enter_context(log_path.open("w"))
        process = subprocess.Popen(
            [n8n_command(), "start"], env=n8n_environment, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_ready(process, log_path, timeout_seconds)
            yield LocalN8n(base_url, _owner_api_key(base_url), log_path)
        finally:
            stop(process, N8N_STOP_TIMEOUT_SECONDS)


def _wait_ready(process: subprocess.Popen, log_path: Path, timeout_seconds: float) -> None:
    """n8n answers its health check before it registers webhooks: wait for its ready line."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceDidNotStart(f"n8n exited with {process.returncode}; see {log_path}")
        if READY_LINE in log_path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise ServiceDidNotStart(f"n8n was not ready within {timeout_seconds:.0f} s; see {log_path}")


def _owner_api_key(base_url: str) -> str:
    """Set up the instance's owner (the session cookie signs the next calls) and make them an
    API key with every scope the owner may have."""
    with httpx.Client(base_url=f"{base_url}/rest", timeout=30) as session:
        session.post("/owner/setup", json=OWNER).raise_for_status()
        scopes = session.get("/api-keys/scopes").raise_for_status().json()["data"]
        answer = session.post(
            "/api-keys", json={"label": "mediaflow", "scopes": scopes, "expiresAt": None}
        )
        return answer.raise_for_status().json()["data"]["rawApiKey"]


def _path_with_imagemagick_first(path: str) -> str:
    """PATH with the first directory whose `convert` is ImageMagick's ahead of the others."""
    for directory in path.split(os.pathsep):
        convert = Path(directory) / "convert"
        if convert.is_file() and _is_imagemagick(convert):
            return os.pathsep.join([directory, path])
    return path


def _is_imagemagick(convert: Path) -> bool:
    try:
        answer = subprocess.run(
            [str(convert), "-version"], capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return False
    return answer.stdout.startswith("Version: ImageMagick")


class CallbackReceiver:
    """A stand-in for mediaflow's callback endpoint, for running the workflows on their own:
    verifies each signature, keeps the events; answers 503 while `refusing`."""

    def __init__(self, secret: str) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.arrivals: dict[int, float] = {}
        self.refusing = False
        webhook, receiver = Webhook(secret), self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if receiver.refusing:
                    self.send_response(503)
                    self.end_headers()
                    return
                event = webhook.verify(body, dict(self.headers))
                receiver.events.append((self.headers["webhook-id"], event))
                receiver.arrivals.setdefault(event["object_id"], time.monotonic())
                self.send_response(202)
                self.end_headers()

            def log_message(self, *arguments: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/callbacks/n8n"

    def wait_for(self, object_id: int) -> tuple[str, dict[str, Any]]:
        deadline = time.monotonic() + CALLBACK_WAIT_SECONDS
        while time.monotonic() < deadline:
            for event_id, event in self.events:
                if event["object_id"] == object_id:
                    return event_id, event
            time.sleep(0.1)
        raise AssertionError(f"no callback for object {object_id} in {CALLBACK_WAIT_SECONDS} s")

    def close(self) -> None:
        self._server.shutdown()

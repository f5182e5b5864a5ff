"""Apache Superset over the marts, run from its own virtual environment (its pins conflict with
Dagster's): its metadata brought up to date, the admin of the settings, the marts' database and
the dashboards imported (`bundle.py`), then its web server on loopback.

Superset's CLI and server get their secrets through their environment and standard input,
never on a command line; their output goes to `superset.log` in Superset's home.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from sqlalchemy import make_url

from mediaflow_dagster.bi.bundle import MartsDatabase, bundle
from mediaflow_dagster.resources.marts_copy import marts_copy_path
from mediaflow_dagster.settings import MissingSetting, Settings, SupersetSettings, variable_name

START_TIMEOUT_SECONDS = 180
LOG_NAME = "superset.log"
BUNDLE_NAME = "dashboards.zip"


class SupersetFailed(RuntimeError):
    """A Superset command or its server did not do what it should; its log says why."""


def marts_database(settings: Settings, superset: SupersetSettings) -> MartsDatabase:
    """The marts of the settings' warehouse as Superset reads them: the read-only copy of the
    embedded warehouse's marts, or PostgreSQL through the BI reader's login."""
    if settings.backend == "embedded":
        copy = marts_copy_path(settings.warehouse_path)
        return MartsDatabase("embedded", f"duckdb:///{copy}?access_mode=read_only")
    if superset.bi_postgres_url is None:
        raise MissingSetting([variable_name("bi_postgres_url")])
    return postgres_marts(superset.bi_postgres_url.get_secret_value())


def postgres_marts(url: str) -> MartsDatabase:
    """PostgreSQL marts at `url`, through psycopg2 (Superset's SQLAlchemy 1.4 driver)."""
    uri = make_url(url).set(drivername="postgresql+psycopg2")
    return MartsDatabase("postgres", uri.render_as_string(hide_password=False))


class Superset:
    def __init__(self, settings: SupersetSettings) -> None:
        self.settings = settings
        self.home = settings.superset_home.resolve()
        self.bin = settings.superset_venv.resolve() / "bin"
        self.log_path = self.home / LOG_NAME

    @property
    def url(self) -> str:
        return self.settings.superset_url.rstrip("/")

    def environment(self) -> dict[str, str]:
        environment = {
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": os.environ.get("HOME", str(self.home)),
            "SUPERSET_HOME": str(self.home),
            "SUPERSET_SECRET_KEY": self.settings.superset_secret_key.get_secret_value(),
        }
        if self.settings.superset_metadata_url:
            metadata = self.settings.superset_metadata_url.get_secret_value()
            environment["SUPERSET__SQLALCHEMY_DATABASE_URI"] = metadata
        return environment

    def set_up(self, databases: list[MartsDatabase], manifest_path: Path) -> None:
        """Superset's metadata up to date, its admin with the settings' password, its roles,
        and the marts' databases, datasets, charts and dashboards imported (again: updated)."""
        if not (self.bin / "superset").exists():
            raise SupersetFailed(
                f"Superset is not installed in {self.bin.parent}: `python3.11 dev.py bi` makes it"
            )
        self.home.mkdir(parents=True, exist_ok=True)
        admin = self.settings.superset_admin_username
        password = self.settings.superset_admin_password.get_secret_value()
        typed_twice = f"{password}\n{password}\n"
        self._superset("db", "upgrade")
        self._superset(
            "fab", "create-admin", "--username", admin, "--firstname", admin,
            "--lastname", "mediaflow", "--email", f"{admin}@mediaflow.invalid",
            stdin=typed_twice,
        )  # fmt: skip
        self._superset("fab", "reset-password", "--username", admin, stdin=typed_twice)
        self._superset("init")
        dashboards = self.home / BUNDLE_NAME
        manifest = json.loads(manifest_path.read_text())
        dashboards.write_bytes(bundle(databases, manifest))
        dashboards.chmod(0o600)
        self._superset("import-dashboards", "--path", str(dashboards), "--username", admin)

    def _superset(self, *arguments: str, stdin: str | None = None) -> None:
        with self.log_path.open("a") as log:
            log.write(f"\n$ superset {arguments[0]} {arguments[1] if len(arguments) > 1 else ''}\n")
            log.flush()
            finished = subprocess.run(
                [str(self.bin / "superset"), *arguments],
                input=stdin or "",
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                cwd=self.home,
                text=True,
                check=False,
            )
        if finished.returncode != 0:
            raise SupersetFailed(f"superset {arguments[0]} failed: see {self.log_path}")

    @contextmanager
    def serving(self) -> Iterator[str]:
        """Superset's web server (gunicorn) on the settings' loopback address until the block
        ends; yields its URL once it answers."""
        address = urlsplit(self.url)
        bind = f"{address.hostname}:{address.port or 80}"
        command = [
            str(self.bin / "gunicorn"),
            "--bind", bind, "--workers", "1", "--worker-class", "gthread", "--threads", "8",
            "--timeout", "120", "--limit-request-line", "0", "--limit-request-field_size", "0",
            "superset.app:create_app()",
        ]  # fmt: skip
        with self.log_path.open("a") as log:
            server = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=self.environment(), cwd=self.home
            )
        try:
            self._wait_until_up(server)
            yield self.url
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    def _wait_until_up(self, server: subprocess.Popen) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SupersetFailed(f"Superset's server stopped: see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).text.strip() == "OK":
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise SupersetFailed(f"Superset did not answer within {START_TIMEOUT_SECONDS} s")

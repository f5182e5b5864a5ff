"""One Superset for the session, reading the demo campaign's marts on both backends: the embedded
warehouse's read-only DuckDB copy and PostgreSQL through a login holding the BI reader role.

The demo's campaign runs once per backend (runs in this process, `LocalOrchestrator`), and the
sandbox's ground truth is kept with the marts it produced."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import pytest
from pydantic import SecretStr
from rich.console import Console
from sqlalchemy import create_engine, make_url, text

from mediaflow_dagster.bi.bundle import MartsDatabase, dashboard_slugs, dashboards_spec
from mediaflow_dagster.bi.superset import Superset, marts_database, postgres_marts
from mediaflow_dagster.dbt_project import dbt_project
from mediaflow_dagster.definitions import build_resources
from mediaflow_dagster.settings import Settings, SupersetSettings
from mediaflow_sandbox.demo import _demo_settings, demo_stack, expected_performance, play_campaign
from mediaflow_sandbox.processes import free_local_ports

ROOT = Path(__file__).resolve().parents[2]
HOURS = 2
BACKENDS = ("embedded", "postgres")


@dataclass
class DemoMarts:
    """A backend's marts after the demo's campaign, what the sandbox says they must show, and
    how Superset reads them."""

    backend: str
    expected: pd.DataFrame
    marts: dict[str, pd.DataFrame]
    database: MartsDatabase
    settings: Settings


@pytest.fixture(scope="session")
def demo_marts(tmp_path_factory, postgres_server) -> Iterator[dict[str, DemoMarts]]:
    server = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    database = f"mediaflow_bi_{uuid.uuid4().hex[:10]}"
    reader, password = f"bi_{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(16)
    built = {}
    for backend in BACKENDS:
        home = tmp_path_factory.mktemp(f"bi-{backend}")
        if backend == "postgres":
            url = make_url(postgres_server).set(database=database)
            postgres_url = SecretStr(url.render_as_string(hide_password=False))
            settings = Settings(backend="postgres", home=home, postgres_url=postgres_url)
        else:
            settings = Settings(backend="embedded", home=home)
        with demo_stack(settings, Console(quiet=True)) as demo:
            play_campaign(demo, HOURS)
            expected = expected_performance(demo.sandbox.ground_truth())
            warehouse = build_resources(demo.settings, resolve_secrets=True)["warehouse"]
            marts = {
                name: warehouse.query(f"select * from marts.{name}")
                for name in dashboards_spec()["datasets"]
            }
        if backend == "postgres":
            with server.connect() as connection:
                connection.execute(
                    text(
                        f"CREATE ROLE {reader} LOGIN PASSWORD '{password}' "
                        "IN ROLE mediaflow_bi_reader"
                    )
                )
            demo_url = make_url(_demo_settings(settings).postgres_url.get_secret_value())
            login = demo_url.set(username=reader, password=password)
            marts_db = postgres_marts(login.render_as_string(hide_password=False))
        else:
            marts_db = marts_database(settings, None)
        built[backend] = DemoMarts(backend, expected, marts, marts_db, settings)
    yield built
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}_demo" WITH (FORCE)'))
        connection.execute(text(f"DROP ROLE IF EXISTS {reader}"))
    server.dispose()


@dataclass
class RunningSuperset:
    url: str
    api: httpx.Client
    username: str
    password: str
    slugs: dict[tuple[str, str], str]


@pytest.fixture(scope="session")
def superset(demo_marts, tmp_path_factory, postgres_server) -> Iterator[RunningSuperset]:
    """Superset set up by `mediaflow bi`'s own steps, both backends' marts registered in it,
    served on a free loopback port; an API client signed in as its admin. Its metadata is in
    PostgreSQL: Superset's SQLite schema keeps a table name unique across databases, so the two
    backends' marts, named alike, need another metadata database side by side."""
    (port,) = free_local_ports(1)
    venv = Path(os.environ.get("MEDIAFLOW_SUPERSET_VENV", ROOT / ".venv-superset"))
    if not (venv / "bin" / "superset").exists():
        message = f"Superset is not installed in {venv}: `python3.11 dev.py test` installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    password = secrets.token_urlsafe(16)
    server = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    metadata = f"superset_{uuid.uuid4().hex[:10]}"
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{metadata}"'))
    metadata_url = make_url(postgres_server).set(database=metadata)
    settings = SupersetSettings(
        superset_url=f"http://127.0.0.1:{port}",
        superset_admin_password=SecretStr(password),
        superset_secret_key=SecretStr(secrets.token_urlsafe(32)),
        superset_home=tmp_path_factory.mktemp("superset"),
        superset_venv=venv,
        superset_metadata_url=SecretStr(metadata_url.render_as_string(hide_password=False)),
    )
    databases = [demo_marts[backend].database for backend in BACKENDS]
    running = Superset(settings)
    running.set_up(databases, dbt_project.manifest_path)
    with running.serving() as url:
        signed_in = httpx.post(
            f"{url}/api/v1/security/login",
            json={"username": "admin", "password": password, "provider": "db"},
            timeout=30,
        )
        signed_in.raise_for_status()
        token = signed_in.json()["access_token"]
        with httpx.Client(
            base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=120
        ) as api:
            yield RunningSuperset(url, api, "admin", password, dashboard_slugs(databases))
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{metadata}" WITH (FORCE)'))
    server.dispose()

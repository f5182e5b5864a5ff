"""The warehouse scenario's real marts (`support/warehouse_scenario.py`) where mediaflow reads
them, for tests of what reads the marts: built by dbt once per test module and backend, then
laid under each test's own settings (the embedded warehouse file and its read-only copy, or a
PostgreSQL database made from the built one as a template, which the ops store then shares as
in production)."""

from __future__ import annotations

import shutil
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from mediaflow_dagster.cms.campaigns import change_campaign_status, create_campaign
from mediaflow_dagster.resources.marts_copy import marts_copy_path, publish_marts_copy
from mediaflow_dagster.settings import Settings
from support.warehouse_scenario import Warehouse, build_scenario

CAMPAIGN_NAMES = {1: "Launch", 2: "Winter"}
"""The scenario's campaigns, by the ids an empty ops store gives them in this order."""
CAMPAIGN_WINDOWS = {
    1: ("2026-11-20", "2026-11-22", Decimal(1200)),
    2: ("2026-11-20", "2026-11-21", Decimal(600)),
}
OWNERS = {1: "launch.owner@mediaflow.example", 2: "winter.owner@mediaflow.example"}


def scenario_campaigns(engine: Engine, *, active: bool = False) -> None:
    """The scenario's two campaigns in an empty ops store (the marts' ids), each with its
    owner; `active` when what is tested reads running campaigns only."""
    for campaign_id, name in CAMPAIGN_NAMES.items():
        start, end, budget = CAMPAIGN_WINDOWS[campaign_id]
        created = create_campaign(
            engine,
            name=name,
            description=None,
            topics=[],
            budget=budget,
            currency="EUR",
            start_date=date.fromisoformat(start),
            end_date=date.fromisoformat(end),
            social_account_ids=[],
            owner_email=OWNERS[campaign_id],
        )
        assert created["id"] == campaign_id
        if active:
            change_campaign_status(engine, campaign_id, "active")


class ScenarioMarts:
    """Builds the scenario on a backend the first time a test asks for it."""

    def __init__(self, folder: Path, postgres_server: str | None) -> None:
        self.folder = folder
        self.postgres_server = postgres_server
        self.built: dict[str, str] = {}
        self.databases: list[str] = []

    def location(self, backend: str) -> str:
        if backend not in self.built:
            self.built[backend] = self._build(backend)
        return self.built[backend]

    def postgres_database(self) -> str:
        """A new database holding the built marts; its URL."""
        template = make_url(self.location("postgres")).database
        name = f"mediaflow_test_{uuid.uuid4().hex[:10]}"
        server = create_engine(self.postgres_server, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(
                text(
                    "select pg_terminate_backend(pid) from pg_stat_activity "
                    "where datname = :name and pid <> pg_backend_pid()"
                ),
                {"name": template},
            )
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        server.dispose()
        self.databases.append(name)
        return make_url(self.postgres_server).set(database=name).render_as_string(False)

    def place(self, settings: Settings) -> None:
        """On the embedded default, the built warehouse under `settings` with its copy
        published; on PostgreSQL the database is made with the marts already."""
        if settings.backend == "embedded":
            settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.location("duckdb"), settings.warehouse_path)
            publish_marts_copy(settings.warehouse_path)

    def drop(self) -> None:
        if self.postgres_server is None:
            return
        server = create_engine(self.postgres_server, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            for name in [
                *self.databases,
                *([make_url(self.built["postgres"]).database] if "postgres" in self.built else []),
            ]:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()

    def _build(self, backend: str) -> str:
        if backend == "duckdb":
            location = str(self.folder / "scenario.duckdb")
        else:
            url = make_url(self.postgres_server).set(
                database=f"mediaflow_marts_{uuid.uuid4().hex[:10]}"
            )
            server = create_engine(self.postgres_server, isolation_level="AUTOCOMMIT")
            with server.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{url.database}"'))
            server.dispose()
            location = url.render_as_string(hide_password=False)
        monkeypatch = pytest.MonkeyPatch()
        try:
            build_scenario(Warehouse(backend, location, self.folder / backend, monkeypatch))
        finally:
            monkeypatch.undo()
        if backend == "duckdb":
            with duckdb.connect(location) as warehouse:
                warehouse.execute("checkpoint")  # dbt keeps the file open: flush its log
        return location


def set_mart_figure(settings: Settings, mart: str, campaign_id: int, column: str, value) -> None:
    """Change one figure of the marts where mediaflow reads them (as a later build would)."""
    sql = f"update marts.{mart} set {column} = {value} where campaign_id = {campaign_id}"
    if settings.backend == "postgres":
        engine = create_engine(settings.postgres_url.get_secret_value())
        with engine.begin() as connection:
            connection.execute(text(sql))
        engine.dispose()
        return
    with duckdb.connect(str(marts_copy_path(settings.warehouse_path))) as marts:
        marts.execute(sql)


def mart_rows(settings: Settings, sql: str) -> list[dict]:
    """Rows of the marts where mediaflow reads them."""
    if settings.backend == "postgres":
        engine = create_engine(settings.postgres_url.get_secret_value())
        with engine.connect() as connection:
            rows = [dict(row) for row in connection.execute(text(sql)).mappings()]
        engine.dispose()
        return rows
    with duckdb.connect(str(marts_copy_path(settings.warehouse_path)), read_only=True) as marts:
        cursor = marts.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def scenario_fixtures():
    """The fixtures of a test module that reads the scenario's marts: `scenario`, built on
    first use in the module and dropped after it, and `postgres_database`, the test's PostgreSQL
    database holding its marts (see `settings`). Assign them to these names in the module."""

    @pytest.fixture(scope="module")
    def scenario(tmp_path_factory, postgres_server):
        built = ScenarioMarts(tmp_path_factory.mktemp("scenario-marts"), postgres_server)
        yield built
        built.drop()

    @pytest.fixture
    def postgres_database(scenario):
        return scenario.postgres_database()

    return scenario, postgres_database

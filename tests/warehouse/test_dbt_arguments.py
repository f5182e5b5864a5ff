"""What a Dagster run hands dbt: the build's arguments and vars, the warehouse's target and
connection, given to the dbt process without touching this process's environment."""

import json
import os
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import TimeWindow
from sqlalchemy import make_url

from mediaflow_dagster.dbt_project import dbt_build_args, dbt_project, incremental_window_vars
from mediaflow_dagster.partitions import hourly_partitions
from mediaflow_dagster.resources.dbt_cli import DbtCliWithEnvironment
from mediaflow_dagster.resources.warehouse import dbt_environment, dbt_target

DBT = Path(sys.executable).with_name("dbt")
FAKE_DBT = """#!/bin/sh
# Answers dagster-dbt's version probe, then records the environment it was started with.
if [ "$1" = "--version" ]; then echo "Core: 1.11.16"; exit 0; fi
env > "$RECORD_ENVIRONMENT_TO"
"""


def test_a_partition_range_is_redone_from_its_first_hour_on():
    window = TimeWindow(
        datetime(2026, 11, 20, 13, tzinfo=UTC), datetime(2026, 11, 20, 16, tzinfo=UTC)
    )

    assert incremental_window_vars(window) == {"window_start": "2026-11-20 13:00:00"}


def test_one_hourly_partition_gives_its_own_hour():
    window = hourly_partitions.time_window_for_partition_key("2026-11-20-23:00")

    assert incremental_window_vars(window) == {"window_start": "2026-11-20 23:00:00"}


def test_a_partitioned_build_hands_its_window_to_dbt_as_vars():
    window = hourly_partitions.time_window_for_partition_key("2026-11-20-23:00")

    command, flag, variables = dbt_build_args(window)

    assert (command, flag) == ("build", "--vars")
    assert json.loads(variables) == {"window_start": "2026-11-20 23:00:00"}


def test_a_build_without_partitions_takes_no_vars():
    assert dbt_build_args(window=None) == ["build"]


def test_the_dbt_target_follows_the_warehouse_backend():
    assert dbt_target("postgres") == "postgres"
    assert dbt_target("embedded") == "duckdb"


def test_an_embedded_warehouse_is_reached_through_its_duckdb_file():
    environment = dbt_environment("embedded", "/data/warehouse.duckdb", postgres_url=None)

    assert environment == {
        "MEDIAFLOW_DBT_TARGET": "duckdb",
        "MEDIAFLOW_DBT_DUCKDB_PATH": "/data/warehouse.duckdb",
    }


def test_a_postgres_warehouse_is_reached_through_the_parts_of_its_url():
    environment = dbt_environment(
        "postgres", "", "postgresql+psycopg2://analyst:s3cret@db.internal:6543/marts"
    )

    assert environment == {
        "MEDIAFLOW_DBT_TARGET": "postgres",
        "MEDIAFLOW_DBT_PG_HOST": "db.internal",
        "MEDIAFLOW_DBT_PG_PORT": "6543",
        "MEDIAFLOW_DBT_PG_USER": "analyst",
        "DBT_ENV_SECRET_PG_PASSWORD": "s3cret",
        "MEDIAFLOW_DBT_PG_DBNAME": "marts",
    }


def test_a_postgres_url_without_port_or_password_gets_the_usual_defaults():
    environment = dbt_environment("postgres", "", "postgresql://postgres@127.0.0.1/mediaflow")

    assert environment["MEDIAFLOW_DBT_PG_PORT"] == "5432"
    assert environment["DBT_ENV_SECRET_PG_PASSWORD"] == ""


def test_a_postgres_warehouse_without_a_url_is_refused_not_aimed_at_a_default():
    with pytest.raises(ValueError, match="needs its URL"):
        dbt_environment("postgres", "/data/warehouse.duckdb", None)


def test_the_dbt_process_gets_the_variables_and_this_process_keeps_its_own(tmp_path: Path):
    fake_dbt = tmp_path / "dbt"
    fake_dbt.write_text(FAKE_DBT)
    fake_dbt.chmod(fake_dbt.stat().st_mode | stat.S_IXUSR)
    recorded = tmp_path / "environment"
    before = dict(os.environ)

    DbtCliWithEnvironment(project_dir=dbt_project, dbt_executable=str(fake_dbt)).cli(
        ["build"],
        environment={
            **dbt_environment("embedded", "/data/warehouse.duckdb", ""),
            "RECORD_ENVIRONMENT_TO": str(recorded),
        },
        indirect_selection="cautious",
    ).wait()

    seen = dict(line.split("=", 1) for line in recorded.read_text().splitlines() if "=" in line)
    assert seen["MEDIAFLOW_DBT_DUCKDB_PATH"] == "/data/warehouse.duckdb"
    assert seen["DBT_INDIRECT_SELECTION"] == "cautious"
    assert seen["DBT_LOG_FORMAT"] == "json"
    assert dict(os.environ) == before


@pytest.mark.parametrize("backend", ["embedded", "postgres"])
def test_dbt_reaches_the_warehouse_through_profiles_yml(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
):
    """The variables dbt_environment writes are the ones profiles.yml reads."""
    duckdb_path = str(tmp_path / "warehouse.duckdb")
    postgres_url = request.getfixturevalue("postgres_server") if backend == "postgres" else ""
    expected = (
        {"adapter type: postgres", f"database: {make_url(postgres_url).database}"}
        if backend == "postgres"
        else {"adapter type: duckdb", f"path: {duckdb_path}"}
    )

    debug = DbtCliWithEnvironment(project_dir=dbt_project, dbt_executable=str(DBT)).cli(
        ["debug"], environment=dbt_environment(backend, duckdb_path, postgres_url)
    )
    said = {event.raw_event["info"]["msg"].strip() for event in debug.stream_raw_events()}

    assert debug.is_successful()
    assert expected <= said

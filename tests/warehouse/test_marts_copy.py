"""BI reads the embedded warehouse's marts from their own copy: a dashboard holding it open never
locks the pipeline's writers out, and the next build's copy replaces it under the reader."""

import subprocess
import sys
import textwrap

import duckdb
import pytest

from mediaflow_dagster.resources.marts_copy import marts_copy_path, publish_marts_copy

DASHBOARD = textwrap.dedent(
    """
    import sys, duckdb
    connection = duckdb.connect(sys.argv[1], read_only=True)
    query = "select sum(impressions) from marts.campaign_performance__daily"
    print(connection.execute(query).fetchone()[0], flush=True)
    sys.stdin.readline()
    print(connection.execute(query).fetchone()[0], flush=True)
    """
)


def build_marts(path, impressions: int) -> None:
    with duckdb.connect(str(path)) as warehouse:
        warehouse.execute("create schema if not exists marts")
        warehouse.execute(
            "create or replace table marts.campaign_performance__daily as "
            f"select 'facebook' as platform, {impressions} as impressions"
        )


@pytest.fixture
def dashboard(tmp_path):
    """A BI reader holding the marts copy open, as a dashboard's connection pool does."""
    warehouse = tmp_path / "warehouse.duckdb"
    build_marts(warehouse, 100)
    publish_marts_copy(warehouse)
    reader = subprocess.Popen(
        [sys.executable, "-c", DASHBOARD, str(marts_copy_path(warehouse))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    yield warehouse, reader
    reader.kill()
    reader.wait()


def test_a_build_runs_while_a_dashboard_reads_the_marts(dashboard):
    warehouse, reader = dashboard
    assert reader.stdout.readline().strip() == "100"

    build_marts(warehouse, 250)
    publish_marts_copy(warehouse)
    reader.stdin.write("again\n")
    reader.stdin.flush()

    assert reader.stdout.readline().strip() == "100"
    with duckdb.connect(str(marts_copy_path(warehouse)), read_only=True) as next_reader:
        query = "select sum(impressions) from marts.campaign_performance__daily"
        assert next_reader.execute(query).fetchone()[0] == 250

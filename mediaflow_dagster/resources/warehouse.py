"""The warehouse's raw landing zone (schema `raw`), in DuckDB or PostgreSQL.

Raw tables mirror the ops store's columns without its constraints (JSON kept as text), plus the
append-only insight snapshots. dbt reads them as the `raw` source.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import ClassVar

import duckdb
import pandas as pd
from dagster import ConfigurableResource
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    create_engine,
    make_url,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateSchema, CreateTable

from mediaflow_dagster.cms import schema as ops
from mediaflow_dagster.settings import Backend

RAW_SCHEMA = "raw"
COPY_CHUNK_ROWS = 100_000
WAREHOUSE_POOL = "warehouse"
LANDED_OPS_TABLES = (
    ops.campaigns,
    ops.social_accounts,
    ops.campaign_targets,
    ops.campaign_objects,
    ops.publications,
    ops.notification_templates,
    ops.notification_messages,
    ops.message_events,
    ops.link_clicks,
)
NEVER_LANDED = {"notification_messages": frozenset({"contact_id"})}
"""Columns the warehouse never sees: it knows contacts by their pseudonym only."""
PSEUDONYMOUS_TABLES = {"notification_messages": "contact_pseudonym"}
"""The raw tables that hold a contact's pseudonym, and its column: what an erasure purges.
The dbt models over them are views, or aggregates without the pseudonym."""

raw_metadata = MetaData(schema=RAW_SCHEMA)


def landed_columns(table: Table) -> list[Column]:
    return [
        column for column in table.columns if column.name not in NEVER_LANDED.get(table.name, ())
    ]


def _raw_copy(table: Table) -> Table:
    columns = [
        Column(column.name, Text if isinstance(column.type, JSON) else column.type)
        for column in landed_columns(table)
    ]
    return Table(table.name, raw_metadata, *columns)


RAW_OPS_TABLES = {table.name: _raw_copy(table) for table in LANDED_OPS_TABLES}

post_insight_snapshots = Table(
    "post_insight_snapshots",
    raw_metadata,
    Column("publication_id", Integer),
    Column("platform", String(20)),
    Column("external_post_id", String(200)),
    Column("metric", String(100)),
    Column("value", BigInteger),
    Column("collected_at", DateTime),
    Column("partition_hour", DateTime),
    Column("api_version", String(20)),
    Column("run_id", String(64)),
    Column("source", String(20)),
)

post_daily_reports = Table(
    "post_daily_reports",
    raw_metadata,
    Column("publication_id", Integer),
    Column("platform", String(20)),
    Column("external_post_id", String(200)),
    Column("report_date", Date),
    Column("metric", String(100)),
    Column("value", Float),
    Column("collected_at", DateTime),
    Column("api_version", String(20)),
    Column("run_id", String(64)),
)

conversions = Table(
    "conversions",
    raw_metadata,
    Column("conversion_id", String(100)),
    Column("kind", String(20)),
    Column("amount", Numeric(12, 2)),
    Column("currency", String(3)),
    Column("occurred_at", DateTime),
    Column("received_at", DateTime),
    comment="The CRM's conversions (`conversion.recorded` events), the latest received of each.",
)

conversion_touches = Table(
    "conversion_touches",
    raw_metadata,
    Column("conversion_id", String(100)),
    Column("click_id", String(100)),
    Column("position", Integer),
    comment="Each conversion's path: the tracked clicks its event names, oldest first "
    "(position 1), the click the customer arrived by last.",
)
LANDED_CONVERSION_TABLES = (conversions, conversion_touches)


def schema_changes(table: Table, existing_columns: list[str]) -> list[str]:
    """The DDL that brings a raw table to its current shape (valid on PostgreSQL and DuckDB).

    Copies of ops tables are rebuilt whole when their columns changed (dbt's views on them are
    rebuilt by the next `dbt build`); the append-only snapshots only ever gain columns."""
    create = str(CreateTable(table).compile(dialect=postgresql.dialect()))
    if not existing_columns:
        return [create]
    if existing_columns == [column.name for column in table.columns]:
        return []
    if table.name in RAW_OPS_TABLES:
        return [f"DROP TABLE {RAW_SCHEMA}.{table.name} CASCADE", create]
    return [
        f"ALTER TABLE {RAW_SCHEMA}.{table.name} ADD COLUMN {column.name} "
        f"{column.type.compile(dialect=postgresql.dialect())}"
        for column in table.columns
        if column.name not in existing_columns
    ]


SNAPSHOTS_LANDING_INDEX = (
    f"CREATE INDEX IF NOT EXISTS post_insight_snapshots_partition_hour "
    f"ON {RAW_SCHEMA}.post_insight_snapshots USING brin (partition_hour)"
)
"""How the hourly fact finds what a partition landed without reading every snapshot
(PostgreSQL; DuckDB's zone maps do it unasked, the snapshots being appended in order)."""

EXISTING_COLUMNS = text(
    "select column_name from information_schema.columns "
    "where table_schema = :schema and table_name = :table order by ordinal_position"
)


def as_raw_frame(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """An ops-store frame in the raw table's shape: JSON columns serialised to text."""
    json_columns = [column.name for column in table.columns if isinstance(column.type, JSON)]
    return frame.assign(
        **{name: frame[name].map(json.dumps, na_action="ignore") for name in json_columns}
    )


def _copy_into(connection: Connection, table: str, frame: pd.DataFrame) -> None:
    """COPY `frame` into the raw table through the connection's psycopg2 cursor, in chunks:
    row-by-row inserts take minutes for an hour of insights."""
    columns = ", ".join(frame.columns)
    statement = f"COPY {RAW_SCHEMA}.{table} ({columns}) FROM STDIN WITH (FORMAT csv)"
    cursor = connection.connection.dbapi_connection.cursor()
    for start in range(0, len(frame), COPY_CHUNK_ROWS):
        chunk = io.StringIO()
        frame.iloc[start : start + COPY_CHUNK_ROWS].to_csv(chunk, header=False, index=False)
        chunk.seek(0)
        cursor.copy_expert(statement, chunk)


def dbt_target(backend: str) -> str:
    """The output of `dbt_project/profiles.yml` for a warehouse backend. The one place the dbt
    target is decided; profiles.yml's own default only serves `dbt parse` and runs by hand."""
    return "postgres" if backend == "postgres" else "duckdb"


def dbt_environment(backend: str, duckdb_path: str, postgres_url: str | None) -> dict[str, str]:
    """The variables `dbt_project/profiles.yml` reads to reach a warehouse: its target and that
    target's connection (the unused target's variables are left to the profile's defaults).
    A PostgreSQL warehouse without a URL is refused rather than left to those defaults, which
    would aim dbt at whatever database answers on 127.0.0.1."""
    target = dbt_target(backend)
    if target == "duckdb":
        return {"MEDIAFLOW_DBT_TARGET": target, "MEDIAFLOW_DBT_DUCKDB_PATH": duckdb_path}
    if not postgres_url:
        raise ValueError("a PostgreSQL warehouse needs its URL for dbt to reach it")
    url = make_url(postgres_url)
    return {
        "MEDIAFLOW_DBT_TARGET": target,
        "MEDIAFLOW_DBT_PG_HOST": url.host or "127.0.0.1",
        "MEDIAFLOW_DBT_PG_PORT": str(url.port or 5432),
        "MEDIAFLOW_DBT_PG_USER": url.username or "postgres",
        "DBT_ENV_SECRET_PG_PASSWORD": url.password or "",
        "MEDIAFLOW_DBT_PG_DBNAME": url.database or "mediaflow",
    }


class Warehouse(ConfigurableResource):
    secrets: ClassVar[tuple[str, ...]] = ("postgres_url",)

    backend: Backend = "embedded"
    duckdb_path: str
    postgres_url: str | None = None

    def dbt_environment(self) -> dict[str, str]:
        """What dbt needs to reach this warehouse, for the dbt process alone (see
        `resources/dbt_cli.py`)."""
        return dbt_environment(self.backend, self.duckdb_path, self.postgres_url)

    def table_name(self, schema: str, table: str) -> str:
        """The table's full name in the warehouse's own catalog: the PostgreSQL database's name,
        or the DuckDB file's (DuckDB names a file's catalog after it)."""
        if self.backend == "postgres":
            catalog = make_url(self.postgres_url).database
        else:
            catalog = PurePath(self.duckdb_path).stem
        return f"{catalog}.{schema}.{table}"

    def replace(self, table: str, frame: pd.DataFrame) -> None:
        """Swap the raw table's rows for `frame`'s, in one transaction."""
        self._write(table, frame, replace=True)

    def append(self, table: str, frame: pd.DataFrame) -> None:
        self._write(table, frame, replace=False)

    def query(self, sql: str) -> pd.DataFrame:
        if self.backend == "postgres":
            engine = create_engine(self.postgres_url)
            try:
                return pd.read_sql(text(sql), engine)
            finally:
                engine.dispose()
        with duckdb.connect(self.duckdb_path, read_only=True) as connection:
            return connection.execute(sql).df()

    def forget_pseudonym(self, pseudonym: str) -> int:
        """Blank a contact's pseudonym in every raw table that holds one; rows changed."""
        changed = 0
        for table, column in PSEUDONYMOUS_TABLES.items():
            statement = (
                f"UPDATE {RAW_SCHEMA}.{table} SET {column} = NULL WHERE {column} = :pseudonym"
            )
            if self.backend == "postgres":
                engine = create_engine(self.postgres_url)
                try:
                    with engine.begin() as connection:
                        landed = connection.execute(
                            text("select to_regclass(:table)"), {"table": f"{RAW_SCHEMA}.{table}"}
                        ).scalar()
                        if landed is not None:
                            changed += connection.execute(
                                text(statement), {"pseudonym": pseudonym}
                            ).rowcount
                finally:
                    engine.dispose()
            else:
                with self._duckdb() as connection:
                    changed += connection.execute(
                        statement.replace(":pseudonym", "?"), [pseudonym]
                    ).fetchone()[0]
        return changed

    def _write(self, table: str, frame: pd.DataFrame, *, replace: bool) -> None:
        raw_table = raw_metadata.tables[f"{RAW_SCHEMA}.{table}"]
        integers = [column.name for column in raw_table.columns if isinstance(column.type, Integer)]
        frame = frame.reindex(columns=[column.name for column in raw_table.columns]).astype(
            dict.fromkeys(integers, "Int64")
        )
        if self.backend == "postgres":
            self._write_postgres(table, frame, replace=replace)
        else:
            self._write_duckdb(table, frame, replace=replace)

    def _write_postgres(self, table: str, frame: pd.DataFrame, *, replace: bool) -> None:
        engine = create_engine(self.postgres_url)
        try:
            with engine.begin() as connection:
                connection.execute(CreateSchema(RAW_SCHEMA, if_not_exists=True))
                for raw_table in raw_metadata.sorted_tables:
                    existing = connection.execute(
                        EXISTING_COLUMNS, {"schema": RAW_SCHEMA, "table": raw_table.name}
                    ).scalars()
                    for statement in schema_changes(raw_table, list(existing)):
                        connection.execute(text(statement))
                connection.execute(text(SNAPSHOTS_LANDING_INDEX))
                if replace:
                    connection.execute(text(f"DELETE FROM {RAW_SCHEMA}.{table}"))
                _copy_into(connection, table, frame)
        finally:
            engine.dispose()

    def _write_duckdb(self, table: str, frame: pd.DataFrame, *, replace: bool) -> None:
        column_list = ", ".join(frame.columns)
        with self._duckdb() as connection:
            connection.begin()
            if replace:
                connection.execute(f"DELETE FROM {RAW_SCHEMA}.{table}")
            connection.register("landing", frame)
            connection.execute(
                f"INSERT INTO {RAW_SCHEMA}.{table} ({column_list}) "
                f"SELECT {column_list} FROM landing"
            )
            connection.commit()

    @contextmanager
    def _duckdb(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with duckdb.connect(self.duckdb_path) as connection:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
            for raw_table in raw_metadata.sorted_tables:
                existing = connection.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [RAW_SCHEMA, raw_table.name],
                ).fetchall()
                for statement in schema_changes(raw_table, [row[0] for row in existing]):
                    connection.execute(statement)
            yield connection

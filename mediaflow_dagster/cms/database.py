"""Connecting to the ops store and bringing its schema up to date."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Column, Connection, Engine, Insert, Select, Table, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

Bind = Engine | Connection


@contextmanager
def transaction(bind: Bind) -> Iterator[Connection]:
    """A transaction of its own on an engine (what runs and sensors pass); on a connection, the
    caller's transaction (the API's, one per request), which the caller commits or rolls back
    as a whole: a refused request then leaves nothing behind."""
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.begin() as connection:
        yield connection


def begin_writing(connection: Connection) -> None:
    """Start the connection's transaction as a writer. On SQLite that takes the database's write
    lock at once (BEGIN IMMEDIATE), so that what the transaction reads cannot change before it
    writes, and a writer waiting for another waits here, not halfway through; PostgreSQL begins on
    the first statement, its rows kept right by the statements' own conditions."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def utcnow() -> datetime:
    """Now, as the naive UTC timestamp every store keeps."""
    return datetime.now(UTC).replace(tzinfo=None)


def insert_ignoring_duplicates(connection: Connection, table: Table) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike: a row another run
    stored first under the same unique key stays as it is."""
    dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    return dialect_insert(table).on_conflict_do_nothing()


def page(
    bind: Bind, query: Select, key: Column, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of `query`'s rows in `key` order, past the cursor `after`, and the cursor of the
    next page (None on the last): a cursor stays right while rows are added, an offset would not."""
    if after is not None:
        query = query.where(key > after)
    with transaction(bind) as connection:
        rows = [
            dict(row._mapping) for row in connection.execute(query.order_by(key).limit(limit + 1))
        ]
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1][key.name]
    return rows, None


def ops_database_url(backend: str, sqlite_path: str | Path, postgres_url: str | None) -> str:
    """The ops store's SQLAlchemy URL; it can carry a password: never log it."""
    if backend == "postgres":
        return postgres_url
    return f"sqlite:///{Path(sqlite_path).resolve()}"


SQLITE_MAP_BYTES = 1 << 30


@lru_cache(maxsize=8)
def ops_engine(url: str) -> Engine:
    """One pooled engine per database URL and process."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    # JIT compilation pays off for long analytical queries, never for the ops store's short
    # ones: a broad full-text statement's estimated cost can cross `jit_above_cost` and then
    # spend tens of milliseconds compiling
    return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"})


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL writes every commit to the WAL file before the commit returns and syncs
    # it to disk at checkpoints only: a committed transaction survives the process being killed
    # (kill -9, a crash: the WAL is in the operating system's hands), though not the machine
    # losing power. FULL would add an fsync to every commit, some 2 ms here, which bounds the
    # callback intake to a few hundred commits a second; production runs on PostgreSQL, which
    # keeps synchronous_commit on.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Reads through a memory map of the file (the operating system's page cache, shared by
    # every connection) instead of a read call and a copy per page: a search reads pages of
    # the documents, the full-text index and the facets all over the file.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MAP_BYTES}")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Apply every migration not yet applied (Alembic, on SQLite and PostgreSQL alike)."""
    config = Config()
    config.set_main_option("script_location", str(files("mediaflow_dagster.cms") / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

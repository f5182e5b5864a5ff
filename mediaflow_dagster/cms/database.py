"""Connecting to the ops store and bringing its schema up to date."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Insert, Table, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def utcnow() -> datetime:
    """Now, as the naive UTC timestamp every store keeps."""
    return datetime.now(UTC).replace(tzinfo=None)


def insert_ignoring_duplicates(connection: Connection, table: Table) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike: a row another run
    stored first under the same unique key stays as it is."""
    dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    return dialect_insert(table).on_conflict_do_nothing()


def ops_database_url(backend: str, sqlite_path: str | Path, postgres_url: str | None) -> str:
    """The ops store's SQLAlchemy URL; it can carry a password: never log it."""
    if backend == "postgres":
        return postgres_url
    return f"sqlite:///{Path(sqlite_path).resolve()}"


@lru_cache(maxsize=8)
def ops_engine(url: str) -> Engine:
    """One pooled engine per database URL and process."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Apply every migration not yet applied (Alembic, on SQLite and PostgreSQL alike)."""
    config = Config()
    config.set_main_option("script_location", str(files("mediaflow_dagster.cms") / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

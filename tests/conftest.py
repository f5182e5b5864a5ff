"""Fixtures: the two store backends. PostgreSQL tests get a database of their own; in CI a
missing server fails them instead of skipping them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from mediaflow_dagster.settings import Settings

POSTGRES_SERVER = os.environ.get(
    "MEDIAFLOW_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    engine = create_engine(POSTGRES_SERVER)
    try:
        with engine.connect():
            return POSTGRES_SERVER
    except OperationalError as error:
        message = f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()


@pytest.fixture
def postgres_database(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database, dropped afterwards; yields its URL."""
    name = f"mediaflow_test_{uuid.uuid4().hex[:10]}"
    server = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(params=["embedded", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for one backend, with every file under the test's own folder."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database")
        return Settings(backend="postgres", home=tmp_path, postgres_url=url)
    return Settings(backend="embedded", home=tmp_path)

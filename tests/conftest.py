"""Fixtures shared by every test folder: the two store backends, the sandbox, and an environment
that holds every setting mediaflow needs.

The environment is the configuration, as in production: the session starts with random values for
every secret (no test relies on a default), `settings` puts one backend's stores in it, and
`aimed` points every client at the module's sandbox with the sandbox's own credentials.
PostgreSQL tests get a database of their own; in CI a missing server fails them instead of
skipping them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from support.databases import fresh_database

from mediaflow_dagster.cms.accounts import add_target, create_social_account
from mediaflow_dagster.cms.campaigns import create_campaign
from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.settings import Settings, get_settings
from mediaflow_sandbox.control import SandboxControl, client_environment, running_sandbox
from mediaflow_sandbox.processes import free_local_ports, settings_environment
from mediaflow_sandbox.settings import Credentials, SandboxSettings

POSTGRES_SERVER = os.environ.get(
    "MEDIAFLOW_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


def pytest_configure(config: pytest.Config) -> None:
    """Every secret mediaflow needs, random for this session, and the identifiers it has no
    default for."""
    credentials = {
        f"MEDIAFLOW_{name.upper()}": value for name, value in Credentials.new().model_dump().items()
    }
    os.environ.update(
        credentials
        | {
            "MEDIAFLOW_MICROSOFT_CLIENT_ID": "mediaflow-tests",
            "MEDIAFLOW_X_CLIENT_ID": "mediaflow-tests",
            "MEDIAFLOW_TIKTOK_CLIENT_KEY": "mediaflow-tests",
            "MEDIAFLOW_LINKEDIN_CLIENT_ID": "mediaflow-tests",
            "MEDIAFLOW_GOOGLE_CLIENT_ID": "mediaflow-tests",
            "MEDIAFLOW_SHAREPOINT_DRIVE_ID": "mediaflow-tests-drive",
        }
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
    with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture
def in_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[callable]:
    """Put variables in this process's environment for the test (settings read afresh)."""

    def put(variables: dict[str, str]) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield put
    get_settings.cache_clear()


@pytest.fixture(params=["embedded", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path, in_environment) -> Settings:
    """Settings for one backend, with every file under the test's own folder, also in the
    environment (where resources and other processes read them)."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database")
        chosen = Settings(backend="postgres", home=tmp_path, postgres_url=SecretStr(url))
    else:
        chosen = Settings(backend="embedded", home=tmp_path)
    in_environment(settings_environment(chosen))
    return chosen


@pytest.fixture
def stack_settings(settings: Settings, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """`settings` for a demo stack (sandbox, API, local runs); on PostgreSQL the stack works in
    its own `<database>_demo`, dropped afterwards."""
    yield settings
    if settings.backend == "postgres":
        server = create_engine(
            request.getfixturevalue("postgres_server"), isolation_level="AUTOCOMMIT"
        )
        url = make_url(settings.postgres_url.get_secret_value())
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}_demo" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def engine(settings: Settings) -> Engine:
    """The ops store of `settings`, migrated."""
    engine = ops_engine(settings.ops_database_url)
    migrate(engine)
    return engine


@pytest.fixture
def campaign_id(engine: Engine) -> int:
    campaign = create_campaign(
        engine,
        name="Lancement Produit X",
        description=None,
        topics=[],
        budget=Decimal("1500.00"),
        currency="EUR",
        start_date=date(2026, 11, 1),
        end_date=date(2026, 11, 30),
        social_account_ids=[],
    )
    return campaign["id"]


@pytest.fixture
def targeted_account(engine: Engine, campaign_id: int) -> dict:
    """A Facebook page registered with its Make scenario, targeted by `campaign_id`."""
    account = create_social_account(
        engine,
        platform="facebook",
        name="Mediaflow Bistro",
        account_type="page",
        external_account_id="104857600123456",
        make_connection_id="1",
        make_scenario_id="2",
        make_webhook_url="https://hook.eu1.make.com/abc",
    )
    add_target(engine, campaign_id, account["id"])
    return account


@pytest.fixture(scope="module")
def sandbox_settings(tmp_path_factory: pytest.TempPathFactory) -> SandboxSettings:
    """Settings of a sandbox on free loopback ports, its files in a folder of its own."""
    port, tls_port = free_local_ports(2)
    home = tmp_path_factory.mktemp("sandbox-home")
    return SandboxSettings(home=home, port=port, tls_port=tls_port)


@pytest.fixture(scope="module")
def sandbox(sandbox_settings: SandboxSettings) -> Iterator[SandboxControl]:
    """The sandbox in a child process, shared by a test module."""
    with running_sandbox(sandbox_settings) as control:
        yield control


@pytest.fixture
def aimed(settings: Settings, sandbox_settings: SandboxSettings, in_environment) -> Settings:
    """`settings` (one backend, the test's own stores) with every client aimed at the module's
    sandbox: its addresses and credentials in the environment."""
    in_environment(client_environment(sandbox_settings))
    return settings

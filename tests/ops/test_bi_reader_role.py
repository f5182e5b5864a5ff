"""The BI tools' role on PostgreSQL reads the marts, those dbt builds after the migration
included, and nothing else: not the ops tables, not the raw landing."""

import uuid

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from mediaflow_dagster.cms.database import migrate, ops_engine


@pytest.fixture
def bi_login(postgres_server):
    """A login of a BI tool that holds the reader role, dropped afterwards."""
    name = f"bi_{uuid.uuid4().hex[:8]}"
    server = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    yield name, server
    with server.connect() as connection:
        connection.execute(text(f"DROP OWNED BY {name}"))
        connection.execute(text(f"DROP ROLE IF EXISTS {name}"))
    server.dispose()


def test_the_bi_reader_sees_the_marts_and_nothing_else(postgres_database, bi_login):
    name, server = bi_login
    owner = ops_engine(postgres_database)
    migrate(owner)
    with owner.begin() as connection:
        connection.execute(text("CREATE SCHEMA raw"))
        connection.execute(text("CREATE TABLE raw.post_insight_snapshots (value int)"))
        connection.execute(text("CREATE TABLE marts.campaign_performance__daily (impressions int)"))
        connection.execute(text("INSERT INTO marts.campaign_performance__daily VALUES (42)"))
    owner.dispose()
    with server.connect() as connection:
        connection.execute(text(f"CREATE ROLE {name} LOGIN IN ROLE mediaflow_bi_reader"))
    reader = create_engine(make_url(postgres_database).set(username=name, password=None))

    with reader.connect() as connection:
        mart = "marts.campaign_performance__daily"
        marts = connection.execute(text(f"SELECT impressions FROM {mart}"))
        assert marts.all() == [(42,)]
    for elsewhere in ("public.campaigns", "public.api_keys", "raw.post_insight_snapshots"):
        with reader.connect() as connection, pytest.raises(ProgrammingError, match="permission"):
            connection.execute(text(f"SELECT * FROM {elsewhere}"))
    reader.dispose()

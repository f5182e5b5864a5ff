from sqlalchemy import inspect

from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.cms.schema import metadata
from mediaflow_dagster.cms.search.postgres_fts import titles

POSTGRES_ONLY = {"search_facets": {"french_title", "english_title"}}
"""Columns PostgreSQL's full-text search keeps beside the shared ones (its own `titles` view
of the table, `cms/search/postgres_fts.py`)."""


def test_migrations_create_every_table_the_queries_use(settings):
    engine = ops_engine(settings.ops_database_url)
    migrate(engine)
    migrate(engine)  # a second run finds nothing to do

    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    for name, table in metadata.tables.items():
        migrated = {column["name"] for column in inspect(engine).get_columns(name)}
        if settings.backend == "postgres":
            migrated -= POSTGRES_ONLY.get(name, set())
        assert migrated == {column.name for column in table.columns}, name


def test_the_postgres_only_columns_are_those_its_search_reads():
    assert POSTGRES_ONLY["search_facets"] <= {column.name for column in titles.columns}

from sqlalchemy import inspect

from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.cms.schema import metadata


def test_migrations_create_every_table_the_queries_use(settings):
    engine = ops_engine(settings.ops_database_url)
    migrate(engine)
    migrate(engine)  # a second run finds nothing to do

    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    for name, table in metadata.tables.items():
        migrated = {column["name"] for column in inspect(engine).get_columns(name)}
        assert migrated == {column.name for column in table.columns}, name

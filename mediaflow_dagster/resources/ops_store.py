"""The ops store as a Dagster resource: CMS tables, callback inbox."""

from __future__ import annotations

from dagster import ConfigurableResource, InitResourceContext
from sqlalchemy import Engine

from mediaflow_dagster.cms.database import migrate, ops_engine


class OpsStore(ConfigurableResource):
    database_url: str

    @property
    def engine(self) -> Engine:
        return ops_engine(self.database_url)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        migrate(self.engine)

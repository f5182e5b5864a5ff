"""The ops store as a Dagster resource: CMS tables, callback inbox."""

from __future__ import annotations

from typing import ClassVar

from dagster import ConfigurableResource, InitResourceContext
from sqlalchemy import Engine

from mediaflow_dagster.cms.database import migrate, ops_database_url, ops_engine
from mediaflow_dagster.settings import Backend


class OpsStore(ConfigurableResource):
    secrets: ClassVar[tuple[str, ...]] = ("postgres_url",)

    backend: Backend = "embedded"
    sqlite_path: str
    postgres_url: str | None = None

    @property
    def engine(self) -> Engine:
        return ops_engine(ops_database_url(self.backend, self.sqlite_path, self.postgres_url))

    def setup_for_execution(self, context: InitResourceContext) -> None:
        migrate(self.engine)

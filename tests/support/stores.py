"""What the ops store holds, whole, to show that a refused request changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from mediaflow_dagster.cms.schema import metadata


def store_contents(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every ops-store table, in key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                dict(row._mapping)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in metadata.sorted_tables
        }

"""The marts for BI on the embedded warehouse. DuckDB lets one process write a file or many
read it, never both: a BI tool holding the warehouse would lock the pipeline's writers out. So
after each build the marts are copied into a file of their own beside the warehouse,
`bi_marts.duckdb` (a catalog named as its schema would make `marts.x` ambiguous), swapped in
whole (a rename): readers open it read-only and keep what they opened while the next copy
replaces it; the pipeline never opens it."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"
MARTS_COPY_NAME = "bi_marts.duckdb"


def marts_copy_path(warehouse_path: str | Path) -> Path:
    return Path(warehouse_path).with_name(MARTS_COPY_NAME)


def publish_marts_copy(warehouse_path: str | Path) -> Path:
    """Copies every table of the warehouse's marts schema into a new file and swaps it in for
    the previous copy; returns the copy's path. Called once the build has let go of the
    warehouse."""
    target = marts_copy_path(warehouse_path)
    building = target.with_name(f".{target.name}.building")
    building.unlink(missing_ok=True)
    with duckdb.connect(str(building)) as copy:
        copy.execute(f"ATTACH '{Path(warehouse_path)}' AS warehouse (READ_ONLY)")
        tables = copy.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'warehouse' and schema_name = ?",
            [MARTS_SCHEMA],
        ).fetchall()
        copy.execute(f"CREATE SCHEMA {MARTS_SCHEMA}")
        for (table,) in tables:
            copy.execute(
                f'CREATE TABLE {MARTS_SCHEMA}."{table}" AS '
                f'SELECT * FROM warehouse.{MARTS_SCHEMA}."{table}"'
            )
        copy.execute("DETACH warehouse")
    os.replace(building, target)
    return target

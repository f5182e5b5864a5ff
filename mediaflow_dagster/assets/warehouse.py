"""Raw landing: the ops store's tables copied into the warehouse for dbt."""

import pandas as pd
from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, multi_asset
from sqlalchemy import select

from mediaflow_dagster.assets.keys import RAW
from mediaflow_dagster.cms.attribution import received_conversions
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.warehouse import (
    LANDED_CONVERSION_TABLES,
    LANDED_OPS_TABLES,
    WAREHOUSE_POOL,
    Warehouse,
    as_raw_frame,
    landed_columns,
)

RAW_OPS_SPECS = [
    AssetSpec(
        key=[RAW, table.name],
        group_name="warehouse",
        description=f"The ops store's `{table.name}` table, copied whole.",
        kinds={"duckdb", "postgres"},
    )
    for table in LANDED_OPS_TABLES
] + [
    AssetSpec(
        key=[RAW, table.name],
        group_name="warehouse",
        description=table.comment,
        kinds={"duckdb", "postgres"},
    )
    for table in LANDED_CONVERSION_TABLES
]


@multi_asset(specs=RAW_OPS_SPECS, pool=WAREHOUSE_POOL)
def raw_ops_tables(context: AssetExecutionContext, ops_store: OpsStore, warehouse: Warehouse):
    """Copy each ops table into `raw` in one transaction per table (small tables: whole copies),
    and the CRM's conversions with their paths from the inbox."""
    for table in LANDED_OPS_TABLES:
        frame = as_raw_frame(table, pd.read_sql(select(*landed_columns(table)), ops_store.engine))
        warehouse.replace(table.name, frame)
        yield MaterializeResult(asset_key=[RAW, table.name], metadata={"rows": len(frame)})
    for table, rows in zip(
        LANDED_CONVERSION_TABLES, received_conversions(ops_store.engine), strict=True
    ):
        warehouse.replace(table.name, pd.DataFrame(rows))
        yield MaterializeResult(asset_key=[RAW, table.name], metadata={"rows": len(rows)})

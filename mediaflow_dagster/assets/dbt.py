"""The dbt models (staging, intermediate, marts) as assets, built in the warehouse pool."""

import os
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from mediaflow_dagster.dbt_project import dbt_project
from mediaflow_dagster.resources.warehouse import WAREHOUSE_POOL, Warehouse


class LayeredTranslator(DagsterDbtTranslator):
    """Groups the models by their layer folder (staging, intermediate, marts), seeds apart."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2 else None


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=LayeredTranslator(),
    pool=WAREHOUSE_POOL,
)
def campaign_performance_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse
):
    os.environ.update(warehouse.dbt_environment())
    yield from dbt.cli(["build"], context=context).stream()

"""The dbt models as assets, built in the warehouse pool.

The incremental fact that reads the raw snapshots (tag `hourly`) and the views it reads them
through are partitioned by hour, like the collection they follow, one hour per run: the
partition is handed to dbt as the `window_start` var. Every other model is rebuilt whole from
the facts, daily.

A test runs with the build that can make it true: the hourly build runs only the tests whose
every parent it builds (`cautious`); the daily build also those reaching back into the hourly
fact (`buildable`), which is up to date by then.
"""

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetCheckResult,
    AssetExecutionContext,
    AssetMaterialization,
    BackfillPolicy,
    FreshnessPolicy,
    Output,
)
from dagster_dbt import DagsterDbtTranslator, dbt_assets

from mediaflow_dagster.assets.dbt_tests import test_description
from mediaflow_dagster.assets.mart_previews import mart_metadata
from mediaflow_dagster.dbt_project import (
    HOURLY_MODELS,
    RAW_AUDIT_TESTS,
    dbt_build_args,
    dbt_project,
)
from mediaflow_dagster.partitions import hourly_partitions
from mediaflow_dagster.resources.dbt_cli import DbtCliWithEnvironment
from mediaflow_dagster.resources.marts_copy import publish_marts_copy
from mediaflow_dagster.resources.warehouse import WAREHOUSE_POOL, Warehouse

MARTS_GROUP = "marts"
ONE_HOUR_PER_RUN = BackfillPolicy.multi_run(max_partitions_per_run=1)
"""As the collection they run with in `insights_job`, which reads each hour on its own."""
MARTS_FRESHNESS = FreshnessPolicy.time_window(
    fail_window=timedelta(hours=30), warn_window=timedelta(hours=26)
)


class LayeredTranslator(DagsterDbtTranslator):
    """Groups the models by their layer folder (staging, intermediate, marts), seeds apart; the
    marts must be rebuilt at least daily; each test's check describes what it asserts."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2 else None

    def get_asset_spec(self, manifest, unique_id, project):
        spec = super().get_asset_spec(manifest, unique_id, project)
        if spec.group_name == MARTS_GROUP:
            return spec.replace_attributes(freshness_policy=MARTS_FRESHNESS)
        return spec

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """Each dbt test's check says what the test asserts."""
        check = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if check is None or check.description:
            return check
        return check._replace(description=test_description(manifest["nodes"][unique_id]))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=HOURLY_MODELS,
    exclude=RAW_AUDIT_TESTS,
    partitions_def=hourly_partitions,
    backfill_policy=ONE_HOUR_PER_RUN,
    dagster_dbt_translator=LayeredTranslator(),
    pool=WAREHOUSE_POOL,
    name="hourly_insight_models",
)
def hourly_insight_models(
    context: AssetExecutionContext, dbt: DbtCliWithEnvironment, warehouse: Warehouse
):
    yield from dbt.cli(
        dbt_build_args(context.partition_time_window),
        environment=warehouse.dbt_environment(),
        indirect_selection="cautious",
        context=context,
    ).stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=f"{HOURLY_MODELS} {RAW_AUDIT_TESTS}",
    dagster_dbt_translator=LayeredTranslator(),
    pool=WAREHOUSE_POOL,
)
def campaign_performance_models(
    context: AssetExecutionContext, dbt: DbtCliWithEnvironment, warehouse: Warehouse
):
    build = dbt.cli(
        dbt_build_args(window=None),
        environment=warehouse.dbt_environment(),
        indirect_selection="buildable",
        context=context,
    )
    yield from _with_mart_previews(context, build.stream(), warehouse)


def _with_mart_previews(
    context: AssetExecutionContext, events: Iterator, warehouse: Warehouse
) -> Iterator:
    """The build's events, the marts' held back until dbt is done and then given their row
    count, preview and plot (the warehouse can be read only once dbt let go of it); on the
    embedded warehouse the marts are copied for BI readers then too."""
    held = []
    for event in events:
        if _is_mart_event(context, event):
            held.append(event)
        else:
            yield event
    if held and warehouse.backend == "embedded":
        copy = publish_marts_copy(warehouse.duckdb_path)
        context.log.info(f"marts copied for BI readers to {copy}")
    for event in held:
        if isinstance(event, Output | AssetMaterialization):
            schema, table = _relation(context, event)
            event = event.with_metadata(
                {**event.metadata, **mart_metadata(warehouse, schema, table)}
            )
        yield event


def _is_mart_event(context: AssetExecutionContext, event: Any) -> bool:
    if isinstance(event, AssetCheckResult | AssetCheckEvaluation):
        key = event.asset_key
    elif isinstance(event, Output):
        key = context.asset_key_for_output(event.output_name)
    elif isinstance(event, AssetMaterialization):
        key = event.asset_key
    else:
        return False
    return context.assets_def.group_names_by_key.get(key) == MARTS_GROUP


def _relation(
    context: AssetExecutionContext, event: Output | AssetMaterialization
) -> tuple[str, str]:
    """The mart's schema and table, from the relation dagster-dbt read in the manifest."""
    key = (
        context.asset_key_for_output(event.output_name)
        if isinstance(event, Output)
        else event.asset_key
    )
    relation = context.assets_def.specs_by_key[key].metadata["dagster/table_name"]
    schema, table = relation.split(".")[-2:]
    return schema, table

"""Menus kept in sync everywhere: each visible menu version of the campaign synchronised once,
its Facebook and Instagram post handed to the publication pipeline as an approved object, its
website feed and Google document served from then on, its notification asked for."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from mediaflow_dagster.assets.keys import OPS
from mediaflow_dagster.cms.menus import synchronise_campaign_menus
from mediaflow_dagster.partitions import campaign_partitions
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.tables import markdown_table


@asset(
    key_prefix=OPS,
    group_name="communication",
    partitions_def=campaign_partitions,
    kinds={"sqlite", "postgres"},
)
def menu_synchronisations(context: AssetExecutionContext, ops_store: OpsStore) -> MaterializeResult:
    """The campaign's menu versions waiting to be synchronised, each once: the newest version of
    a menu becomes an approved post (the approvals sensor then starts its publishing run) and
    the documents the API serves; an older one it supersedes goes nowhere."""
    outcomes = synchronise_campaign_menus(ops_store.engine, int(context.partition_key))
    return MaterializeResult(
        metadata={
            "versions": MetadataValue.int(len(outcomes)),
            "outcomes": MetadataValue.md(markdown_table(outcomes)),
        }
    )

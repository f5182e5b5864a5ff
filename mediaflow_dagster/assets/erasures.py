"""Erasures finished outside the ops store: the contact's pseudonym purged from the warehouse
(and from any other store listed by `erasure_stores`), then forgotten."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from mediaflow_dagster.assets.keys import OPS
from mediaflow_dagster.cms.erasure import ErasePseudonym, finish_erasure, pending_erasures
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.warehouse import WAREHOUSE_POOL, Warehouse
from mediaflow_dagster.tables import markdown_table


def erasure_stores(warehouse: Warehouse) -> dict[str, ErasePseudonym]:
    """Every store beyond the ops store that can hold a contact's pseudonym, with its purge.
    The search index adds its own here when it lands (a callable taking the pseudonym and
    answering how many entries it removed)."""
    return {"warehouse": warehouse.forget_pseudonym}


@asset(key_prefix=OPS, group_name="contacts", pool=WAREHOUSE_POOL)
def erasures(
    context: AssetExecutionContext, ops_store: OpsStore, warehouse: Warehouse
) -> MaterializeResult:
    """Each erasure the API recorded, finished in every other store; the trace keeps counts."""
    finished = [
        finish_erasure(ops_store.engine, erasure_id, erasure_stores(warehouse))
        for erasure_id in pending_erasures(ops_store.engine)
    ]
    trace = [
        {"erasure": done["id"], "requested_by": done["requested_by"], "stores": done["stores"]}
        for done in finished
    ]
    return MaterializeResult(
        metadata={
            "erasures": MetadataValue.int(len(finished)),
            "trace": MetadataValue.md(markdown_table(trace)),
        }
    )

"""The daily purge of what the ops store keeps past its retention period."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from mediaflow_dagster.assets.keys import OPS
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.retention import purge_expired
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.retention import Retention


@asset(key_prefix=OPS, group_name="contacts")
def retention_purge(
    context: AssetExecutionContext, ops_store: OpsStore, retention: Retention
) -> MaterializeResult:
    """Rows past their table's retention period deleted; how many per table."""
    purged = purge_expired(ops_store.engine, retention.days(), utcnow())
    return MaterializeResult(
        metadata={
            **{f"purged_{table}": MetadataValue.int(count) for table, count in purged.items()},
            "retention_days": MetadataValue.json(retention.days()),
        }
    )

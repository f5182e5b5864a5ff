"""Contacts brought in by CSV: each pending import checked line by line and stored whole or not
at all; the UI shows counts, never a contact."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from mediaflow_dagster.assets.keys import OPS
from mediaflow_dagster.cms.contact_imports import pending_imports, run_import
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.personal_data import PersonalData
from mediaflow_dagster.tables import markdown_table


@asset(key_prefix=OPS, group_name="contacts", kinds={"csv"})
def contact_imports(
    context: AssetExecutionContext, ops_store: OpsStore, personal_data: PersonalData
) -> MaterializeResult:
    """Every pending CSV import of contacts: all its lines stored, or none with each bad line's
    number, field and reason."""
    vault = personal_data.vault()
    outcomes = [
        run_import(ops_store.engine, vault, import_id, context.log.info)
        for import_id in pending_imports(ops_store.engine)
    ]
    summary = [
        {
            "import": outcome["id"],
            "status": outcome["status"],
            "lines": outcome["total_lines"],
            "imported": outcome["imported"],
            "bad lines": len({error["line"] for error in outcome["errors"]}),
        }
        for outcome in outcomes
    ]
    return MaterializeResult(
        metadata={
            "imports": MetadataValue.md(markdown_table(summary)),
            "imported": MetadataValue.int(sum(outcome["imported"] for outcome in outcomes)),
            "failed_imports": MetadataValue.int(
                sum(outcome["status"] == "failed" for outcome in outcomes)
            ),
        }
    )

"""Campaign automation as runs: each phase whose start or end has come is moved (its actions
taken, once), then each module event an enabled rule handles is acted on (once per event and
rule). The `automation` sensor starts a run when either is due."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from mediaflow_dagster.assets.keys import OPS
from mediaflow_dagster.cms.automation import (
    act,
    advance_checked,
    pending_events,
    settle_events,
)
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.phases import due_moves, move_phase
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.tables import markdown_table

EVENTS_PER_RUN = 500


@asset(key_prefix=OPS, group_name="communication", kinds={"python"})
def campaign_automation(context: AssetExecutionContext, ops_store: OpsStore) -> MaterializeResult:
    """Phases started and ended on time and the automation rules' actions on module events; the
    trace says what each did (ids and outcomes, no personal data)."""
    engine = ops_store.engine
    phases = []
    for phase_id, edge in due_moves(engine, utcnow()):
        outcome = move_phase(engine, phase_id, edge)
        if outcome is not None:
            phases.append({"phase": phase_id, "edge": edge, "outcome": outcome})
    taken = []
    read_at = utcnow()
    pairs = pending_events(engine, EVENTS_PER_RUN)
    for pair in pairs:
        kept = act(engine, pair["inbox_id"], pair["rule_id"], utcnow())
        if kept is not None:
            taken.append(
                {
                    "event": pair["event_id"],
                    "rule": kept["rule_name"],
                    "outcome": kept["outcome"],
                    "detail": kept["detail"],
                }
            )
    settle_events(engine, [pair["inbox_id"] for pair in pairs], utcnow())
    if len(pairs) < EVENTS_PER_RUN:
        advance_checked(engine, read_at)
    context.log.info("moved %d phase(s), acted on %d event(s)", len(phases), len(taken))
    return MaterializeResult(
        metadata={
            "phases_moved": MetadataValue.int(len(phases)),
            "actions": MetadataValue.int(len(taken)),
            "failed": MetadataValue.int(sum(item["outcome"] == "failed" for item in taken)),
            "phases": MetadataValue.md(markdown_table(phases)),
            "trace": MetadataValue.md(markdown_table(taken)),
        }
    )

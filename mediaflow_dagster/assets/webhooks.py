"""Outbound webhooks sent from the outbox (`cms/webhooks.py`): what is due is claimed, signed
and sent, a few at a time, and each answer recorded."""

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from dagster import (
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableRecord,
    TableSchema,
    asset,
)
from sqlalchemy import Engine

from mediaflow_dagster.assets.keys import OPS
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.webhooks import Due, claim_due, record_attempt
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.webhooks import OutboundWebhooks

DELIVERIES_PER_CLAIM = 200
IN_FLIGHT = 8
FAILURES_SHOWN = 20
FAILURE_SCHEMA = TableSchema(
    columns=[
        TableColumn("delivery", "int", description="The delivery's id in the outbox."),
        TableColumn("subscription", "int"),
        TableColumn("status", "string", description="pending (tried again later) or dead."),
        TableColumn("error", "string", description="The receiver's answer, or why none came."),
    ]
)


def deliver_due(
    engine: Engine, sender: OutboundWebhooks, progress: Callable[[dict[str, int]], None]
) -> tuple[Counter[str], list[TableRecord]]:
    """Send every delivery due now, a few at a time; how many ended in each status, and the
    first failures."""
    outcomes: Counter[str] = Counter()
    failures: list[TableRecord] = []

    def send(due: Due) -> None:
        attempt = sender.deliver(due)
        status = record_attempt(engine, due, attempt, utcnow())
        outcomes[status] += 1
        if status != "delivered" and len(failures) < FAILURES_SHOWN:
            failures.append(
                TableRecord(
                    {
                        "delivery": due.id,
                        "subscription": due.subscription_id,
                        "status": status,
                        "error": attempt.error or "",
                    }
                )
            )

    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        while batch := claim_due(engine, utcnow(), DELIVERIES_PER_CLAIM):
            list(pool.map(send, batch))
            progress(dict(outcomes))
    return outcomes, failures


@asset(key_prefix=OPS, group_name="communication", kinds={"python"})
def webhook_deliveries(
    context: AssetExecutionContext, ops_store: OpsStore, outbound_webhooks: OutboundWebhooks
) -> MaterializeResult:
    """Events sent to the receivers that subscribed to them (Standard Webhooks signatures), at
    least once: a failed delivery is tried again on a schedule (5 s up to 10 h), given up as a
    dead letter after its last attempt, and a receiver answering 410 is unsubscribed."""
    outcomes, failures = deliver_due(
        ops_store.engine,
        outbound_webhooks,
        progress=lambda so_far: context.log.info(f"webhook deliveries so far: {so_far}"),
    )
    return MaterializeResult(
        metadata={
            "delivered": outcomes["delivered"],
            "to_retry": outcomes["pending"],
            "dead_letters": outcomes["dead"],
            "failures": MetadataValue.table(failures, schema=FAILURE_SCHEMA),
        }
    )

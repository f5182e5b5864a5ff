"""Publishing: each approved object goes to each targeted account's Make scenario, once; Make's
callbacks then say what became of it."""

from datetime import UTC, datetime
from functools import partial
from typing import Any

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from mediaflow_dagster.cms.inbox import process_callback, unprocessed_callbacks
from mediaflow_dagster.cms.publishing import (
    failed_publications,
    mark_sent,
    note_dispatch_failure,
    plan_publications,
    record_outcome,
    status_counts,
)
from mediaflow_dagster.partitions import campaign_partitions
from mediaflow_dagster.resources.http import OutcomeUnknown, ServiceUnavailable
from mediaflow_dagster.resources.make import MakeScenarios, ScenarioRefused
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.tables import markdown_table


def scenario_payload(publication: dict[str, Any]) -> dict[str, Any]:
    """What an account's Make scenario receives for one publication (and the callback URL)."""
    return {
        "publication_id": publication["id"],
        "idempotency_key": publication["idempotency_key"],
        "object_id": publication["object_id"],
        "content": {
            "message": publication["content_text"] or "",
            "media_url": publication["media_url"],
            "hashtags": publication["hashtags"],
        },
        "platform_config": {
            "platform": publication["platform"],
            "account_id": publication["external_account_id"],
            "account_type": publication["account_type"],
        },
    }


@asset(
    group_name="publishing",
    partitions_def=campaign_partitions,
    deps=["campaign_media"],
    kinds={"make"},
)
def publication_requests(
    context: AssetExecutionContext, ops_store: OpsStore, make: MakeScenarios
) -> MaterializeResult:
    """The campaign's approved objects sent to every active targeted account's Make scenario.

    A publication is made once per (object, account) under an idempotency key; one whose
    scenario could not be reached stays pending for the next run, and one whose outcome is
    unknown is never sent again (Make's callback settles it).
    """
    engine = ops_store.engine
    sent, unsent = 0, []
    for publication in plan_publications(engine, int(context.partition_key)):
        try:
            make.trigger(publication["make_webhook_url"], scenario_payload(publication))
        except OutcomeUnknown:
            context.log.warning(f"publication {publication['id']}: outcome unknown, not resent")
        except ServiceUnavailable as error:
            note_dispatch_failure(engine, publication["id"], str(error))
            unsent.append({"publication": publication["id"], "reason": str(error)})
            continue
        except ScenarioRefused as error:
            with engine.begin() as connection:
                record_outcome(
                    connection,
                    publication["id"],
                    status="failed",
                    external_post_id=None,
                    external_url=None,
                    published_at=None,
                    error=f"the scenario refused the publication: {error}",
                )
            continue
        mark_sent(engine, publication["id"], publication["object_id"])
        sent += 1
    metadata = {
        "sent": sent,
        "by_status": MetadataValue.json(status_counts(engine, int(context.partition_key))),
        "not_sent": MetadataValue.md(markdown_table(unsent)),
    }
    if unsent:
        raise Failure(
            f"{len(unsent)} publication(s) could not reach their scenario; they stay pending",
            metadata=metadata,
        )
    return MaterializeResult(metadata=metadata)


@asset(
    group_name="publishing",
    partitions_def=campaign_partitions,
    deps=[publication_requests],
    kinds={"make"},
)
def publications(context: AssetExecutionContext, ops_store: OpsStore) -> MaterializeResult:
    """The campaign's publications as Make reported them: the post id on each platform, or why
    it failed."""
    engine = ops_store.engine
    campaign_id = int(context.partition_key)
    rejected = []
    for callback in unprocessed_callbacks(engine, "make", campaign_id):
        payload = callback["payload"]
        published = payload["status"] == "published"
        error = payload.get("error") or {}
        apply = partial(
            record_outcome,
            publication_id=payload["publication_id"],
            status="published" if published else "failed",
            external_post_id=payload.get("external_id"),
            external_url=payload.get("external_url"),
            published_at=_naive_utc(payload.get("published_at")) if published else None,
            error=None if published else error.get("message") or str(error),
        )
        refusal = process_callback(engine, callback["id"], apply)
        if refusal:
            rejected.append({"event": callback["event_id"], "reason": refusal})
    failures = failed_publications(engine, campaign_id)
    return MaterializeResult(
        metadata={
            "by_status": MetadataValue.json(status_counts(engine, campaign_id)),
            "failures": MetadataValue.md(markdown_table(failures)),
            "rejected_callbacks": MetadataValue.md(markdown_table(rejected)),
        }
    )


def _naive_utc(moment: str | None) -> datetime | None:
    if moment is None:
        return None
    parsed = datetime.fromisoformat(moment)
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed

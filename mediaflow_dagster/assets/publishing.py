"""Publishing: each approved object is adapted and checked against every targeted platform's
specs, sent once to the account's Make scenario when its time comes, and settled by Make's
callback or, when no answer came, by asking the scenario what it did."""

import secrets
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableMetadataValue,
    TableRecord,
    TableSchema,
    asset,
)
from sqlalchemy import Connection

from mediaflow_dagster.assets.keys import OPS, ops_key
from mediaflow_dagster.cms import circuits
from mediaflow_dagster.cms.attribution import tracked_link
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.generation import rendition_for
from mediaflow_dagster.cms.inbox import process_callback, unprocessed_callbacks
from mediaflow_dagster.cms.plans import FIX_OPENING, plan_for
from mediaflow_dagster.cms.publishing import (
    claim_for_sending,
    dispatchable,
    mark_sent,
    note_dispatch_failure,
    plan_publications,
    record_outcome,
    release_due,
    return_to_pending,
    status_counts,
    to_reconcile,
    unsuccessful_publications,
)
from mediaflow_dagster.cms.schema import MEDIA_FIELDS, PLATFORMS
from mediaflow_dagster.communication.links import LinkSigner
from mediaflow_dagster.communication.utm import links_replaced
from mediaflow_dagster.partitions import campaign_partitions
from mediaflow_dagster.resources.http import OutcomeUnknown, ServiceUnavailable
from mediaflow_dagster.resources.make import MakeScenarios, ScenarioRefused
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.personal_data import PersonalData
from mediaflow_dagster.settings import get_settings
from mediaflow_dagster.tables import markdown_table

DISPATCH_WORKERS = 16


VIOLATION_SEPARATOR = "; "


def blocked_table(blocked: list[dict[str, Any]]) -> TableMetadataValue:
    """Blocked publications as the UI shows them: one row per reason, with its fix."""
    rows = []
    for publication in blocked:
        for violation in (publication["error"] or "").split(VIOLATION_SEPARATOR):
            reason, _, fix = violation.partition(FIX_OPENING)
            rows.append(
                TableRecord(
                    {
                        "publication": publication["id"],
                        "object": publication["object_id"],
                        "platform": publication["platform"],
                        "reason": reason,
                        "fix": fix.removesuffix(")"),
                    }
                )
            )
    return MetadataValue.table(rows, schema=BLOCKED_SCHEMA)


BLOCKED_SCHEMA = TableSchema(
    columns=[
        TableColumn("publication", "int", description="The publication's id."),
        TableColumn("object", "int", description="The campaign object it would publish."),
        TableColumn("platform", "string"),
        TableColumn("reason", "string", description="What the platform's specs refuse."),
        TableColumn("fix", "string", description="What would let it through."),
    ]
)


def platform_content(engine, content: dict[str, Any], platform: str) -> dict[str, Any]:
    """The object as it goes to `platform`: its rendition for that platform (own copy, own
    file) where n8n made one, the object itself otherwise."""
    rendition = rendition_for(engine, content["id"], platform)
    if rendition is None:
        return content
    made = dict(content)
    if rendition["content_text"] is not None:
        made |= {"content_text": rendition["content_text"], "hashtags": rendition["hashtags"]}
    if rendition["media_url"] is not None:
        made |= {field: rendition[field] for field in MEDIA_FIELDS}
    return made


def with_tracked_links(
    connection: Connection, links: LinkSigner, account: dict[str, Any], content: dict[str, Any]
) -> dict[str, Any]:
    """The content with each address in its text behind the post's tracked link, whose clicks
    attribution counts (`cms/attribution.py`)."""
    text = content.get("content_text")
    if not text:
        return content

    def tracked(url: str) -> str:
        link_id = tracked_link(
            connection,
            campaign_id=content["campaign_id"],
            object_id=content["id"],
            account_id=account["id"],
            platform=account["platform"],
            url=url,
        )
        return links.visit_url(link_id)

    return {**content, "content_text": links_replaced(text, tracked)}


@asset(
    key_prefix=OPS,
    group_name="publishing",
    partitions_def=campaign_partitions,
    deps=[ops_key("media_renditions")],
    kinds={"sqlite", "postgres"},
    check_specs=[
        AssetCheckSpec(
            f"{platform}_content_specs",
            asset=ops_key("publication_plans"),
            description=f"Whether every publication planned for {platform} meets its specs. "
            "What it refuses is blocked before anything reaches Make: a warning with each "
            "reason and its fix, not a failure (the rest of the campaign goes out).",
        )
        for platform in PLATFORMS
    ],
)
def publication_plans(
    context: AssetExecutionContext, ops_store: OpsStore, personal_data: PersonalData
):
    """One publication per approved object and targeted active account, its content adapted to
    the platform and checked against the platform's current specs: what a platform refuses is
    blocked there, with the reason and a suggested fix, before anything reaches Make."""
    engine = ops_store.engine
    campaign_id = int(context.partition_key)
    links = personal_data.links()
    made = plan_publications(
        engine,
        campaign_id,
        lambda connection, account, content: plan_for(
            account,
            with_tracked_links(
                connection, links, account, platform_content(engine, content, account["platform"])
            ),
        ),
    )
    blocked = [
        row for row in unsuccessful_publications(engine, campaign_id) if row["status"] == "blocked"
    ]
    yield MaterializeResult(
        metadata={
            "planned": made,
            "by_status": MetadataValue.json(status_counts(engine, campaign_id)),
            "blocked": blocked_table(blocked),
        }
    )
    for platform in PLATFORMS:
        refused = [row for row in blocked if row["platform"] == platform]
        yield AssetCheckResult(
            check_name=f"{platform}_content_specs",
            passed=not refused,
            severity=AssetCheckSeverity.WARN,
            description=f"{len(refused)} publication(s) blocked on {platform}" if refused else None,
            metadata={"blocked": blocked_table(refused)},
        )


def scenario_payload(publication: dict[str, Any], callback_token: str) -> dict[str, Any]:
    """What an account's Make scenario receives for one publication (the callback URL is added
    by the resource)."""
    adapted = publication["adapted_content"] or {}
    return {
        "action": "publish",
        "publication_id": publication["id"],
        "idempotency_key": publication["idempotency_key"],
        "callback_token": callback_token,
        "object_id": publication["object_id"],
        "object_type": publication["object_type"],
        "content": {
            "message": adapted.get("message", ""),
            "media_url": adapted.get("media_url") or publication["media_url"],
            "hashtags": adapted.get("hashtags", []),
        },
        "article": adapted.get("article"),
        "advertisement": adapted.get("advertisement"),
        "platform_config": {
            "platform": publication["platform"],
            "account_id": publication["external_account_id"],
            "account_type": publication["account_type"],
        },
        "scheduled_time": (
            publication["scheduled_time"].isoformat() + "Z"
            if publication["scheduled_time"]
            else None
        ),
        "targeting": publication["targeting"],
    }


@asset(
    key_prefix=OPS,
    group_name="publishing",
    partitions_def=campaign_partitions,
    deps=[publication_plans],
    kinds={"make"},
)
def publication_requests(
    context: AssetExecutionContext, ops_store: OpsStore, make: MakeScenarios
) -> MaterializeResult:
    """Due publications sent to their accounts' Make scenarios, each once.

    First every publication whose outcome is unknown (or whose callback is overdue) is looked
    up in its scenario: what was published is recorded, what never arrived goes back to pending.
    Then pending publications are sent, with a fresh single-use callback token, skipping
    platforms whose circuit is open. A scenario that cannot be reached leaves its publication
    pending for the next run; a permanent refusal fails it with the reason.
    """
    settings = get_settings()
    engine = ops_store.engine
    campaign_id = int(context.partition_key)
    now = utcnow()
    reconciled = _reconcile(
        engine, make, campaign_id, now - timedelta(minutes=settings.make_callback_timeout_minutes)
    )
    released = release_due(engine, campaign_id, now)
    outcomes: Counter[str] = Counter()
    unsent, held = [], {}
    dispatch = partial(_dispatch, engine, make, settings)
    with ThreadPoolExecutor(max_workers=DISPATCH_WORKERS) as pool:
        for publication, outcome, reason in pool.map(dispatch, dispatchable(engine, campaign_id)):
            outcomes[outcome] += 1
            if outcome == "held":
                held[publication["platform"]] = reason
            elif reason:
                unsent.append({"publication": publication["id"], "reason": reason})
    metadata = {
        "sent": outcomes["sent"],
        "outcome_unknown": outcomes["unknown"],
        "reconciled": MetadataValue.json(reconciled),
        "released_from_schedule": released,
        "circuits_open": MetadataValue.json(held),
        "by_status": MetadataValue.json(status_counts(engine, campaign_id)),
        "not_sent": MetadataValue.md(markdown_table(unsent)),
    }
    if unsent:
        raise Failure(
            f"{len(unsent)} publication(s) could not reach their scenario; they stay pending",
            metadata=metadata,
        )
    return MaterializeResult(metadata=metadata)


def _dispatch(engine, make: MakeScenarios, settings, publication: dict[str, Any]):
    """Send one publication; returns it with its outcome (sent, unknown, unsent, refused, held)
    and the reason when it did not go."""
    platform = publication["platform"]
    until = circuits.open_until(engine, platform, utcnow())
    if until:
        return publication, "held", f"circuit open until {until:%H:%M:%S} UTC: it kept failing"
    token = secrets.token_urlsafe(32)
    if not claim_for_sending(engine, publication["id"], token):
        return publication, "taken", None
    try:
        make.trigger(publication["make_webhook_url"], scenario_payload(publication, token))
    except OutcomeUnknown:
        mark_sent(engine, publication, answered=False)
        return publication, "unknown", None
    except ServiceUnavailable as error:
        note_dispatch_failure(engine, publication["id"], str(error))
        circuits.record_failure(
            engine,
            platform,
            str(error),
            threshold=settings.circuit_failure_threshold,
            cooldown=timedelta(seconds=settings.circuit_cooldown_seconds),
        )
        return publication, "unsent", str(error)
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
        return publication, "refused", None
    mark_sent(engine, publication, answered=True)
    circuits.record_success(engine, platform)
    return publication, "sent", None


def _reconcile(engine, make: MakeScenarios, campaign_id: int, sent_before) -> dict[str, int]:
    found: Counter[str] = Counter()
    for publication in to_reconcile(engine, campaign_id, sent_before):
        try:
            answer = make.lookup(publication["make_webhook_url"], publication["idempotency_key"])
        except (ServiceUnavailable, OutcomeUnknown, ScenarioRefused):
            found["lookup_failed"] += 1
            continue
        status = answer.get("status", "unknown")
        found[status] += 1
        if status == "unknown":
            return_to_pending(engine, publication["id"], "the scenario never received it")
        elif status in ("published", "failed"):
            error = answer.get("error") or {}
            with engine.begin() as connection:
                record_outcome(
                    connection,
                    publication["id"],
                    status=status,
                    external_post_id=answer.get("external_id"),
                    external_url=answer.get("external_url"),
                    published_at=_naive_utc(answer.get("published_at")),
                    error=error.get("message") if status == "failed" else None,
                )
    return dict(found)


@asset(
    key_prefix=OPS,
    group_name="publishing",
    partitions_def=campaign_partitions,
    deps=[publication_requests],
    kinds={"make"},
)
def publications(context: AssetExecutionContext, ops_store: OpsStore) -> MaterializeResult:
    """The campaign's publications as Make reported them: the post id on each platform, or why
    it failed; the time from approval to confirmation; counts by status."""
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
            confirmed_at=callback["received_at"],
        )
        refusal = process_callback(engine, callback["id"], apply)
        if refusal:
            rejected.append({"event": callback["event_id"], "reason": refusal})
    return MaterializeResult(
        metadata={
            "by_status": MetadataValue.json(status_counts(engine, campaign_id)),
            "failed_or_blocked": MetadataValue.md(
                markdown_table(unsuccessful_publications(engine, campaign_id))
            ),
            "rejected_callbacks": MetadataValue.md(markdown_table(rejected)),
        }
    )


def _naive_utc(moment: str | None) -> datetime | None:
    if moment is None:
        return None
    parsed = datetime.fromisoformat(moment)
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed

"""Content: asking n8n to generate each object, watching generations that go quiet, then taking
in what n8n stored in SharePoint: the object's media and its per-platform renditions, each
checked against what its platform takes, from the file itself."""

import tempfile
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from mediaflow_dagster.assets.keys import OPS, ops_key
from mediaflow_dagster.cms.authored import is_authored, make_authored_ready
from mediaflow_dagster.cms.campaigns import (
    active_targets,
    content_fingerprint,
    move_object,
    objects_in_status,
    transition_object,
)
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.generation import (
    campaign_renditions,
    count_attempt,
    new_attempt,
    quiet_generations,
    record_execution,
    record_inspection,
    replace_renditions,
    request_id_for,
    uninspected_renditions,
)
from mediaflow_dagster.cms.inbox import process_callback, unprocessed_callbacks
from mediaflow_dagster.partitions import campaign_partitions
from mediaflow_dagster.resources.http import OutcomeUnknown, ServiceUnavailable
from mediaflow_dagster.resources.n8n import GenerationRefused, N8nClient
from mediaflow_dagster.resources.n8n_api import RETRIABLE_STATUSES, UNFINISHED_STATUSES, N8nApi
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.sharepoint import SharePoint
from mediaflow_dagster.settings import get_settings
from mediaflow_dagster.specs import ContentFacts, MediaFacts, check_content, load_specs
from mediaflow_dagster.specs.inspection import (
    InspectedMedia,
    ProbeUnavailable,
    UnreadableMedia,
    UnsupportedMediaType,
    inspect_media,
)
from mediaflow_dagster.tables import markdown_table


@asset(key_prefix=OPS, group_name="content", partitions_def=campaign_partitions, kinds={"n8n"})
def content_generation_requests(
    context: AssetExecutionContext, ops_store: OpsStore, n8n: N8nClient, n8n_api: N8nApi
) -> MaterializeResult:
    """Every draft object of the campaign, sent to its n8n generation workflow, and every
    generation that went quiet (no callback in time), retried.

    An object n8n could not be reached for stays a draft and is sent again on the next run.
    Image objects ask for one rendition per platform the campaign targets, at the size the
    platform recommends; text objects ask for copy written for each of those platforms.
    Articles and advertisements are written, not generated: they become ready with the media
    they use (cover, creative) as soon as it is.
    """
    engine = ops_store.engine
    campaign_id = int(context.partition_key)
    settings = get_settings()
    quiet = _retry_quiet_generations(engine, n8n_api, campaign_id, settings)
    targets = active_targets(engine, campaign_id)
    renditions = _rendition_orders(targets)
    platforms = sorted({account["platform"] for account in targets})
    requested, unsent = [], []
    for content in objects_in_status(engine, campaign_id, "draft"):
        if is_authored(content):
            continue
        request_id = request_id_for(engine, content)
        config = dict(content["config"])
        if content["object_type"] == "image":
            config.setdefault("renditions", renditions)
        if content["object_type"] == "text":
            config.setdefault("platforms", platforms)
        # waiting for content before n8n is asked: its callback may come before its answer
        transition_object(
            engine, content["id"], "generating", generation_requested_at=utcnow(), error=None
        )
        try:
            execution_id = n8n.request_generation(
                object_id=content["id"],
                object_type=content["object_type"],
                request_id=request_id,
                sources=content["sources"],
                config=config,
            )
            note = None
        except OutcomeUnknown as error:
            execution_id, note = None, f"n8n did not answer; waiting for its callback: {error}"
        except (ServiceUnavailable, GenerationRefused) as error:
            transition_object(engine, content["id"], "draft", generation_requested_at=None)
            unsent.append({"object": content["id"], "reason": str(error)})
            continue
        record_execution(engine, content["id"], execution_id, note)
        requested.append(content["id"])
    metadata = {
        "requested": len(requested),
        "authored": MetadataValue.md(markdown_table(make_authored_ready(engine, campaign_id))),
        "quiet_generations": MetadataValue.md(markdown_table(quiet)),
        "not_sent": MetadataValue.md(markdown_table(unsent)),
    }
    if unsent:
        raise Failure(
            f"{len(unsent)} object(s) could not be sent to n8n; they stay drafts for the next run",
            metadata=metadata,
        )
    return MaterializeResult(metadata=metadata)


def _rendition_orders(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    specs = load_specs()
    orders = {}
    for account in targets:
        image = specs.platforms[account["platform"]].image
        if image is not None and image.recommended_size is not None:
            orders[account["platform"]] = {
                "platform": account["platform"],
                "width": image.recommended_size.width,
                "height": image.recommended_size.height,
                "max_bytes": image.max_bytes,
            }
    return list(orders.values())


def _retry_quiet_generations(engine, n8n_api: N8nApi, campaign_id: int, settings) -> list[dict]:
    """Generations with no callback within the configured time are stalled, then: a failed n8n
    execution is retried through n8n's executions API; one that finished without its callback
    reaching mediaflow, or that n8n no longer knows, is asked for again as a new request (the
    object goes back to draft); past the last attempt the object fails. A running execution is
    left to finish."""
    requested_before = utcnow() - timedelta(minutes=settings.n8n_callback_timeout_minutes)
    outcomes = []
    for content in quiet_generations(engine, campaign_id, requested_before):
        execution_id = content["generation_execution_id"]
        execution = n8n_api.execution(execution_id) if execution_id else None
        status = execution["status"] if execution else "unknown"
        if status in UNFINISHED_STATUSES:
            outcomes.append({"object": content["id"], "execution": execution_id, "action": "wait"})
            continue
        if content["status"] == "generating":
            transition_object(engine, content["id"], "stalled")
        if content["generation_attempts"] >= settings.n8n_max_generation_attempts:
            reason = (
                f"no content after {content['generation_attempts']} attempts "
                f"(last n8n execution {execution_id}: {status})"
            )
            transition_object(engine, content["id"], "failed", error=reason)
            action = "failed"
        elif status in RETRIABLE_STATUSES:
            retried = n8n_api.retry(execution_id)
            count_attempt(engine, content["id"])
            transition_object(
                engine,
                content["id"],
                "generating",
                generation_requested_at=utcnow(),
                generation_execution_id=str(retried["id"]),
                error=f"n8n execution {execution_id} ended {status}; retried",
            )
            action = f"retried as execution {retried['id']}"
        else:
            new_attempt(engine, content["id"])
            transition_object(engine, content["id"], "draft")
            action = "requested again"
        outcomes.append({"object": content["id"], "execution": execution_id, "action": action})
    return outcomes


@asset(
    key_prefix=OPS,
    group_name="content",
    partitions_def=campaign_partitions,
    deps=[content_generation_requests],
    kinds={"sharepoint"},
)
def campaign_media(
    context: AssetExecutionContext, ops_store: OpsStore, sharepoint: SharePoint
) -> MaterializeResult:
    """The content n8n reported for the campaign's objects: text, and media files in SharePoint,
    read from the file itself (Pillow, ffprobe), with the sharing link they are published with.
    A file that is not what it claims to be, or of a type no platform takes, fails its object.
    Articles and ads waiting for the media they use are made ready with it."""
    engine = ops_store.engine
    campaign_id = int(context.partition_key)
    rejected = []
    for callback in unprocessed_callbacks(engine, "n8n", campaign_id):
        payload = callback["payload"]
        renditions: list[dict[str, Any]] = []
        if payload["type"] == "content.ready":
            try:
                changes, renditions = _ready_content(payload, sharepoint)
                target_status = "ready"
            except (UnreadableMedia, UnsupportedMediaType) as error:
                changes, target_status = {"error": str(error)}, "failed"
        else:
            changes = {"error": payload.get("error") or "n8n reported a failure"}
            target_status = "failed"
        apply = partial(_take_content, payload["object_id"], target_status, changes, renditions)
        refusal = process_callback(engine, callback["id"], apply)
        if refusal:
            rejected.append({"event": callback["event_id"], "reason": refusal})
    authored = make_authored_ready(engine, campaign_id)
    shown = (
        "id",
        "object_type",
        "status",
        "media_mime_type",
        "media_bytes",
        "media_width",
        "media_height",
        "media_duration_seconds",
        "media_codec",
        "generation_execution_id",
        "media_url",
        "error",
    )
    objects = [
        {key: content[key] for key in shown}
        for status in ("ready", "failed")
        for content in objects_in_status(engine, campaign_id, status)
    ]
    return MaterializeResult(
        metadata={
            "objects": MetadataValue.md(markdown_table(objects)),
            "ready": sum(content["status"] == "ready" for content in objects),
            "failed": sum(content["status"] == "failed" for content in objects),
            "rejected_callbacks": MetadataValue.md(markdown_table(rejected)),
            "authored": MetadataValue.md(markdown_table(authored)),
        }
    )


def _take_content(
    object_id: int,
    to_status: str,
    changes: dict[str, Any],
    renditions: list[dict[str, Any]],
    connection,
) -> None:
    content = move_object(connection, object_id, to_status, changes)
    if to_status == "ready":
        replace_renditions(connection, content, renditions)


def _ready_content(
    payload: dict[str, Any], sharepoint: SharePoint
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The object's new content (text, hashtags, and the media file's facts as read from the
    file, bound by a fingerprint) and its per-platform renditions."""
    content = payload.get("content") or {}
    changes: dict[str, Any] = {
        "content_text": content.get("text"),
        "hashtags": content.get("hashtags") or [],
        "generation_execution_id": payload.get("execution_id"),
        "ready_at": utcnow(),
        "error": None,
    }
    media = payload.get("media")
    if media:
        inspected = _inspect(sharepoint, media)
        changes |= {
            "sharepoint_drive_id": media["drive_id"],
            "sharepoint_item_id": media["item_id"],
            "media_url": sharepoint.create_sharing_link(media["drive_id"], media["item_id"]),
            **_media_columns(inspected),
        }
    if payload.get("thumbnail"):
        changes["thumbnail_item_id"] = payload["thumbnail"]["item_id"]
    changes["content_hash"] = content_fingerprint(
        changes["content_text"],
        changes["hashtags"],
        changes.get("sharepoint_item_id"),
        changes.get("media_bytes"),
    )
    renditions = [
        _rendition(rendition, payload.get("execution_id"), sharepoint)
        for rendition in payload.get("renditions") or []
    ]
    return changes, renditions


def _rendition(
    rendition: dict[str, Any], execution_id: str | None, sharepoint: SharePoint
) -> dict[str, Any]:
    row = {
        "platform": rendition["platform"],
        "content_text": rendition.get("text"),
        "hashtags": rendition.get("hashtags"),
        "generation_execution_id": execution_id,
    }
    media = rendition.get("media")
    if media:
        row |= {
            "sharepoint_drive_id": media["drive_id"],
            "sharepoint_item_id": media["item_id"],
            "file_name": media["name"],
            "media_url": sharepoint.create_sharing_link(media["drive_id"], media["item_id"]),
        }
    return row


FOURCC_CODECS = {"avc1": "h264", "h264": "h264", "hvc1": "hevc", "hev1": "hevc", "vp09": "vp9"}


def _inspect(sharepoint: SharePoint, media: dict[str, Any]) -> InspectedMedia:
    """The file's facts as read from it; where ffprobe is not installed, a video's or a
    recording's facts as Graph reports them."""
    with tempfile.TemporaryDirectory(prefix="mediaflow-media-") as folder:
        local = sharepoint.download(
            media["drive_id"], media["item_id"], Path(folder) / Path(media["name"]).name
        )
        try:
            return inspect_media(local)
        except ProbeUnavailable:
            return _reported_by_graph(sharepoint.get_item(media["drive_id"], media["item_id"]))


def _reported_by_graph(item: dict[str, Any]) -> InspectedMedia:
    picture = item.get("image") or item.get("video") or {}
    playback = item.get("video") or item.get("audio") or {}
    facts = MediaFacts(
        mime_type=item.get("file", {}).get("mimeType", "application/octet-stream"),
        bytes=item["size"],
        width=picture.get("width"),
        height=picture.get("height"),
        duration_seconds=playback["duration"] / 1000 if "duration" in playback else None,
        codec=FOURCC_CODECS.get(str(playback.get("fourCC", "")).lower()),
    )
    sha256 = item.get("file", {}).get("hashes", {}).get("sha256Hash", "")
    return InspectedMedia(facts=facts, sha256=sha256.lower())


def _media_columns(inspected: InspectedMedia) -> dict[str, Any]:
    facts = inspected.facts
    return {
        "media_mime_type": facts.mime_type,
        "media_bytes": facts.bytes,
        "media_width": facts.width,
        "media_height": facts.height,
        "media_duration_seconds": facts.duration_seconds,
        "media_codec": facts.codec,
    }


@asset(
    key_prefix=OPS,
    group_name="content",
    partitions_def=campaign_partitions,
    deps=[campaign_media],
    kinds={"sharepoint"},
    check_specs=[
        AssetCheckSpec(
            "rendition_specs",
            asset=ops_key("media_renditions"),
            description="Whether every rendition's file, as read from the file itself, meets "
            "its platform's specs (format, size, ratio, duration).",
        )
    ],
)
def media_renditions(context: AssetExecutionContext, ops_store: OpsStore, sharepoint: SharePoint):
    """Each object's per-platform renditions as files: their facts read from the file (Pillow for
    pictures, ffprobe for video) and checked against their platform's current specs. The check
    fails, naming each rendition and limit, when a rendition breaks its platform's limits."""
    engine = ops_store.engine
    campaign_id = int(context.partition_key)
    specs = load_specs()
    for rendition in uninspected_renditions(engine, campaign_id):
        media = {
            "drive_id": rendition["sharepoint_drive_id"],
            "item_id": rendition["sharepoint_item_id"],
            "name": rendition["file_name"],
        }
        try:
            inspected = _inspect(sharepoint, media)
        except (UnreadableMedia, UnsupportedMediaType) as error:
            record_inspection(engine, rendition["id"], {"violations": [str(error)]})
            continue
        facts = ContentFacts(object_type=inspected.facts.kind or "image", media=inspected.facts)
        violations = check_content(specs.platforms[rendition["platform"]], facts)
        record_inspection(
            engine,
            rendition["id"],
            {
                **_media_columns(inspected),
                "media_sha256": inspected.sha256,
                "violations": [f"{v.message} (fix: {v.suggested_fix})" for v in violations],
            },
        )
    renditions = campaign_renditions(engine, campaign_id)
    shown = [
        {
            "object": rendition["object_id"],
            "platform": rendition["platform"],
            "file": rendition["file_name"],
            "bytes": rendition["media_bytes"],
            "sha256": (rendition["media_sha256"] or "")[:12],
            "size": _dimensions(rendition),
            "duration_s": rendition["media_duration_seconds"],
            "codec": rendition["media_codec"],
            "execution": rendition["generation_execution_id"],
            "url": rendition["media_url"],
        }
        for rendition in renditions
    ]
    broken = [
        {
            "object": r["object_id"],
            "platform": r["platform"],
            "violations": "; ".join(r["violations"]),
        }
        for r in renditions
        if r["violations"]
    ]
    yield MaterializeResult(
        metadata={
            "renditions": MetadataValue.md(markdown_table(shown)),
            "count": len(renditions),
            "breaking_specs": len(broken),
        }
    )
    yield AssetCheckResult(
        check_name="rendition_specs",
        passed=not broken,
        severity=AssetCheckSeverity.ERROR,
        description=(
            "every rendition fits its platform"
            if not broken
            else f"{len(broken)} rendition(s) break their platform's limits"
        ),
        metadata={"violations": MetadataValue.md(markdown_table(broken))},
    )


def _dimensions(rendition: dict[str, Any]) -> str | None:
    if rendition["media_width"] is None:
        return None
    return f"{rendition['media_width']}x{rendition['media_height']}"

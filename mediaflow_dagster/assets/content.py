"""Content: asking n8n to generate each object, then taking in what it made (SharePoint media)."""

from functools import partial

from dagster import (
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from mediaflow_dagster.cms.campaigns import (
    content_fingerprint,
    move_object,
    objects_in_status,
    transition_object,
)
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.inbox import process_callback, unprocessed_callbacks
from mediaflow_dagster.partitions import campaign_partitions
from mediaflow_dagster.resources.http import OutcomeUnknown, ServiceUnavailable
from mediaflow_dagster.resources.n8n import GenerationRefused, N8nClient
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.sharepoint import SharePoint
from mediaflow_dagster.tables import markdown_table


@asset(group_name="content", partitions_def=campaign_partitions, kinds={"n8n"})
def content_generation_requests(
    context: AssetExecutionContext, ops_store: OpsStore, n8n: N8nClient
) -> MaterializeResult:
    """Every draft object of the campaign, sent to its n8n generation workflow.

    An object n8n could not be reached for stays a draft and is sent again on the next run.
    """
    engine = ops_store.engine
    campaign_id = int(context.partition_key)
    requested, unsent = [], []
    for content in objects_in_status(engine, campaign_id, "draft"):
        try:
            n8n.request_generation(
                object_id=content["id"],
                object_type=content["object_type"],
                sources=content["sources"],
                config=content["config"],
            )
            note = None
        except OutcomeUnknown as error:
            note = f"n8n did not answer; waiting for its callback: {error}"
        except (ServiceUnavailable, GenerationRefused) as error:
            unsent.append({"object": content["id"], "reason": str(error)})
            continue
        transition_object(
            engine, content["id"], "generating", generation_requested_at=utcnow(), error=note
        )
        requested.append(content["id"])
    metadata = {"requested": len(requested), "not_sent": MetadataValue.md(markdown_table(unsent))}
    if unsent:
        raise Failure(
            f"{len(unsent)} object(s) could not be sent to n8n; they stay drafts for the next run",
            metadata=metadata,
        )
    return MaterializeResult(metadata=metadata)


@asset(
    group_name="content",
    partitions_def=campaign_partitions,
    deps=[content_generation_requests],
    kinds={"sharepoint"},
)
def campaign_media(
    context: AssetExecutionContext, ops_store: OpsStore, sharepoint: SharePoint
) -> MaterializeResult:
    """The content n8n reported for the campaign's objects: text, and media files in SharePoint
    with the sharing link they are published with."""
    engine = ops_store.engine
    campaign_id = int(context.partition_key)
    rejected = []
    for callback in unprocessed_callbacks(engine, "n8n", campaign_id):
        payload = callback["payload"]
        if payload["type"] == "content.ready":
            changes = _ready_content(payload, sharepoint)
            target_status = "ready"
        else:
            changes = {"error": payload.get("error") or "n8n reported a failure"}
            target_status = "failed"
        apply = partial(
            move_object, object_id=payload["object_id"], to_status=target_status, changes=changes
        )
        refusal = process_callback(engine, callback["id"], apply)
        if refusal:
            rejected.append({"event": callback["event_id"], "reason": refusal})
    shown = ("id", "object_type", "status", "media_mime_type", "media_bytes", "media_url")
    objects = [
        {key: content[key] for key in shown}
        for status in ("ready", "failed")
        for content in objects_in_status(engine, campaign_id, status)
    ]
    return MaterializeResult(
        metadata={
            "objects": MetadataValue.md(markdown_table(objects)),
            "ready": sum(content["status"] == "ready" for content in objects),
            "rejected_callbacks": MetadataValue.md(markdown_table(rejected)),
        }
    )


FOURCC_CODECS = {"avc1": "h264", "h264": "h264", "hvc1": "hevc", "hev1": "hevc", "vp09": "vp9"}


def _ready_content(payload: dict, sharepoint: SharePoint) -> dict:
    """The object's new content: text and hashtags, and for media the SharePoint file's facts
    as Graph reports them (size, type, dimensions, duration, codec), bound by a fingerprint."""
    content = payload.get("content") or {}
    changes: dict = {
        "content_text": content.get("text"),
        "hashtags": content.get("hashtags") or [],
        "generation_execution_id": payload.get("execution_id"),
        "ready_at": utcnow(),
        "error": None,
    }
    media = payload.get("media")
    if media:
        item = sharepoint.get_item(media["drive_id"], media["item_id"])
        picture = item.get("image") or item.get("video") or {}
        video = item.get("video") or {}
        changes |= {
            "sharepoint_drive_id": media["drive_id"],
            "sharepoint_item_id": item["id"],
            "media_bytes": item["size"],
            "media_mime_type": item.get("file", {}).get("mimeType"),
            "media_width": picture.get("width"),
            "media_height": picture.get("height"),
            "media_duration_seconds": video["duration"] / 1000 if "duration" in video else None,
            "media_codec": FOURCC_CODECS.get(str(video.get("fourCC", "")).lower()),
            "media_url": sharepoint.create_sharing_link(media["drive_id"], item["id"]),
        }
    changes["content_hash"] = content_fingerprint(
        changes["content_text"],
        changes["hashtags"],
        changes.get("sharepoint_item_id"),
        changes.get("media_bytes"),
    )
    return changes

"""Authored objects: articles and advertisements are written by their authors, not generated
by n8n. One is ready as soon as the media it uses (an article's cover, an ad's creative) is:
it takes that object's media as its own, and its text from its own fields."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine

from mediaflow_dagster.cms.campaigns import (
    content_fingerprint,
    get_object,
    move_object,
    objects_in_status,
)
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.schema import MEDIA_FIELDS

AUTHORED_TYPES = ("article", "advertisement")
USABLE_STATUSES = ("ready", "approved", "publishing", "published")
"""The statuses of an object whose media is final enough to be used by another."""
MEDIA_COLUMNS = (*MEDIA_FIELDS, "sharepoint_drive_id", "sharepoint_item_id")


def is_authored(content: dict[str, Any]) -> bool:
    return content["object_type"] in AUTHORED_TYPES


def used_object_id(content: dict[str, Any]) -> int | None:
    """The object whose media this one uses: an article's cover, an ad's creative."""
    if content["object_type"] == "article":
        return (content["article"] or {}).get("cover_object_id")
    if content["object_type"] == "advertisement":
        return (content["advertisement"] or {}).get("creative_object_id")
    return None


def authored_text(content: dict[str, Any]) -> str | None:
    """What an authored object says: an article's body, an ad's primary text."""
    if content["object_type"] == "article":
        return content["article"]["body"]
    return content["advertisement"]["primary_text"]


def make_authored_ready(engine: Engine, campaign_id: int) -> list[dict[str, Any]]:
    """Every draft article and advertisement of the campaign whose media is ready, made ready
    with that media; what each did (ready, or which object it waits for)."""
    outcomes = []
    for content in objects_in_status(engine, campaign_id, "draft"):
        if not is_authored(content):
            continue
        used_id = used_object_id(content)
        used = get_object(engine, used_id) if used_id else None
        if used is not None and used["status"] not in USABLE_STATUSES:
            outcomes.append(
                {
                    "object": content["id"],
                    "outcome": f"waits for object {used_id} ({used['status']})",
                }
            )
            continue
        media = {column: used[column] for column in MEDIA_COLUMNS} if used else {}
        text = authored_text(content)
        fields = content["article"] or content["advertisement"]
        changes = {
            **media,
            "content_text": text,
            "hashtags": [],
            "ready_at": utcnow(),
            "error": None,
            "content_hash": content_fingerprint(
                json.dumps(fields, sort_keys=True, ensure_ascii=False),
                [],
                media.get("sharepoint_item_id"),
                media.get("media_bytes"),
            ),
        }
        with engine.begin() as connection:
            move_object(connection, content["id"], "ready", changes)
        outcomes.append({"object": content["id"], "outcome": "ready"})
    return outcomes

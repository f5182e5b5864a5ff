"""The communication module's publish request: a title, a body, a medium and hashtags for some
of a campaign's platforms, now or at a time, becomes an object of the campaign that goes the
way every object goes: checked against each platform's specs, approved by whoever asked (their
credential must carry the approval scope), then planned, sent and settled by the publishing
runs on the platforms it names only.

Everything is checked before anything is stored: a platform the campaign has no active account
on, a time already past, content a platform's specs refuse are each `Invalid`, naming the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from mediaflow_dagster.cms.campaigns import (
    PUBLISHING_CAMPAIGN_STATUSES,
    active_targets,
    approve_object,
    content_fingerprint,
    create_object,
    get_campaign,
    move_object,
)
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.errors import Conflict, Invalid
from mediaflow_dagster.cms.plans import plan_for
from mediaflow_dagster.cms.publishing import idempotency_key
from mediaflow_dagster.cms.schema import MEDIA_FIELDS, object_platforms

MEDIA_FACTS = tuple(field.removeprefix("media_") for field in MEDIA_FIELDS)

PUBLISH_ORIGIN = "communication.publish"


@dataclass(frozen=True)
class PublishRequest:
    campaign_id: int
    title: str
    body: str
    media: list[dict[str, Any]]
    hashtags: list[str]
    platforms: list[str]
    scheduled_time: datetime | None = None
    targeting: dict[str, Any] | None = None


def publish(connection: Connection, wanted: PublishRequest, approved_by: str) -> dict[str, Any]:
    """The request made an approved object of its campaign, in the caller's transaction; what
    the answer says of it: its status, the publication id on each platform's account and the
    time it goes out."""
    campaign = get_campaign(connection, wanted.campaign_id)
    if campaign["status"] not in PUBLISHING_CAMPAIGN_STATUSES:
        raise Conflict(
            f"campaign {wanted.campaign_id} is {campaign['status']}: only a scheduled or active "
            "campaign publishes"
        )
    if wanted.scheduled_time is not None and wanted.scheduled_time <= utcnow():
        raise Invalid("scheduled_time", f"{wanted.scheduled_time.isoformat()}Z is already past")
    accounts, content = check_publishable(connection, wanted)
    created = create_object(
        connection,
        campaign_id=wanted.campaign_id,
        object_type=content["object_type"],
        title=wanted.title,
        sources=[{"url": medium["url"]} for medium in wanted.media],
        config={"origin": PUBLISH_ORIGIN},
    )
    ready = {name: content[name] for name in ("content_text", "hashtags", "content_hash")}
    ready |= {name: content[name] for name in MEDIA_FIELDS}
    move_object(connection, created["id"], "ready", {**ready, "ready_at": utcnow()})
    connection.execute(
        insert(object_platforms),
        [{"object_id": created["id"], "platform": platform} for platform in wanted.platforms],
    )
    approved = approve_object(
        connection,
        created["id"],
        approved_by,
        scheduled_time=wanted.scheduled_time,
        targeting=wanted.targeting,
    )
    return {
        "status": "scheduled" if wanted.scheduled_time else "queued",
        "campaign_id": wanted.campaign_id,
        "object_id": approved["id"],
        "scheduled_time": approved["scheduled_time"],
        "publications": [
            {
                "platform": platform,
                "social_account_id": account["id"],
                "publication_id": idempotency_key(approved["id"], account["id"]),
            }
            for platform in wanted.platforms
            for account in accounts[platform]
        ],
    }


def check_publishable(
    connection: Connection, wanted: PublishRequest
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """The accounts of each platform asked for and the object the request describes; `Invalid`
    when a platform has no active account on the campaign or its specs refuse the content."""
    accounts = _accounts_by_platform(connection, wanted)
    content = _content(wanted)
    refusals = [
        f"{platform}: {violation}"
        for platform in wanted.platforms
        for account in accounts[platform]
        for violation in plan_for(account, content).violations
    ]
    if refusals:
        raise Invalid("content", "; ".join(dict.fromkeys(refusals)))
    return accounts, content


def _accounts_by_platform(
    connection: Connection, wanted: PublishRequest
) -> dict[str, list[dict[str, Any]]]:
    accounts: dict[str, list[dict[str, Any]]] = {platform: [] for platform in wanted.platforms}
    for account in active_targets(connection, wanted.campaign_id):
        if account["platform"] in accounts:
            accounts[account["platform"]].append(account)
    missing = [platform for platform, found in accounts.items() if not found]
    if missing:
        raise Invalid(
            "platforms",
            f"campaign {wanted.campaign_id} has no active account on {', '.join(missing)}",
        )
    return accounts


def _content(wanted: PublishRequest) -> dict[str, Any]:
    """The object the request describes, as the specs read one."""
    medium = wanted.media[0] if wanted.media else {}
    media = {f"media_{fact}": medium.get(fact) for fact in MEDIA_FACTS}
    return {
        **media,
        "object_type": medium["mime_type"].partition("/")[0] if medium else "text",
        "title": wanted.title,
        "content_text": wanted.body,
        "hashtags": wanted.hashtags,
        "article": None,
        "advertisement": None,
        "content_hash": content_fingerprint(
            json.dumps([wanted.title, wanted.body], ensure_ascii=False),
            wanted.hashtags,
            media["media_url"],
            media["media_bytes"],
        ),
    }

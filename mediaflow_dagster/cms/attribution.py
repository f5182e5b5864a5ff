"""The clicks attribution counts: a post's links are kept as `tracked_links` (one per post and
address, the address UTM-tagged) behind short signed redirects; each click of one, or of a
tracked link in a message, is a `link_clicks` row under a fresh click id that the destination's
address carries on (`mf_click`), for the CRM to send back with the conversion it led to."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select

from mediaflow_dagster.cms.database import (
    Bind,
    insert_ignoring_duplicates,
    transaction,
    utcnow,
)
from mediaflow_dagster.cms.schema import (
    callback_inbox,
    link_clicks,
    notification_messages,
    tracked_links,
)
from mediaflow_dagster.communication.utm import utm_tagged, with_click_id

SOCIAL = "social"
CONVERSIONS_SOURCE = "crm"
CONVERSION_EVENT = "conversion.recorded"


def tracked_link(
    connection: Connection,
    *,
    campaign_id: int,
    object_id: int,
    account_id: int,
    platform: str,
    url: str,
) -> int:
    """The id of the post's tracked link to `url` (made on first use, UTM-tagged)."""
    tagged = utm_tagged(
        url,
        source=platform,
        medium=SOCIAL,
        campaign_id=campaign_id,
        content=f"object-{object_id}",
    )
    connection.execute(
        insert_ignoring_duplicates(connection, tracked_links).values(
            campaign_id=campaign_id,
            object_id=object_id,
            account_id=account_id,
            platform=platform,
            url=tagged,
            created_at=utcnow(),
        )
    )
    return connection.execute(
        select(tracked_links.c.id).where(
            tracked_links.c.object_id == object_id,
            tracked_links.c.account_id == account_id,
            tracked_links.c.url == tagged,
        )
    ).scalar_one()


def post_click(connection: Connection, link_id: int, *, counted: bool = True) -> str | None:
    """The click of a post's tracked link, kept when `counted`; where it leads, with the click
    id when kept (None for a link that is not there)."""
    link = connection.execute(select(tracked_links).where(tracked_links.c.id == link_id)).first()
    if link is None:
        return None
    if not counted:
        return link.url
    click_id = _record(
        connection,
        campaign_id=link.campaign_id,
        channel=SOCIAL,
        platform=link.platform,
        tracked_link_id=link.id,
    )
    return with_click_id(link.url, click_id)


def message_click(connection: Connection, message_id: int, url: str) -> str:
    """The click of a link in a message, kept with the message's campaign and channel; `url`
    with the click id (as it is when the message is gone, without a click kept)."""
    message = connection.execute(
        select(notification_messages.c.campaign_id, notification_messages.c.channel).where(
            notification_messages.c.id == message_id
        )
    ).first()
    if message is None:
        return url
    click_id = _record(
        connection,
        campaign_id=message.campaign_id,
        channel=message.channel,
        platform=message.channel,
        message_id=message_id,
    )
    return with_click_id(url, click_id)


def _record(connection: Connection, **click) -> str:
    click_id = secrets.token_urlsafe(16)
    connection.execute(insert(link_clicks).values(click_id=click_id, clicked_at=utcnow(), **click))
    return click_id


def received_conversions(bind: Bind) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The CRM's conversions as the warehouse lands them, the latest received of each id, and
    their paths: the clicks each names, oldest first, the one the customer arrived by last."""
    with transaction(bind) as connection:
        events = connection.execute(
            select(callback_inbox.c.payload, callback_inbox.c.received_at)
            .where(
                callback_inbox.c.source == CONVERSIONS_SOURCE,
                callback_inbox.c.event_type == CONVERSION_EVENT,
            )
            .order_by(callback_inbox.c.received_at, callback_inbox.c.id)
        ).all()
    latest = {event.payload["conversion_id"]: event for event in events}
    conversions, touches = [], []
    for conversion_id, event in latest.items():
        payload = event.payload
        conversions.append(
            {
                "conversion_id": conversion_id,
                "kind": payload["kind"],
                "amount": Decimal(payload["amount"]),
                "currency": payload["currency"],
                "occurred_at": as_naive_utc(payload["occurred_at"]),
                "received_at": event.received_at,
            }
        )
        path = [*payload.get("earlier_click_ids", []), payload.get("click_id")]
        touches.extend(
            {"conversion_id": conversion_id, "click_id": click_id, "position": position}
            for position, click_id in enumerate(filter(None, path), start=1)
        )
    return conversions, touches


def as_naive_utc(instant: str) -> datetime:
    return datetime.fromisoformat(instant).astimezone(UTC).replace(tzinfo=None)

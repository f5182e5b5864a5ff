"""Messages mediaflow itself sends to the people who run a campaign or mediaflow: a failed run,
a performance alert, a campaign report. Each is a notification request planned at once into its
one email, written in the caller's transaction: the recipient is no contact, so there is no
audience to plan, no consent to ask and nothing to unsubscribe from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from mediaflow_dagster.cms.schema import campaigns, notification_messages, notification_requests

OPERATIONS_KIND = "operations"
"""The kind of message sent to the people running mediaflow, not to a contact."""


def campaign_owner(connection: Connection, campaign_id: int | None) -> Any:
    """The campaign's id, name and owner's address (None for no campaign, or one not found)."""
    if campaign_id is None:
        return None
    return connection.execute(
        select(campaigns.c.id, campaigns.c.name, campaigns.c.owner_email).where(
            campaigns.c.id == campaign_id
        )
    ).first()


def email_notice(
    connection: Connection,
    *,
    template: str,
    recipient: str,
    data: dict[str, Any],
    campaign_id: int | None,
    requested_by: str,
    now: datetime,
) -> int:
    """One transactional email of `template` with `data` to `recipient`; the request's id."""
    request_id = connection.execute(
        insert(notification_requests).values(
            template_name=template,
            audience={"email": recipient},
            data=data,
            channels=["email"],
            all_channels=False,
            send_at=None,
            best_hour=False,
            campaign_id=campaign_id,
            status="planned",
            requested_by=requested_by,
            created_at=now,
            planned_at=now,
        )
    ).inserted_primary_key[0]
    connection.execute(
        insert(notification_messages).values(
            request_id=request_id,
            kind=OPERATIONS_KIND,
            channel="email",
            purpose="transactional",
            campaign_id=campaign_id,
            status="pending",
            attempts=0,
            send_after=now,
            created_at=now,
            updated_at=now,
        )
    )
    return request_id

"""Failed runs, noticed once each: the `run_failed` outbound event and, when someone is to be told
by email, a transactional message to them, written in one transaction with the run's row (keyed
by its run id). A second notice of the same run finds the row and adds nothing, so the event and
the email go out once however often the sensor looks.

The email goes to the campaign's owner when the run is about a campaign that has one, else to the
operators' address (`MEDIAFLOW_OPERATIONS_EMAIL`), else to no one (the webhooks still hear of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from mediaflow_dagster.cms.database import Bind, insert_ignoring_duplicates, transaction, utcnow
from mediaflow_dagster.cms.schema import (
    campaigns,
    notification_messages,
    notification_requests,
    run_failures,
)
from mediaflow_dagster.cms.webhooks import emit

TEMPLATE = "run_failed"
OPERATIONS_KIND = "operations"
"""The kind of message sent to the people running mediaflow, not to a contact."""
NOTICED_BY = "run_failures sensor"


@dataclass(frozen=True)
class FailedStep:
    step: str
    error_class: str
    error: str
    """The error's first line, scrubbed (`logs.scrubbed`)."""


@dataclass(frozen=True)
class RunFailure:
    run_id: str
    job: str
    campaign_id: int | None
    steps: list[FailedStep]
    failed_at: datetime
    run_url: str

    def event_data(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "job": self.job,
            "campaign_id": self.campaign_id,
            "failed_at": self.failed_at.isoformat() + "Z",
            "steps": [step.__dict__ for step in self.steps],
            "run_url": self.run_url,
        }


def notice(bind: Bind, failure: RunFailure, operations_email: str | None) -> bool:
    """Report `failure` once; False when it was reported already."""
    now = utcnow()
    with transaction(bind) as connection:
        kept = connection.execute(
            insert_ignoring_duplicates(connection, run_failures).values(
                run_id=failure.run_id,
                job_name=failure.job,
                campaign_id=failure.campaign_id,
                steps=[step.__dict__ for step in failure.steps],
                webhook_deliveries=0,
                failed_at=failure.failed_at,
                noticed_at=now,
            )
        ).rowcount
        if kept != 1:
            return False
        deliveries = emit(connection, "run_failed", failure.event_data())
        campaign = _campaign(connection, failure.campaign_id)
        recipient = (campaign and campaign.owner_email) or operations_email
        request_id = (
            _email(connection, failure, campaign and campaign.id, recipient, now)
            if recipient
            else None
        )
        connection.execute(
            run_failures.update()
            .where(run_failures.c.run_id == failure.run_id)
            .values(webhook_deliveries=deliveries, notification_request_id=request_id)
        )
    return True


def _campaign(connection: Connection, campaign_id: int | None) -> Any:
    if campaign_id is None:
        return None
    return connection.execute(
        select(campaigns.c.id, campaigns.c.owner_email).where(campaigns.c.id == campaign_id)
    ).first()


def _email(
    connection: Connection,
    failure: RunFailure,
    campaign_id: int | None,
    recipient: str,
    now: datetime,
) -> int:
    """A request planned at once into its one message: the recipient is no contact, so there
    is no audience to plan, no consent to ask and nothing to unsubscribe from."""
    request_id = connection.execute(
        insert(notification_requests).values(
            template_name=TEMPLATE,
            audience={"email": recipient},
            data=failure.event_data(),
            channels=["email"],
            all_channels=False,
            send_at=None,
            best_hour=False,
            campaign_id=campaign_id,
            status="planned",
            requested_by=NOTICED_BY,
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

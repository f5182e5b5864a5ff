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

from mediaflow_dagster.cms.database import Bind, insert_ignoring_duplicates, transaction, utcnow
from mediaflow_dagster.cms.owner_notices import campaign_owner, email_notice
from mediaflow_dagster.cms.schema import run_failures
from mediaflow_dagster.cms.webhooks import emit

TEMPLATE = "run_failed"
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
        campaign = campaign_owner(connection, failure.campaign_id)
        recipient = (campaign and campaign.owner_email) or operations_email
        request_id = (
            email_notice(
                connection,
                template=TEMPLATE,
                recipient=recipient,
                data=failure.event_data(),
                campaign_id=campaign and campaign.id,
                requested_by=NOTICED_BY,
                now=now,
            )
            if recipient
            else None
        )
        connection.execute(
            run_failures.update()
            .where(run_failures.c.run_id == failure.run_id)
            .values(webhook_deliveries=deliveries, notification_request_id=request_id)
        )
    return True

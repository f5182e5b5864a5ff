"""What campaign automation does, whether a campaign's phase starts or ends or a rule answers
another module's event: post through the publish request, notify a segment through the
notification requests, pause a campaign. Each acts in the caller's transaction and says what it
did; what it cannot do is `Invalid`, `NotFound` or `Conflict`, naming why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from mediaflow_dagster.cms.campaigns import change_campaign_status, get_campaign
from mediaflow_dagster.cms.errors import Invalid
from mediaflow_dagster.cms.notifications import create_request
from mediaflow_dagster.cms.publish import PublishRequest, publish
from mediaflow_dagster.cms.templates import check_fills
from mediaflow_dagster.communication.templates import TemplateProblem


def post(connection: Connection, wanted: PublishRequest, actor: str) -> str:
    answer = publish(connection, wanted, actor)
    ids = ", ".join(publication["publication_id"] for publication in answer["publications"])
    return f"object {answer['object_id']} of campaign {wanted.campaign_id} queued ({ids})"


def notify(
    connection: Connection,
    *,
    template: str,
    segment: str,
    data: dict[str, Any],
    channels: list[str],
    campaign_id: int | None,
    actor: str,
) -> str:
    check_template(connection, template, data)
    created = create_request(
        connection,
        requested_by=actor,
        template=template,
        audience={"segment": segment},
        data=data,
        channels=channels,
        all_channels=False,
        send_at=None,
        best_hour=False,
        campaign_id=campaign_id,
    )
    return f"notification request {created['id']} ({template}) to segment {segment}"


def check_template(connection: Connection, template: str, data: dict[str, Any]) -> None:
    """`NotFound` without the template, `Invalid` when `data` does not fill it."""
    try:
        check_fills(connection, template, data)
    except TemplateProblem as problem:
        raise Invalid("template", f"template {template!r}: {problem}") from problem


def pause(connection: Connection, campaign_id: int) -> str:
    if get_campaign(connection, campaign_id)["status"] == "paused":
        return f"campaign {campaign_id} was paused already"
    change_campaign_status(connection, campaign_id, "paused")
    return f"campaign {campaign_id} paused"

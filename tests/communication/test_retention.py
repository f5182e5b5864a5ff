"""The retention purge: rows past their table's period (a setting per table) are deleted and
counted in the run's metadata; recent rows and messages still to be sent stay, and so do the
clicks of a deleted message, for attribution."""

from __future__ import annotations

from datetime import timedelta

from dagster import materialize
from sqlalchemy import func, insert, select

from mediaflow_dagster.assets.retention import retention_purge
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.schema import (
    audit_log,
    link_clicks,
    message_events,
    notification_messages,
)
from mediaflow_dagster.definitions import build_resources


def message(connection, status: str, age_days: int) -> int:
    at = utcnow() - timedelta(days=age_days)
    return connection.execute(
        insert(notification_messages).values(
            kind="notification",
            channel="email",
            purpose="marketing",
            status=status,
            attempts=1,
            send_after=at,
            created_at=at,
            updated_at=at,
        )
    ).inserted_primary_key[0]


def test_rows_past_their_retention_are_purged_and_counted(settings, engine, in_environment):
    in_environment(
        {
            "MEDIAFLOW_NOTIFICATION_MESSAGES_RETENTION_DAYS": "30",
            "MEDIAFLOW_AUDIT_LOG_RETENTION_DAYS": "10",
        }
    )
    with engine.begin() as connection:
        old = message(connection, "sent", 40)
        message(connection, "sent", 5)
        message(connection, "pending", 40)
        connection.execute(
            insert(message_events).values(
                event_id="opened-old", message_id=old, event_type="opened", occurred_at=utcnow()
            )
        )
        connection.execute(
            insert(link_clicks).values(
                click_id="clicked-old",
                channel="email",
                platform="email",
                message_id=old,
                clicked_at=utcnow() - timedelta(days=39),
            )
        )
        for age in (11, 1):
            connection.execute(
                insert(audit_log).values(
                    actor="a",
                    credential="c",
                    method="GET",
                    route="/r",
                    target="/r",
                    status=200,
                    at=utcnow() - timedelta(days=age),
                )
            )

    result = materialize(
        [retention_purge], resources=build_resources(settings, resolve_secrets=True)
    )

    metadata = result.asset_materializations_for_node("ops__retention_purge")[0].metadata
    assert metadata["purged_notification_messages"].value == 1
    assert metadata["purged_message_events"].value == 1
    assert metadata["purged_audit_log"].value == 1
    with engine.connect() as connection:
        left = connection.execute(
            select(notification_messages.c.status, func.count()).group_by(
                notification_messages.c.status
            )
        ).all()
        clicks = connection.execute(select(link_clicks.c.click_id, link_clicks.c.message_id)).all()
    assert sorted(left) == [("pending", 1), ("sent", 1)]
    assert clicks == [("clicked-old", None)]

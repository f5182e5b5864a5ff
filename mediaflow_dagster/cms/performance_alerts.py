"""Performance thresholds set on a campaign, and the alerts raised when the marts cross one.

A threshold names a figure of `campaign_performance__summary` (the campaign to date), a
direction and a value: "engagement_rate below 0.02 after 24 hours", "budget_pacing above 0.8".
`after_hours` counts on the data's own clock, from the campaign's first published post to the
latest collection the marts hold: a rate read an hour after the first post means little.

After each build of the marts, every threshold is held against them (`sensors/
performance_alerts.py`). A threshold is `clear` or `crossed`: the move from clear to crossed
records one alert, a `performance_alert` webhook event and an email to the campaign's owner,
all in one transaction whose conditional update of the state makes the move once however many
evaluations race; while the figure stays across, nothing more is said; once the figure is back
on the right side the alert is marked recovered and the threshold clear again, so the next
crossing is a new alert. A figure the marts do not have (no post yet, a platform that lacks the
metric) leaves the threshold as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Connection, Engine, delete, insert, select, update

from mediaflow_dagster.cms.analytics import read_marts
from mediaflow_dagster.cms.database import Bind, page, transaction, utcnow
from mediaflow_dagster.cms.errors import Conflict, NotFound
from mediaflow_dagster.cms.owner_notices import campaign_owner, email_notice
from mediaflow_dagster.cms.schema import (
    ALERT_METRICS,
    performance_alerts,
    performance_thresholds,
)
from mediaflow_dagster.cms.webhooks import emit
from mediaflow_dagster.resources.marts_copy import MARTS_SCHEMA
from mediaflow_dagster.settings import Settings

SUMMARY_MART = "campaign_performance__summary"
TEMPLATE = "performance_alert"
EVALUATED_BY = "performance_alerts sensor"


@dataclass(frozen=True)
class Reading:
    """A campaign's figures to date in the marts, and how many hours of data they hold."""

    campaign_id: int
    campaign_name: str
    figures: dict[str, float | None]
    hours_of_data: float | None
    data_as_of: datetime | None


@dataclass(frozen=True)
class Change:
    """A threshold crossed (a new alert) or recovered, as the Dagster UI and logs show it: the
    campaign, the figure and the threshold, no personal data."""

    kind: Literal["crossed", "recovered"]
    alert_id: int
    campaign_id: int
    metric: str
    direction: str
    threshold: float
    observed: float


def add_threshold(
    bind: Bind,
    campaign_id: int,
    *,
    metric: str,
    direction: str,
    value: Decimal,
    after_hours: int,
    created_by: str,
) -> dict[str, Any]:
    with transaction(bind) as connection:
        if campaign_owner(connection, campaign_id) is None:
            raise NotFound(f"campaign {campaign_id} not found")
        duplicate = connection.execute(
            select(performance_thresholds.c.id).where(
                (performance_thresholds.c.campaign_id == campaign_id)
                & (performance_thresholds.c.metric == metric)
                & (performance_thresholds.c.direction == direction)
            )
        ).scalar()
        if duplicate is not None:
            raise Conflict(
                f"campaign {campaign_id} has a threshold on {metric} {direction} already "
                f"({duplicate}): delete it first to set another"
            )
        threshold_id = connection.execute(
            insert(performance_thresholds).values(
                campaign_id=campaign_id,
                metric=metric,
                direction=direction,
                value=value,
                after_hours=after_hours,
                state="clear",
                created_by=created_by,
                created_at=utcnow(),
            )
        ).inserted_primary_key[0]
        return _threshold(connection, campaign_id, threshold_id)


def thresholds_page(
    bind: Bind, campaign_id: int, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    with transaction(bind) as connection:
        if campaign_owner(connection, campaign_id) is None:
            raise NotFound(f"campaign {campaign_id} not found")
        query = select(performance_thresholds).where(
            performance_thresholds.c.campaign_id == campaign_id
        )
        return page(connection, query, performance_thresholds.c.id, after, limit)


def remove_threshold(bind: Bind, campaign_id: int, threshold_id: int) -> None:
    """Stop watching the figure; the alerts it raised stay, as history."""
    with transaction(bind) as connection:
        _threshold(connection, campaign_id, threshold_id)
        connection.execute(
            update(performance_alerts)
            .where(performance_alerts.c.threshold_id == threshold_id)
            .values(threshold_id=None)
        )
        connection.execute(
            delete(performance_thresholds).where(performance_thresholds.c.id == threshold_id)
        )


def alerts_page(
    bind: Bind, campaign_id: int, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    with transaction(bind) as connection:
        if campaign_owner(connection, campaign_id) is None:
            raise NotFound(f"campaign {campaign_id} not found")
        query = select(performance_alerts).where(performance_alerts.c.campaign_id == campaign_id)
        return page(connection, query, performance_alerts.c.id, after, limit)


def evaluate_thresholds(settings: Settings, engine: Engine) -> list[Change]:
    """Hold every threshold against the marts as they are now; what crossed or recovered."""
    with engine.connect() as connection:
        thresholds = connection.execute(
            select(performance_thresholds).order_by(performance_thresholds.c.id)
        ).all()
        if not thresholds:
            return []
        readings = marts_readings(
            settings, connection, sorted({threshold.campaign_id for threshold in thresholds})
        )
    changes = []
    for threshold in thresholds:
        reading = readings.get(threshold.campaign_id)
        observed = reading and reading.figures.get(threshold.metric)
        if reading is None or observed is None:
            continue
        if reading.hours_of_data is None or reading.hours_of_data < threshold.after_hours:
            continue
        with transaction(engine) as connection:
            if _is_across(threshold, observed):
                change = _cross(connection, threshold, reading, observed)
            else:
                change = _recover(connection, threshold, observed)
            connection.execute(
                update(performance_thresholds)
                .where(performance_thresholds.c.id == threshold.id)
                .values(evaluated_at=utcnow())
            )
        if change is not None:
            changes.append(change)
    return changes


def marts_readings(
    settings: Settings, store: Connection, campaign_ids: list[int]
) -> dict[int, Reading]:
    """The summary mart's figures of the campaigns, by campaign id."""
    rows = read_marts(
        settings,
        store,
        "select campaign_id, campaign_name, first_published_at, last_collected_at, "
        + ", ".join(ALERT_METRICS)
        + f" from {MARTS_SCHEMA}.{SUMMARY_MART} "
        "where campaign_id between :first_campaign and :last_campaign",
        {"first_campaign": campaign_ids[0], "last_campaign": campaign_ids[-1]},
        mart=SUMMARY_MART,
    )
    return {
        row["campaign_id"]: Reading(
            campaign_id=row["campaign_id"],
            campaign_name=row["campaign_name"],
            figures={
                metric: float(row[metric]) if row[metric] is not None else None
                for metric in ALERT_METRICS
            },
            hours_of_data=_hours_between(row["first_published_at"], row["last_collected_at"]),
            data_as_of=row["last_collected_at"],
        )
        for row in rows
        if row["campaign_id"] in campaign_ids
    }


def _hours_between(first: datetime | None, last: datetime | None) -> float | None:
    if first is None or last is None:
        return None
    return (last - first).total_seconds() / 3600


def _is_across(threshold: Any, observed: float) -> bool:
    limit = float(threshold.value)
    return observed < limit if threshold.direction == "below" else observed > limit


def _cross(connection: Connection, threshold: Any, reading: Reading, observed: float) -> Any:
    moved = connection.execute(
        update(performance_thresholds)
        .where(
            (performance_thresholds.c.id == threshold.id)
            & (performance_thresholds.c.state == "clear")
        )
        .values(state="crossed")
    ).rowcount
    if moved != 1:
        return None
    now = utcnow()
    data = {
        "campaign_id": threshold.campaign_id,
        "campaign_name": reading.campaign_name,
        "metric": threshold.metric,
        "direction": threshold.direction,
        "threshold": float(threshold.value),
        "observed": round(observed, 6),
        "after_hours": threshold.after_hours,
        "data_as_of": reading.data_as_of.isoformat() if reading.data_as_of else None,
        "crossed_at": now.isoformat() + "Z",
    }
    alert_id = connection.execute(
        insert(performance_alerts).values(
            threshold_id=threshold.id,
            campaign_id=threshold.campaign_id,
            metric=threshold.metric,
            direction=threshold.direction,
            threshold=threshold.value,
            observed=observed,
            data_as_of=reading.data_as_of,
            webhook_deliveries=0,
            crossed_at=now,
        )
    ).inserted_primary_key[0]
    data["alert_id"] = alert_id
    deliveries = emit(connection, "performance_alert", data)
    owner = campaign_owner(connection, threshold.campaign_id)
    request_id = (
        email_notice(
            connection,
            template=TEMPLATE,
            recipient=owner.owner_email,
            data=data,
            campaign_id=threshold.campaign_id,
            requested_by=EVALUATED_BY,
            now=now,
        )
        if owner is not None and owner.owner_email
        else None
    )
    connection.execute(
        update(performance_alerts)
        .where(performance_alerts.c.id == alert_id)
        .values(webhook_deliveries=deliveries, notification_request_id=request_id)
    )
    return _change("crossed", alert_id, threshold, observed)


def _recover(connection: Connection, threshold: Any, observed: float) -> Any:
    moved = connection.execute(
        update(performance_thresholds)
        .where(
            (performance_thresholds.c.id == threshold.id)
            & (performance_thresholds.c.state == "crossed")
        )
        .values(state="clear")
    ).rowcount
    if moved != 1:
        return None
    open_alert = connection.execute(
        select(performance_alerts.c.id)
        .where(
            (performance_alerts.c.threshold_id == threshold.id)
            & performance_alerts.c.recovered_at.is_(None)
        )
        .order_by(performance_alerts.c.id.desc())
    ).scalar()
    connection.execute(
        update(performance_alerts)
        .where(performance_alerts.c.id == open_alert)
        .values(recovered_at=utcnow())
    )
    return _change("recovered", open_alert, threshold, observed)


def _change(kind: str, alert_id: int, threshold: Any, observed: float) -> Change:
    return Change(
        kind=kind,
        alert_id=alert_id,
        campaign_id=threshold.campaign_id,
        metric=threshold.metric,
        direction=threshold.direction,
        threshold=float(threshold.value),
        observed=round(observed, 6),
    )


def _threshold(connection: Connection, campaign_id: int, threshold_id: int) -> dict[str, Any]:
    row = connection.execute(
        select(performance_thresholds).where(
            (performance_thresholds.c.id == threshold_id)
            & (performance_thresholds.c.campaign_id == campaign_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"threshold {threshold_id} of campaign {campaign_id} not found")
    return dict(row._mapping)

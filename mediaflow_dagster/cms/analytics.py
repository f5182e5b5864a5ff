"""Campaign and platform figures for a period, read from the marts, beside the period of the same
length just before it.

The figures are sums of `campaign_performance__daily` (each day's growth of the campaign's posts,
and the budget allocated to the day), so a period's reach is the reach its posts gained in it.
On PostgreSQL the marts are a schema of the API's own database; on the embedded default they are
read from the read-only copy published after each build (`resources/marts_copy.py`), never from
the warehouse file the pipeline writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
from sqlalchemy import Connection, text

from mediaflow_dagster.resources.marts_copy import MARTS_SCHEMA, marts_copy_path
from mediaflow_dagster.settings import Settings

DAILY_MART = "campaign_performance__daily"
COUNTS = ("posts_published", "impressions", "reach", "video_views", "engagements", "clicks")
FIGURES = (*COUNTS, "spend", "engagement_rate", "cost_per_engagement")


class MartsNotBuilt(Exception):
    """The marts cannot be read: no warehouse build has published them yet, or their copy
    cannot be opened now."""

    def __init__(self, reason: str = "the marts are not built yet") -> None:
        super().__init__(f"{reason}: the first warehouse run publishes them")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def previous(self) -> Period:
        length = self.end - self.start + timedelta(days=1)
        return Period(self.start - length, self.start - timedelta(days=1))


@dataclass(frozen=True)
class Scope:
    """Which campaigns: one (`campaign_id`), or a page of them after `after_campaign_id`."""

    campaign_id: int | None = None
    platform: str | None = None
    after_campaign_id: int | None = None


def campaign_analytics(
    settings: Settings, store: Connection, period: Period, scope: Scope, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """Up to `limit` campaigns with figures in `period` or the one before it, each with its
    platforms; and the cursor of the next page (None on the last)."""
    campaign_ids = _campaigns_with_figures(settings, store, period, scope, limit + 1)
    more = len(campaign_ids) > limit
    campaign_ids = campaign_ids[:limit]
    if not campaign_ids:
        return [], None
    current = _sums(settings, store, period, scope, campaign_ids)
    previous = _sums(settings, store, period.previous, scope, campaign_ids)
    campaigns = [
        _campaign(campaign_id, current.get(campaign_id, {}), previous.get(campaign_id, {}))
        for campaign_id in campaign_ids
    ]
    return campaigns, campaign_ids[-1] if more else None


def marts_built_at(settings: Settings) -> datetime | None:
    """When the marts read here were last published (the copy's time on the embedded default;
    on PostgreSQL the marts are rebuilt in place and carry no such time)."""
    if settings.backend == "postgres":
        return None
    path = marts_copy_path(settings.warehouse_path)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC) if path.exists() else None


def _campaigns_with_figures(
    settings: Settings, store: Connection, period: Period, scope: Scope, limit: int
) -> list[int]:
    rows = read_marts(
        settings,
        store,
        f"select distinct campaign_id from {MARTS_SCHEMA}.{DAILY_MART} "
        f"where day between :first_day and :last_day{_filters(scope)} "
        "order by campaign_id limit :limit",
        {
            "first_day": period.previous.start,
            "last_day": period.end,
            "limit": limit,
            **_filter_values(scope),
        },
    )
    return [row["campaign_id"] for row in rows]


def _sums(
    settings: Settings, store: Connection, period: Period, scope: Scope, campaign_ids: list[int]
) -> dict[int, dict[str, dict[str, Any]]]:
    """Per campaign and platform, the period's sums (and the campaign's name and currency)."""
    rows = read_marts(
        settings,
        store,
        "select campaign_id, platform, max(campaign_name) as campaign_name, "
        "max(currency) as currency, "
        + ", ".join(f"sum({count}) as {count}" for count in COUNTS)
        + ", sum(budget_allocated) as spend "
        f"from {MARTS_SCHEMA}.{DAILY_MART} "
        f"where day between :first_day and :last_day{_filters(scope)} "
        f"and campaign_id between :first_campaign and :last_campaign "
        "group by campaign_id, platform",
        {
            "first_day": period.start,
            "last_day": period.end,
            "first_campaign": campaign_ids[0],
            "last_campaign": campaign_ids[-1],
            **_filter_values(scope),
        },
    )
    sums: dict[int, dict[str, dict[str, Any]]] = {}
    for row in rows:
        sums.setdefault(row["campaign_id"], {})[row["platform"]] = row
    return sums


def _filters(scope: Scope) -> str:
    return (
        (" and campaign_id = :campaign_id" if scope.campaign_id is not None else "")
        + (" and platform = :platform" if scope.platform is not None else "")
        + (" and campaign_id > :after_campaign_id" if scope.after_campaign_id is not None else "")
    )


def _filter_values(scope: Scope) -> dict[str, Any]:
    values = {
        "campaign_id": scope.campaign_id,
        "platform": scope.platform,
        "after_campaign_id": scope.after_campaign_id,
    }
    return {name: value for name, value in values.items() if value is not None}


def read_marts(
    settings: Settings,
    store: Connection,
    sql: str,
    parameters: dict[str, Any],
    mart: str = DAILY_MART,
) -> list[dict[str, Any]]:
    """The rows of `sql` (`:name` parameters) over the marts where the API and sensors read
    them; `mart` is the one it needs, whose absence means the marts are not built."""
    if settings.backend == "postgres":
        exists = store.execute(
            text("select to_regclass(:table) is not null"),
            {"table": f"{MARTS_SCHEMA}.{mart}"},
        ).scalar_one()
        if not exists:
            raise MartsNotBuilt
        return [dict(row) for row in store.execute(text(sql), parameters).mappings()]
    path = marts_copy_path(settings.warehouse_path)
    if not path.exists():
        raise MartsNotBuilt
    try:
        with duckdb.connect(str(path), read_only=True) as marts:
            cursor = marts.execute(re.sub(r":(\w+)", r"$\1", sql), parameters)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except duckdb.CatalogException as error:
        raise MartsNotBuilt(f"the marts' copy has no {mart}") from error
    except duckdb.IOException as error:
        raise MartsNotBuilt("the marts' copy cannot be opened now") from error


def _campaign(
    campaign_id: int, current: dict[str, dict[str, Any]], previous: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    named = next(iter(current.values()), None) or next(iter(previous.values()))
    platforms = sorted(current.keys() | previous.keys())
    return {
        "campaign_id": campaign_id,
        "campaign_name": named["campaign_name"],
        "currency": named["currency"],
        **_compared(current.values(), previous.values()),
        "platforms": [
            {
                "platform": platform,
                **_compared(_present(current.get(platform)), _present(previous.get(platform))),
            }
            for platform in platforms
        ],
    }


def _present(row: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [row] if row is not None else []


def _compared(current: Iterable[dict[str, Any]], previous: Iterable[dict[str, Any]]) -> dict:
    now, before = _figures(current), _figures(previous)
    return {"current": now, "previous": before, "change": _change(now, before)}


def _figures(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    rows = list(rows)
    figures: dict[str, Any] = {}
    for count in COUNTS:
        total = _total(row[count] for row in rows)
        figures[count] = int(total) if total is not None else None
    figures["posts_published"] = figures["posts_published"] or 0
    spend = _total(row["spend"] for row in rows)
    figures["spend"] = Decimal(str(spend)).quantize(Decimal("0.01")) if spend is not None else None
    impressions, engagements = figures["impressions"], figures["engagements"]
    figures["engagement_rate"] = (
        round(engagements / impressions, 6) if impressions and engagements is not None else None
    )
    figures["cost_per_engagement"] = (
        (figures["spend"] / engagements).quantize(Decimal("0.0001"))
        if engagements and figures["spend"] is not None
        else None
    )
    return figures


def _total(values: Iterable[Any]) -> Any:
    present = [value for value in values if value is not None]
    return sum(present) if present else None


def _change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, float | None]:
    """Each figure's relative change from the previous period (0.25 = up 25 %); None where the
    previous period has no figure to compare with."""
    return {
        figure: round(float(current[figure] - previous[figure]) / float(previous[figure]), 6)
        if current[figure] is not None and previous[figure]
        else None
        for figure in FIGURES
    }

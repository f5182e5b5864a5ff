"""What a campaign's report says, read from the marts where the API reads them: the headline
figures of the period beside the period of the same length before it (`cms/analytics.py`), the
growth curves of the campaign to the period's end (`campaign_performance__daily`), and its best
and worst posts of the period by engagements (`social_media__rollup_report`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from mediaflow_dagster.cms.analytics import (
    DAILY_MART,
    Period,
    Scope,
    campaign_analytics,
    read_marts,
)
from mediaflow_dagster.resources.marts_copy import MARTS_SCHEMA
from mediaflow_dagster.settings import Settings

POSTS_MART = "social_media__rollup_report"
RANKED_POSTS = 3
"""How many best and how many worst posts a report lists."""


@dataclass(frozen=True)
class ReportContent:
    campaign_id: int
    campaign_name: str
    cadence: str
    period: Period
    headline: dict[str, Any] | None
    """`campaign_analytics`' campaign (current, previous, change, platforms); None when the
    marts have no figure of the campaign in the period or the one before."""
    curve: list[dict[str, Any]]
    """Per day from the campaign's first day with figures to the period's end: the day's
    impressions and engagements and their running totals."""
    best_posts: list[dict[str, Any]]
    worst_posts: list[dict[str, Any]]


def report_content(
    settings: Settings,
    store: Connection,
    *,
    campaign_id: int,
    campaign_name: str,
    cadence: str,
    period: Period,
) -> ReportContent:
    campaigns, _ = campaign_analytics(settings, store, period, Scope(campaign_id=campaign_id), 1)
    best, worst = _ranked_posts(settings, store, campaign_id, period)
    return ReportContent(
        campaign_id=campaign_id,
        campaign_name=campaigns[0]["campaign_name"] if campaigns else campaign_name,
        cadence=cadence,
        period=period,
        headline=campaigns[0] if campaigns else None,
        curve=_curve(settings, store, campaign_id, period.end),
        best_posts=best,
        worst_posts=worst,
    )


def _curve(
    settings: Settings, store: Connection, campaign_id: int, last_day: date
) -> list[dict[str, Any]]:
    rows = read_marts(
        settings,
        store,
        "select day, sum(impressions) as impressions, sum(engagements) as engagements "
        f"from {MARTS_SCHEMA}.{DAILY_MART} "
        "where campaign_id = :campaign_id and day <= :last_day group by day order by day",
        {"campaign_id": campaign_id, "last_day": last_day},
    )
    impressions = engagements = 0
    curve = []
    for row in rows:
        impressions += int(row["impressions"] or 0)
        engagements += int(row["engagements"] or 0)
        curve.append(
            {
                "day": row["day"],
                "impressions": row["impressions"],
                "engagements": row["engagements"],
                "impressions_to_date": impressions,
                "engagements_to_date": engagements,
            }
        )
    return curve


def _ranked_posts(
    settings: Settings, store: Connection, campaign_id: int, period: Period
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The period's posts with engagements, most engaging first, and least engaging first (a
    post listed among the best is not listed again among the worst)."""
    rows = read_marts(
        settings,
        store,
        "select publication_id, platform, max(post_url) as post_url, "
        "max(post_message) as post_message, max(page_name) as page_name, "
        "sum(impressions) as impressions, sum(engagements) as engagements "
        f"from {MARTS_SCHEMA}.{POSTS_MART} "
        "where campaign_id = :campaign_id and date_day between :first_day and :last_day "
        "group by publication_id, platform "
        "having sum(engagements) is not null "
        "order by sum(engagements) desc, publication_id",
        {"campaign_id": campaign_id, "first_day": period.start, "last_day": period.end},
        mart=POSTS_MART,
    )
    posts = [
        {
            **row,
            "impressions": int(row["impressions"]) if row["impressions"] is not None else None,
            "engagements": int(row["engagements"]),
        }
        for row in rows
    ]
    best = posts[:RANKED_POSTS]
    worst = list(reversed(posts[len(best) :]))[:RANKED_POSTS]
    return best, worst

"""`GET /api/communication/analytics` reads the period's figures from the marts the last build
published (the embedded default's read-only copy, PostgreSQL's marts schema) beside the period
before it, on both backends; it answers 503 before a first build and 422 for a period that makes
no sense (its scope, `analytics:read`, is pinned with every route's in test_access.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pytest
from sqlalchemy import create_engine, text
from support.api import api_client

from mediaflow_dagster.resources.marts_copy import marts_copy_path

COLUMNS = (
    "campaign_id integer, campaign_name varchar, platform varchar, day date, "
    "posts_published integer, impressions bigint, reach bigint, video_views bigint, "
    "engagements bigint, clicks bigint, budget_allocated numeric(18, 6), currency varchar"
)
FIRST_DAY = date(2026, 11, 1)


def day_rows(campaign_id: int, name: str, platform: str, days: int, impressions: int) -> list:
    """`days` days from FIRST_DAY, each with `impressions` and a tenth of them engaged, 10.00 of
    budget, one post on the first day; X reports no reach."""
    return [
        (
            campaign_id,
            name,
            platform,
            FIRST_DAY + timedelta(days=offset),
            1 if offset == 0 else 0,
            impressions,
            None if platform == "x" else impressions // 2,
            None,
            impressions // 10,
            3,
            Decimal("10.00"),
            "EUR",
        )
        for offset in range(days)
    ]


def publish_marts(settings, rows: list) -> None:
    """The daily campaign mart with `rows`, where the API reads the marts."""
    placeholders = ", ".join(["?"] * 12)
    if settings.backend == "postgres":
        engine = create_engine(settings.postgres_url.get_secret_value())
        with engine.begin() as connection:
            connection.execute(text("create schema if not exists marts"))
            connection.execute(text(f"create table marts.campaign_performance__daily ({COLUMNS})"))
            connection.exec_driver_sql(
                "insert into marts.campaign_performance__daily values "
                f"({placeholders.replace('?', '%s')})",
                rows,
            )
        engine.dispose()
        return
    path = marts_copy_path(settings.warehouse_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as marts:
        marts.execute("create schema marts")
        marts.execute(f"create table marts.campaign_performance__daily ({COLUMNS})")
        marts.executemany(
            f"insert into marts.campaign_performance__daily values ({placeholders})", rows
        )


@pytest.fixture
def analyst(settings):
    return api_client(settings, "analyst")


def test_a_period_is_summed_per_campaign_and_platform_beside_the_period_before(settings, analyst):
    publish_marts(
        settings,
        day_rows(1, "Lancement Produit X", "facebook", 14, 1000)
        + day_rows(1, "Lancement Produit X", "x", 14, 500)
        + day_rows(2, "Menu d'hiver", "instagram", 7, 200),
    )

    answer = analyst.get(
        "/api/communication/analytics", params={"start": "2026-11-08", "end": "2026-11-14"}
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["previous_start"], body["previous_end"]) == ("2026-11-01", "2026-11-07")
    launch, winter = body["items"]
    assert (launch["campaign_name"], launch["currency"]) == ("Lancement Produit X", "EUR")
    assert launch["current"] == {
        "posts_published": 0,
        "impressions": 7 * 1500,
        "reach": 7 * 500,
        "video_views": None,
        "engagements": 7 * 150,
        "clicks": 7 * 6,
        "spend": "140.00",
        "engagement_rate": 0.1,
        "cost_per_engagement": "0.1333",
    }
    assert launch["previous"]["posts_published"] == 2
    assert launch["change"]["impressions"] == 0.0
    assert launch["change"]["posts_published"] == -1.0
    facebook, x = launch["platforms"]
    assert (facebook["platform"], facebook["current"]["reach"]) == ("facebook", 3500)
    assert (x["platform"], x["current"]["reach"], x["change"]["reach"]) == ("x", None, None)
    assert winter["current"]["impressions"] is None
    assert winter["previous"]["impressions"] == 7 * 200
    assert winter["change"]["impressions"] is None


def test_campaigns_come_a_page_at_a_time_and_filters_narrow_them(settings, analyst):
    publish_marts(
        settings,
        [row for c in range(1, 4) for row in day_rows(c, f"Campagne {c}", "facebook", 3, 100)]
        + day_rows(2, "Campagne 2", "linkedin", 3, 40),
    )
    period = {"start": "2026-11-01", "end": "2026-11-03"}

    first = analyst.get("/api/communication/analytics", params={**period, "limit": 2}).json()
    second = analyst.get(
        "/api/communication/analytics",
        params={**period, "limit": 2, "cursor": first["next_cursor"]},
    ).json()
    narrowed = analyst.get(
        "/api/communication/analytics",
        params={**period, "campaign_id": 2, "platform": "linkedin"},
    ).json()

    assert [item["campaign_id"] for item in first["items"]] == [1, 2]
    assert [item["campaign_id"] for item in second["items"]] == [3]
    assert second["next_cursor"] is None
    [only] = narrowed["items"]
    assert [platform["platform"] for platform in only["platforms"]] == ["linkedin"]
    assert only["current"]["impressions"] == 120


def test_before_a_first_build_the_answer_is_503_saying_so(analyst):
    answer = analyst.get("/api/communication/analytics")

    assert answer.status_code == 503
    assert "not built yet" in answer.json()["detail"]


def test_marts_without_the_daily_mart_are_503_not_a_server_error(settings, analyst):
    if settings.backend == "postgres":
        engine = create_engine(settings.postgres_url.get_secret_value())
        with engine.begin() as connection:
            connection.execute(text("create schema if not exists marts"))
        engine.dispose()
    else:
        path = marts_copy_path(settings.warehouse_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(path)) as marts:
            marts.execute("create schema marts")

    answer = analyst.get("/api/communication/analytics")

    assert answer.status_code == 503
    assert "the first warehouse run publishes them" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"start": "2026-11-10", "end": "2026-11-01"}, "is after"),
        ({"start": "2024-01-01", "end": "2026-11-01"}, "at most 366 days"),
        ({"platform": "myspace"}, "platform"),
    ],
)
def test_a_period_or_filter_that_makes_no_sense_is_422_naming_it(analyst, params, named):
    answer = analyst.get("/api/communication/analytics", params=params)

    assert answer.status_code == 422
    assert named in answer.text

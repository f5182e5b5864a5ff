"""The dbt warehouse on DuckDB and PostgreSQL: a hand-made week of two campaigns on six
platforms (copies, late and out-of-order snapshots, a counter going down, an Instagram post
withheld, YouTube daily reports) built by dbt, and the numbers the marts must show."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, make_url, text
from support.warehouse_scenario import PLATFORMS, Warehouse, build_scenario


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Warehouse]:
    """The scenario built as it lands: a first build, a late partitioned hour, a last build.
    On PostgreSQL, a database of its own (dropped afterwards)."""
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "duckdb":
        location = str(folder / "warehouse.duckdb")
        server = None
    else:
        server_url = request.getfixturevalue("postgres_server")
        database = f"mediaflow_dbt_{uuid.uuid4().hex[:10]}"
        location = make_url(server_url).set(database=database)
        server = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{location.database}"'))
        location = location.render_as_string(hide_password=False)
    monkeypatch = pytest.MonkeyPatch()
    warehouse = Warehouse(request.param, location, folder / "target", monkeypatch)
    build_scenario(warehouse)
    yield warehouse
    monkeypatch.undo()
    shutil.rmtree(folder, ignore_errors=True)
    if server is not None:
        with server.connect() as connection:
            connection.execute(
                text(f'DROP DATABASE IF EXISTS "{make_url(location).database}" WITH (FORCE)')
            )
        server.dispose()


def daily(warehouse: Warehouse, campaign_id: int, platform: str, day: str) -> dict:
    columns = (
        "posts_published, impressions, reach, video_views, likes, comments, shares, saves, "
        "clicks, engagements, counter_decreases, budget_allocated"
    )
    row = warehouse.rows(
        f"select {columns} from marts.campaign_performance__daily "
        f"where campaign_id = {campaign_id} and platform = '{platform}' and day = '{day}'"
    )[0]
    return dict(zip(columns.split(", "), row, strict=True))


def test_daily_growth_takes_in_copies_late_and_out_of_order_snapshots(warehouse):
    facebook = daily(warehouse, 1, "facebook", "2026-11-20")
    x = daily(warehouse, 2, "x", "2026-11-20")
    tiktok = daily(warehouse, 2, "tiktok", "2026-11-21")

    assert facebook == {
        "posts_published": 1,
        "impressions": 260,
        "reach": 180,
        "video_views": None,
        "likes": 19,
        "comments": 6,
        "shares": 3,
        "saves": None,
        "clicks": 9,
        "engagements": 28,
        "counter_decreases": 0,
        "budget_allocated": 100,
    }
    assert (x["impressions"], x["shares"], x["saves"], x["clicks"], x["engagements"]) == (
        950,
        8,
        5,
        9,
        43,
    )
    assert (tiktok["video_views"], tiktok["engagements"], tiktok["reach"]) == (9000, 740, None)


def test_a_metric_the_platform_lacks_or_withholds_is_null_never_zero(warehouse):
    instagram = daily(warehouse, 1, "instagram", "2026-11-20")
    withheld_hour = warehouse.rows(
        "select impressions_lifetime, impressions_delta, engagements_lifetime "
        "from marts.fct_post_hourly "
        "where publication_id = 102 and snapshot_hour = '2026-11-20 10:00:00'"
    )

    assert (instagram["impressions"], instagram["saves"], instagram["clicks"]) == (90, 3, None)
    assert withheld_hour == [(None, None, None)]
    assert daily(warehouse, 1, "facebook", "2026-11-21")["impressions"] == 0


def test_a_counter_going_down_is_a_negative_flagged_delta(warehouse):
    hour = warehouse.rows(
        "select impressions_delta, video_views_delta, likes_delta, is_counter_decrease "
        "from marts.fct_post_hourly "
        "where publication_id = 103 and snapshot_hour = '2026-11-20 12:00:00'"
    )
    youtube = daily(warehouse, 1, "youtube", "2026-11-20")

    assert hour == [(-100, -100, 5, True)]
    assert (youtube["impressions"], youtube["counter_decreases"]) == (1400, 2)
    assert daily(warehouse, 1, "youtube", "2026-11-21")["impressions"] == 200


def test_post_lifetime_rates_and_settling_use_the_latest_collection(warehouse):
    rows = {
        row[0]: row[1:]
        for row in warehouse.rows(
            "select publication_id, impressions, engagement_rate_by_reach, click_through_rate, "
            "engagement_rate_by_views, video_views_first_24h, is_settled "
            "from marts.fct_post_lifetime"
        )
    }

    assert rows[101] == (260, pytest.approx(28 / 180), pytest.approx(9 / 260), None, None, False)
    assert rows[103] == (1600, None, None, pytest.approx(93 / 1600), 1400, False)
    assert rows[104][-1] is True
    assert rows[202][-1] is True
    assert 105 not in rows


def test_growth_curve_carries_the_last_value_forward_until_the_latest_collection(warehouse):
    youtube = dict(
        warehouse.rows(
            "select hours_since_publish, impressions from marts.post_performance__growth_curve "
            "where publication_id = 103"
        )
    )
    facebook = warehouse.rows(
        "select impressions from marts.post_performance__growth_curve "
        "where publication_id = 101 order by hours_since_publish"
    )

    assert youtube[0] is None
    assert [youtube[hour] for hour in (1, 2, 3, 10, 27, 28)] == [1000, 1500, 1400, 1400, 1400, 1600]
    assert max(youtube) == 28
    assert facebook == [(100,), (200,), (230,), (260,)]


def test_publishing_timeliness_buckets_the_delay_against_the_plan(warehouse):
    rows = {
        row[0]: row[1:]
        for row in warehouse.rows(
            "select publication_id, delay_bucket, publish_delay_minutes, publish_hour_of_day, "
            "publish_weekday from marts.publishing__timeliness"
        )
    }

    assert rows[101][:2] == ("on time (≤5 min)", 2)
    assert rows[102][:2] == ("≤24 h", 90)
    assert rows[103][:2] == ("on time (≤5 min)", -4)
    assert rows[104][:2] == ("≤1 h", 40)
    assert rows[105] == ("not published", None, None, None)
    assert rows[201] == ("> 24 h", 1500, 13, "Saturday")


def test_a_delay_from_two_clocks_fails_the_timeliness_test(warehouse):
    """Confirmed an hour before it was approved: only two clocks can say so."""
    bad_row = (
        "insert into marts.publishing__timeliness (publication_id, campaign_id, "
        "planned_publish_at, confirmed_at, publish_delay_minutes) "
        "values (999, 1, '2026-11-20 10:00:00', '2026-11-20 09:00:00', -60)"
    )
    warehouse.execute(bad_row)
    try:
        with pytest.raises(AssertionError, match="assert_publish_delays_are_possible: fail"):
            warehouse.dbt("test", "--select", "assert_publish_delays_are_possible")
    finally:
        warehouse.execute("delete from marts.publishing__timeliness where publication_id = 999")
    warehouse.dbt("test", "--select", "assert_publish_delays_are_possible")


def test_budget_is_spread_over_campaign_days_and_active_platforms(warehouse):
    allocations = warehouse.rows(
        "select campaign_id, platform, count(*), sum(budget_allocated), "
        "max(cumulative_budget_allocated), max(budget_pacing) "
        "from marts.campaign_performance__daily group by campaign_id, platform "
        "order by campaign_id, platform"
    )
    summary = warehouse.rows(
        "select campaign_id, budget_allocated_to_date, posts_published, impressions, reach "
        "from marts.campaign_performance__summary order by campaign_id"
    )

    assert [row[:4] for row in allocations] == [
        (1, "facebook", 3, 300),
        (1, "instagram", 3, 300),
        (1, "linkedin", 3, 300),
        (1, "youtube", 3, 300),
        (2, "tiktok", 2, 300),
        (2, "x", 2, 300),
    ]
    assert all(row[4] == 300 and row[5] == pytest.approx(1) for row in allocations)
    assert summary == [(1, 800, 4, 2350, 570), (2, 600, 2, 9950, None)]


def test_youtube_daily_reports_join_post_days_with_the_latest_restatement(warehouse):
    rows = warehouse.rows(
        "select publication_id, day, report_views, report_shares, report_watch_minutes "
        "from marts.fct_post_daily where report_views is not null or publication_id = 101 "
        "order by publication_id, day"
    )

    assert rows == [
        (101, rows[0][1], None, None, None),
        (103, rows[1][1], 1450, 10, 3000),
        (103, rows[2][1], 200, 2, 400),
    ]


def test_rollup_report_speaks_fivetran_columns_across_platforms(warehouse):
    rows = warehouse.rows(
        "select platform, post_id, page_id, page_name, post_url, clicks, impressions, likes, "
        "shares, comments, reach, saves, video_views, engagements, campaign_name "
        "from marts.social_media__rollup_report order by platform, date_day"
    )

    assert {row[0] for row in rows} == set(PLATFORMS.values())
    assert rows[0] == (
        "facebook", "post-101", "fb-page", "Bistro page", "https://fb/101",
        9, 260, 19, 3, 6, 180, None, None, 28, "Launch",
    )  # fmt: skip


def test_incremental_runs_equal_a_full_refresh(warehouse):
    """The table built by a first run, a partitioned late hour and an incremental build is
    the table a full refresh builds from the same snapshots."""
    warehouse.execute(
        "drop table if exists marts.fct_post_hourly_incremental",
        "create table marts.fct_post_hourly_incremental as select * from marts.fct_post_hourly",
    )
    warehouse.dbt("run", "--select", "fct_post_hourly", "--full-refresh")

    incremental_only = warehouse.value(
        "select count(*) from (select * from marts.fct_post_hourly_incremental "
        "except select * from marts.fct_post_hourly) as rows_only_incremental"
    )
    refresh_only = warehouse.value(
        "select count(*) from (select * from marts.fct_post_hourly "
        "except select * from marts.fct_post_hourly_incremental) as rows_only_refreshed"
    )

    assert (incremental_only, refresh_only) == (0, 0)
    assert warehouse.value("select count(*) from marts.fct_post_hourly") == 18


def test_the_docs_describe_every_mart_column_and_name_the_dashboards(warehouse):
    warehouse.dbt("docs", "generate")

    catalog = json.loads((warehouse.target_path / "catalog.json").read_text())
    manifest = json.loads((warehouse.target_path / "manifest.json").read_text())
    marts = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    built = {node["metadata"]["name"]: node for node in catalog["nodes"].values()}
    for name, node in marts.items():
        assert node["description"], name
        undocumented = set(built[name]["columns"]) - {
            column for column, spec in node["columns"].items() if spec["description"]
        }
        assert not undocumented, (name, undocumented)
    dashboards = {exposure["name"] for exposure in manifest["exposures"].values()}
    assert len(dashboards) == 3


def test_notifications_daily_counts_outcomes_per_campaign_template_and_channel(warehouse):
    rows = warehouse.rows(
        "select cast(day as varchar), campaign_id, template_name, channel, messages, sent, "
        "delivered, blocked, opened, clicked, unsubscribed, sms_segments "
        "from marts.notifications__daily order by 1, 3, 4"
    )

    assert rows == [
        ("2026-11-20", 1, "menu_update", "email", 2, 2, 0, 0, 2, 1, 1, 0),
        ("2026-11-20", 1, "unsent", "email", 1, 0, 0, 1, 0, 0, 0, 0),
        ("2026-11-21", 1, "menu_update", "sms", 1, 1, 1, 0, 0, 0, 0, 2),
    ]


def test_the_campaign_summary_gains_its_email_and_sms_channels(warehouse):
    rows = warehouse.rows(
        "select campaign_id, emails_sent, emails_opened, emails_clicked, sms_sent, "
        "sms_delivered, notification_unsubscribes "
        "from marts.campaign_performance__summary order by campaign_id"
    )

    assert rows == [(1, 2, 2, 1, 1, 1, 1), (2, 0, 0, 0, 0, 0, 0)]


def test_attribution_credits_known_paths_first_last_and_linear(warehouse):
    rows = warehouse.rows(
        "select campaign_id, channel, platform, currency, touched_conversions, "
        "first_touch_conversions, last_touch_conversions, linear_conversions, "
        "first_touch_revenue, last_touch_revenue, linear_revenue "
        "from marts.attribution__conversions order by campaign_id, channel, platform"
    )

    assert [row[:7] for row in rows] == [
        (1, "email", "email", "EUR", 2, 1, 1),
        (1, "social", "facebook", "EUR", 2, 2, 0),
        (2, "social", "x", "EUR", 2, 0, 2),
    ]
    assert [tuple(float(value) for value in row[7:]) for row in rows] == [
        pytest.approx((4 / 3, 0, 0, 20)),
        pytest.approx((5 / 6, 105, 0, 42.5)),
        pytest.approx((5 / 6, 0, 105, 42.5)),
    ]

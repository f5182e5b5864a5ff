"""The dbt warehouse on DuckDB and PostgreSQL: a hand-made week of two campaigns on six
platforms (copies, late and out-of-order snapshots, a counter going down, an Instagram post
withheld, YouTube daily reports) built by dbt, and the numbers the marts must show."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt.artifacts.schemas.run import RunExecutionResult
from dbt.cli.main import dbtRunner
from sqlalchemy import create_engine, make_url, text

from mediaflow_dagster.resources.warehouse import (
    LANDED_CONVERSION_TABLES,
    RAW_OPS_TABLES,
    dbt_environment,
    schema_changes,
)

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"

SNAPSHOT_TABLES = """
create table raw.post_insight_snapshots (
    publication_id integer, platform varchar(20), external_post_id varchar(200),
    metric varchar(100), value bigint, collected_at timestamp, partition_hour timestamp,
    api_version varchar(20), run_id varchar(64), source varchar(20)
);
create table raw.post_daily_reports (
    publication_id integer, platform varchar(20), external_post_id varchar(200),
    report_date date, metric varchar(100), value double precision, collected_at timestamp,
    api_version varchar(20), run_id varchar(64)
)
"""

NOTIFICATION_ROWS = """
insert into raw.notification_templates (id, name, language, version, purpose, subject,
    html_body, text_body, created_by, created_at) values
    (1, 'menu_update', 'fr', 1, 'marketing', 's', 'h', 't', 'seed', '2026-11-01 00:00:00');
insert into raw.notification_messages (id, request_id, contact_pseudonym, kind, channel, purpose,
    template_id, template_version, campaign_id, status, reason, segments, attempts, send_after,
    created_at, sent_at, delivered_at, opened_at, clicked_at, unsubscribed_at, updated_at) values
    (1, 1, 'p1', 'notification', 'email', 'marketing', 1, 1, 1, 'sent', null, null, 1,
     '2026-11-20 09:00:00', '2026-11-20 09:00:00', '2026-11-20 09:01:00', null,
     '2026-11-20 10:00:00', '2026-11-20 10:05:00', null, '2026-11-20 10:05:00'),
    (2, 1, 'p2', 'notification', 'email', 'marketing', 1, 1, 1, 'sent', null, null, 1,
     '2026-11-20 09:00:00', '2026-11-20 09:00:00', '2026-11-20 09:01:00', null,
     '2026-11-20 11:00:00', null, '2026-11-20 11:30:00', '2026-11-20 11:30:00'),
    (3, 1, 'p3', 'notification', 'email', 'marketing', null, null, 1, 'blocked',
     'no marketing consent for email', null, 0, '2026-11-20 09:00:00', '2026-11-20 09:00:00',
     null, null, null, null, null, '2026-11-20 09:00:00'),
    (4, 2, 'p1', 'notification', 'sms', 'marketing', 1, 1, 1, 'delivered', null, 2, 1,
     '2026-11-21 09:00:00', '2026-11-21 09:00:00', '2026-11-21 09:00:01',
     '2026-11-21 09:00:05', null, null, null, '2026-11-21 09:00:05'),
    (5, null, 'p4', 'opt_in', 'email', 'transactional', null, null, null, 'sent', null, null,
     1, '2026-11-20 09:00:00', '2026-11-20 09:00:00', '2026-11-20 09:00:01', null, null,
     null, null, '2026-11-20 09:00:01')
"""
ATTRIBUTION_ROWS = """
insert into raw.link_clicks (click_id, campaign_id, channel, platform, tracked_link_id,
    message_id, clicked_at) values
    ('c1', 1, 'social', 'facebook', 1, null, '2026-11-20 10:00:00'),
    ('c2', 1, 'email', 'email', null, 1, '2026-11-20 12:00:00'),
    ('c3', 2, 'social', 'x', 2, null, '2026-11-21 09:00:00'),
    ('c4', 1, 'social', 'instagram', 3, null, '2026-10-01 09:00:00'),
    ('c5', 1, 'social', 'facebook', 1, null, '2026-11-22 12:00:00');
insert into raw.conversions (conversion_id, kind, amount, currency, occurred_at, received_at)
    values
    ('k1', 'order', 60.00, 'EUR', '2026-11-21 20:00:00', '2026-11-21 20:00:05'),
    ('k2', 'reservation', 0.00, 'EUR', '2026-11-20 13:00:00', '2026-11-20 13:00:05'),
    ('k3', 'order', 30.00, 'EUR', '2026-11-22 00:00:00', '2026-11-22 00:00:05'),
    ('k4', 'order', 45.00, 'EUR', '2026-11-22 10:00:00', '2026-11-22 10:00:05');
insert into raw.conversion_touches (conversion_id, click_id, position) values
    ('k1', 'c4', 1), ('k1', 'c1', 2), ('k1', 'c2', 3), ('k1', 'c3', 4), ('k1', 'c5', 5),
    ('k2', 'c2', 1),
    ('k3', 'never-seen', 1),
    ('k4', 'c3', 1), ('k4', 'c1', 2)
"""
"""Known paths. k1: a click too old for the lookback (c4), three that count in the order they
were made (c1, c2, c3), one after the conversion (c5). k2: one email click. k3: a click
mediaflow never saw, so no credit. k4: the CRM sent its clicks out of order."""
OPS_ROWS = """
insert into raw.campaigns (id, name, topics, budget, currency, start_date, end_date, status,
    created_at, updated_at) values
    (1, 'Launch', '[]', 1200, 'EUR', '2026-11-20', '2026-11-22', 'active',
     '2026-11-01 00:00:00', '2026-11-01 00:00:00'),
    (2, 'Winter', '[]', 600, 'USD', '2026-11-20', '2026-11-21', 'active',
     '2026-11-01 00:00:00', '2026-11-01 00:00:00');
insert into raw.social_accounts (id, platform, name, account_type, external_account_id,
    status, created_at, updated_at) values
    (1, 'facebook', 'Bistro page', 'page', 'fb-page', 'active', '2026-11-01', '2026-11-01'),
    (2, 'instagram', 'Bistro insta', 'business', 'ig-biz', 'active', '2026-11-01', '2026-11-01'),
    (3, 'youtube', 'Bistro channel', 'channel', 'yt-chan', 'active', '2026-11-01', '2026-11-01'),
    (4, 'linkedin', 'Bistro company', 'page', 'li-org', 'active', '2026-11-01', '2026-11-01'),
    (5, 'tiktok', 'Bistro tok', 'profile', 'tt-user', 'active', '2026-11-01', '2026-11-01'),
    (6, 'x', 'Bistro x', 'profile', 'x-user', 'active', '2026-11-01', '2026-11-01');
insert into raw.campaign_targets (campaign_id, social_account_id, is_active, created_at) values
    (1, 1, true, '2026-11-01'), (1, 2, true, '2026-11-01'), (1, 3, true, '2026-11-01'),
    (1, 4, true, '2026-11-01'), (1, 6, false, '2026-11-01'),
    (2, 5, true, '2026-11-01'), (2, 6, true, '2026-11-01');
insert into raw.campaign_objects (id, campaign_id, object_type, title, sources, config, status,
    hashtags, created_at, updated_at) values
    (1, 1, 'video', 'Launch video', '[]', '{}', 'published', '[]', '2026-11-01', '2026-11-01'),
    (2, 2, 'video', 'Winter video', '[]', '{}', 'published', '[]', '2026-11-01', '2026-11-01');
insert into raw.publications (id, object_id, social_account_id, campaign_id, status,
    idempotency_key, external_post_id, external_url, attempts, scheduled_time, approved_at,
    published_at, confirmed_at, created_at, updated_at) values
    (101, 1, 1, 1, 'published', 'k101', 'post-101', 'https://fb/101', 1,
     '2026-11-20 10:00:00', '2026-11-20 09:00:00', '2026-11-20 10:02:00',
     '2026-11-20 10:02:00', '2026-11-19', '2026-11-20'),
    (102, 1, 2, 1, 'published', 'k102', 'post-102', 'https://ig/102', 1,
     null, '2026-11-20 09:00:00', '2026-11-20 10:30:00', '2026-11-20 10:30:00', '2026-11-19',
     '2026-11-20'),
    (103, 1, 3, 1, 'published', 'k103', 'post-103', 'https://yt/103', 1,
     '2026-11-20 10:00:00', '2026-11-20 09:00:00', '2026-11-20 09:50:00',
     '2026-11-20 09:56:00', '2026-11-19', '2026-11-20'),
    (104, 1, 4, 1, 'published', 'k104', 'post-104', 'https://li/104', 1,
     '2026-11-20 10:00:00', '2026-11-20 09:00:00', '2026-11-20 10:40:00',
     '2026-11-20 10:40:00', '2026-11-19', '2026-11-20'),
    (105, 1, 6, 1, 'failed', 'k105', null, null, 3,
     '2026-11-20 10:00:00', '2026-11-20 09:00:00', null, null, '2026-11-19',
     '2026-11-20'),
    (201, 2, 5, 2, 'published', 'k201', 'post-201', 'https://tt/201', 1,
     '2026-11-20 12:00:00', '2026-11-20 09:00:00', '2026-11-21 13:00:00',
     '2026-11-21 13:00:00', '2026-11-19', '2026-11-21'),
    (202, 2, 6, 2, 'published', 'k202', 'post-202', 'https://x/202', 1,
     '2026-11-20 12:00:00', '2026-11-20 09:00:00', '2026-11-20 12:03:00',
     '2026-11-20 12:03:00', '2026-11-19', '2026-11-20')
"""

PLATFORMS = {
    101: "facebook",
    102: "instagram",
    103: "youtube",
    104: "linkedin",
    201: "tiktok",
    202: "x",
}
REACTION = "post_reactions_by_type_total."
NATIVE_METRICS = {
    "facebook": ("post_media_view", "post_total_media_view_unique", "post_clicks",
                 f"{REACTION}like", f"{REACTION}love", f"{REACTION}wow", "comments", "shares"),
    "instagram": ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions"),
    "youtube": ("viewCount", "likeCount", "commentCount", "favoriteCount"),
    "linkedin": ("impressionCount", "uniqueImpressionsCount", "clickCount", "likeCount",
                 "commentCount", "shareCount"),
    "tiktok": ("view_count", "like_count", "comment_count", "share_count"),
    "x": ("impression_count", "like_count", "retweet_count", "reply_count", "quote_count",
          "bookmark_count", "url_link_clicks", "user_profile_clicks"),
}  # fmt: skip
ABSENT = ...  # the platform's answer had no such metric (None: it withheld the value)
WITHHELD = (None,) * 7

# (publication, collected_at, lifetime values in NATIVE_METRICS order)
FIRST_SNAPSHOTS = [
    # Facebook: landed out of order, the 10:30 snapshot twice, no hour-12 snapshot yet.
    (101, "2026-11-20 13:20:00", (260, 180, 9, 15, 3, 1, 6, 3)),
    (101, "2026-11-20 10:30:00", (100, 80, 5, 10, 2, ABSENT, 3, ABSENT)),
    (101, "2026-11-20 11:50:00", (200, 140, 7, 14, 3, 1, 5, 2)),
    (101, "2026-11-20 10:30:00", (100, 80, 5, 10, 2, ABSENT, 3, ABSENT)),
    (101, "2026-11-20 11:10:00", (150, 110, 6, 12, 3, ABSENT, 4, 2)),
    # Instagram: "not enough viewers" first, every value withheld.
    (102, "2026-11-20 10:45:00", WITHHELD),
    (102, "2026-11-20 11:45:00", (50, 40, 5, 1, 0, 2, 8)),
    (102, "2026-11-20 12:45:00", (90, 70, 9, 2, 1, 3, 15)),
    # YouTube: views corrected downwards at 12:15.
    (103, "2026-11-20 10:15:00", (1000, 50, 10, 0)),
    (103, "2026-11-20 11:15:00", (1500, 70, 12, 0)),
    (103, "2026-11-20 12:15:00", (1400, 75, 12, 0)),
    (104, "2026-11-20 11:00:00", (300, 250, 20, 10, 2, 1)),
    (104, "2026-11-20 12:00:00", (400, 320, 25, 12, 3, 2)),
    (201, "2026-11-21 13:30:00", (5000, 400, 30, 20)),
    (201, "2026-11-21 14:30:00", (8000, 600, 45, 35)),
    (202, "2026-11-20 12:30:00", (700, 20, 5, 3, 1, 4, 6, 2)),
    (202, "2026-11-20 13:30:00", (900, 25, 6, 4, 1, 5, 8, 2)),
]

# Landed after the first build by the run of partition 2026-11-20 13:00: Facebook's missing
# hour 12 arrives; X restates its hour 13 and lands hour 12 again.
LATE_SNAPSHOTS = [
    (101, "2026-11-20 12:40:00", (230, 160, 8, 14, 3, 1, 5, 3)),
    (202, "2026-11-20 13:55:00", (950, 26, 6, 4, 2, 5, 9, 3)),
    (202, "2026-11-20 12:30:00", (700, 20, 5, 3, 1, 4, 6, 2)),
]

# Landed before the last build: new hours a day later, and a late TikTok reading.
NEXT_DAY_SNAPSHOTS = [
    (103, "2026-11-21 13:10:00", (1600, 80, 13, 0)),
    (201, "2026-11-21 15:30:00", (9000, 650, 50, 40)),
    (201, "2026-11-21 14:50:00", (8500, 620, 47, 38)),
]

REPORT_METRICS = ("views", "estimatedMinutesWatched", "averageViewDuration", "likes", "comments",
                  "shares", "subscribersGained")  # fmt: skip
# YouTube daily reports of post 103: (report_date, collected_at, values in REPORT_METRICS
# order); the second collection of 2026-11-20 restates views and shares only.
DAILY_REPORTS = [
    ("2026-11-20", "2026-11-21 06:00:00", (1400, 3000, 128.5, 75, 12, 9, 4)),
    ("2026-11-20", "2026-11-22 06:00:00", (1450, ABSENT, ABSENT, ABSENT, ABSENT, 10, ABSENT)),
    ("2026-11-21", "2026-11-22 06:00:00", (200, 400, 120.0, 5, 1, 2, 1)),
]


def snapshot_rows(snapshots: list[tuple], landed_in: str | None = None) -> str:
    """An INSERT of the snapshots, one row per native metric the platform answered, landed by
    the partition `landed_in` (default: the hour each was collected in)."""
    rows = [
        f"({publication}, '{PLATFORMS[publication]}', 'post-{publication}', '{metric}', "
        f"{'null' if value is None else value}, '{collected_at}', "
        f"'{landed_in or collected_at[:13] + ':00:00'}', "
        f"'v1', 'run-{collected_at}', 'schedule')"
        for publication, collected_at, values in snapshots
        for metric, value in zip(NATIVE_METRICS[PLATFORMS[publication]], values, strict=True)
        if value is not ABSENT
    ]
    return (
        "insert into raw.post_insight_snapshots (publication_id, platform, external_post_id, "
        "metric, value, collected_at, partition_hour, api_version, run_id, source) values "
        + ", ".join(rows)
    )


def daily_report_rows() -> str:
    rows = [
        f"(103, 'youtube', 'post-103', '{report_date}', '{metric}', {value}, '{collected_at}', "
        f"'v2', 'run-{collected_at}')"
        for report_date, collected_at, values in DAILY_REPORTS
        for metric, value in zip(REPORT_METRICS, values, strict=True)
        if value is not ABSENT
    ]
    return (
        "insert into raw.post_daily_reports (publication_id, platform, external_post_id, "
        "report_date, metric, value, collected_at, api_version, run_id) values " + ", ".join(rows)
    )


@dataclass
class Warehouse:
    """One warehouse (a DuckDB file or a PostgreSQL database) and dbt pointed at it."""

    backend: str
    location: str
    target_path: Path
    monkeypatch: pytest.MonkeyPatch

    def execute(self, *statements: str) -> None:
        if self.backend == "duckdb":
            with duckdb.connect(self.location) as connection:
                for statement in statements:
                    connection.execute(statement)
            return
        engine = create_engine(self.location)
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
        engine.dispose()

    def rows(self, sql: str) -> list[tuple]:
        if self.backend == "duckdb":
            with duckdb.connect(self.location) as connection:
                return connection.execute(sql).fetchall()
        engine = create_engine(self.location)
        with engine.connect() as connection:
            result = [tuple(row) for row in connection.execute(text(sql))]
        engine.dispose()
        return result

    def value(self, sql: str):
        return self.rows(sql)[0][0]

    def dbt(self, *args: str) -> None:
        """dbt in this process (dbtRunner reads its profile's variables from os.environ)."""
        environment = dbt_environment(self.backend, self.location, self.location)
        for name, value in environment.items():
            self.monkeypatch.setenv(name, value)
        result = dbtRunner().invoke(
            [
                *args,
                "--project-dir",
                str(DBT_PROJECT),
                "--profiles-dir",
                str(DBT_PROJECT),
                "--target-path",
                str(self.target_path),
                "--log-path",
                str(self.target_path / "logs"),
                "--no-partial-parse",
                "--quiet",
            ]
        )
        failures = [
            f"{node.node.name}: {node.status} {node.message}"
            for node in (result.result if isinstance(result.result, RunExecutionResult) else [])
            if getattr(node, "status", None) in ("error", "fail")
        ]
        assert result.success, failures or result.exception


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
    warehouse.execute(
        "create schema raw",
        *(schema_changes(table, [])[0] for table in RAW_OPS_TABLES.values()),
        *(schema_changes(table, [])[0] for table in LANDED_CONVERSION_TABLES),
        *SNAPSHOT_TABLES.split(";"),
        *OPS_ROWS.split(";"),
        *NOTIFICATION_ROWS.split(";"),
        *ATTRIBUTION_ROWS.split(";"),
        snapshot_rows(FIRST_SNAPSHOTS),
        daily_report_rows(),
    )
    warehouse.dbt("run", "--select", "+fct_post_hourly")
    warehouse.execute(snapshot_rows(LATE_SNAPSHOTS, landed_in="2026-11-20 13:00:00"))
    warehouse.dbt(
        "run",
        "--select",
        "fct_post_hourly",
        "--vars",
        '{"window_start": "2026-11-20 13:00:00"}',
    )
    warehouse.execute(snapshot_rows(NEXT_DAY_SNAPSHOTS))
    warehouse.dbt("build", "--vars", '{"lookback_hours": 2}')
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

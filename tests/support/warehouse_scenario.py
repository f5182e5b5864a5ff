"""A hand-made week of two campaigns on six platforms (copies, late and out-of-order snapshots, a
counter going down, an Instagram post withheld, YouTube daily reports) landed in a warehouse
(DuckDB or PostgreSQL) and built by dbt as the pipeline builds it: the real marts, with numbers
the tests know."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt.artifacts.schemas.run import RunExecutionResult
from dbt.cli.main import dbtRunner
from sqlalchemy import create_engine, text

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


def build_scenario(warehouse: Warehouse) -> None:
    """The scenario built as it lands: a first build, a late partitioned hour, a last build."""
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

"""The hourly collection asset against the sandbox: every platform's counters land append-only
with their API version and run id, a platform that is down fails only its own part of the hour,
n8n's readings land once, and a backfill collects each hour it is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dagster import DagsterInstance, materialize
from starlette.testclient import TestClient
from support.published import ACCOUNTS, publish_everywhere
from support.signing import n8n_signed

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.assets.insights import post_insight_snapshots
from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.cms.insights import unlanded_readings
from mediaflow_dagster.definitions import build_resources
from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.addresses import TIKTOK_PREFIX
from mediaflow_sandbox.faults import FaultRule

PUBLISHED_AT = datetime(2026, 11, 20, 8, 20, tzinfo=UTC)
READ_AT = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
PARTITION = "2026-11-20-09:00"


@pytest.fixture
def posts(aimed: Settings, sandbox) -> list[dict]:
    engine = ops_engine(aimed.ops_database_url)
    migrate(engine)
    sandbox.clear_faults()
    return publish_everywhere(engine, sandbox, PUBLISHED_AT)


def collect(aimed: Settings, partition: str = PARTITION, instance=None):
    resources = build_resources(aimed)
    return materialize(
        [post_insight_snapshots],
        partition_key=partition,
        resources={key: resources[key] for key in ("ops_store", "platform_insights", "warehouse")},
        instance=instance or DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def snapshots(aimed: Settings):
    return build_resources(aimed, resolve_secrets=True)["warehouse"].query(
        "select * from raw.post_insight_snapshots order by platform, metric"
    )


def test_an_hour_lands_every_platform_s_counters_with_api_version_and_run_id(aimed, sandbox, posts):
    sandbox.set_clock(READ_AT)
    instance = DagsterInstance.ephemeral()

    result = collect(aimed, instance=instance)

    assert result.success
    progress = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert any(message.startswith("tiktok: 1 posts, 4 readings") for message in progress)
    landed = snapshots(aimed)
    assert set(landed["platform"]) == set(ACCOUNTS)
    assert set(landed["run_id"]) == {result.run_id}
    assert set(landed["source"]) == {"schedule"}
    assert set(landed["collected_at"].astype(str)) == {"2026-11-20 10:05:00"}
    versions = landed.groupby("platform")["api_version"].first().to_dict()
    assert versions == {
        "facebook": "v24.0",
        "instagram": "v24.0",
        "youtube": "v3",
        "linkedin": "202411",
        "tiktok": "v2",
        "x": "2",
    }
    truth = {post["external_id"]: post["metrics"] for post in sandbox.ground_truth()["posts"]}
    tiktok = landed[landed["platform"] == "tiktok"].set_index("metric")["value"]
    tiktok_post = next(post for post in posts if post["platform"] == "tiktok")
    assert tiktok.to_dict() == truth[tiktok_post["external_id"]]
    assert not landed.duplicated(["publication_id", "metric", "collected_at"]).any()


def test_a_platform_that_is_down_fails_its_part_of_the_hour_and_the_others_land(
    aimed, sandbox, posts
):
    sandbox.set_clock(READ_AT)
    sandbox.set_faults(FaultRule(path_prefix=TIKTOK_PREFIX, error_status=503, error_rate=1.0))

    result = collect(aimed)

    assert not result.success
    failure = next(event for event in result.all_events if event.event_type_value == "STEP_FAILURE")
    message = failure.step_failure_data.error.message
    assert "tiktok: account mediaflow.bistro: POST" in message
    assert "503 after 4 attempts" in message
    assert set(snapshots(aimed)["platform"]) == set(ACCOUNTS) - {"tiktok"}


def test_n8n_readings_land_once_and_not_where_the_schedule_read_the_same_instant(
    aimed, sandbox, posts
):
    facebook = next(post for post in posts if post["platform"] == "facebook")

    def reading(metric: str, value: int, at: datetime) -> dict:
        return {
            "platform": "facebook",
            "external_post_id": facebook["external_id"],
            "metric": metric,
            "value": value,
            "collected_at": at.isoformat(),
            "api_version": "v24.0",
        }

    earlier = READ_AT - timedelta(minutes=30)
    raw, headers = n8n_signed(
        {
            "type": "insights.collected",
            "readings": [
                reading("post_media_view", 10, earlier),
                reading("post_media_view", 999_999, READ_AT),
            ],
        },
    )
    api = TestClient(create_app(aimed))
    assert api.post("/api/analytics", content=raw, headers=headers).status_code == 202
    sandbox.set_clock(READ_AT)

    first = collect(aimed)
    second = collect(aimed, "2026-11-20-10:00")

    assert first.success and second.success
    views = snapshots(aimed).query(
        f"publication_id == {facebook['publication_id']} and metric == 'post_media_view'"
    )
    by_source = views.groupby("source")["collected_at"].apply(lambda at: sorted(at.astype(str)))
    assert by_source["n8n"] == ["2026-11-20 09:35:00"]
    assert by_source["schedule"] == ["2026-11-20 10:05:00", "2026-11-20 10:05:00"]
    assert 999_999 not in set(views["value"])
    assert unlanded_readings(ops_engine(aimed.ops_database_url)) == []


def test_a_backfill_collects_each_hour_in_its_own_run(aimed, sandbox, posts):
    instance = DagsterInstance.ephemeral()
    run_ids = []
    for hour in range(3):
        read_at = READ_AT + timedelta(hours=hour)
        sandbox.set_clock(read_at)
        result = collect(aimed, (read_at - timedelta(hours=1)).strftime("%Y-%m-%d-%H:00"), instance)
        assert result.success
        run_ids.append(result.run_id)

    landed = snapshots(aimed)
    assert landed.groupby("run_id")["collected_at"].nunique().to_dict() == dict.fromkeys(run_ids, 1)
    assert landed["partition_hour"].nunique() == 3

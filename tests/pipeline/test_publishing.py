"""Publishing done right, against the sandbox's Make scenarios: content the platform refuses is
blocked before any call, scheduled posts wait for their time, transient faults are retried and
unknown outcomes reconciled, and nothing is ever published twice."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from dagster import AssetCheckSeverity
from rich.console import Console
from sqlalchemy import select, update

from mediaflow_dagster.cms import accounts, campaigns
from mediaflow_dagster.cms.schema import campaign_events, campaign_objects, publications
from mediaflow_sandbox.control import make_hook_url
from mediaflow_sandbox.demo import demo_stack, generate_content
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.local_runs import RunFailed

pytestmark = pytest.mark.slow
SCHEDULED_AHEAD_SECONDS = 20
"""Time enough to plan the publication before it is due, on a loaded machine too."""

ACCOUNTS = {
    "facebook": ("page", "104857600123456"),
    "instagram": ("business", "17841400000000001"),
    "youtube": ("channel", "UCmediaflowBistro0000001"),
    "x": ("profile", "1500000000000000001"),
    "tiktok": ("business", "7100000000000000001"),
}
PICTURE = {"media_mime_type": "image/jpeg", "media_width": 1080, "media_height": 1350}
CLIP = {
    "media_mime_type": "video/mp4",
    "media_width": 1080,
    "media_height": 1920,
    "media_duration_seconds": 30.0,
    "media_codec": "h264",
}


@pytest.fixture
def demo(stack_settings):
    impatient = {
        "MEDIAFLOW_HTTP_MAX_ATTEMPTS": "2",
        "MEDIAFLOW_HTTP_TIMEOUT_SECONDS": "2",
        "MEDIAFLOW_CIRCUIT_FAILURE_THRESHOLD": "2",
        "MEDIAFLOW_MAKE_CALLBACK_TIMEOUT_MINUTES": "0",
    }
    with demo_stack(stack_settings, Console(quiet=True), impatient) as demo:
        yield demo


def campaign_with(
    demo, platforms, *, object_type="image", scheduled_time=None, **facts
) -> tuple[int, int]:
    """An active campaign targeting `platforms` with one object generated through n8n, its
    content facts then set to `facts`, and approved."""
    engine = demo.engine
    account_ids = [
        accounts.create_social_account(
            engine,
            platform=platform,
            name=f"{platform} account",
            account_type=ACCOUNTS[platform][0],
            external_account_id=ACCOUNTS[platform][1],
            make_connection_id=f"conn-{platform}",
            make_scenario_id=f"scenario-{platform}",
            make_webhook_url=make_hook_url(demo.sandbox_settings, f"{platform}-hook"),
        )["id"]
        for platform in platforms
    ]
    today = datetime.now(UTC).date()
    campaign = campaigns.create_campaign(
        engine,
        name="Lancement Produit X",
        description=None,
        topics=[],
        budget=1000,
        currency="EUR",
        start_date=today,
        end_date=today + timedelta(days=30),
        social_account_ids=account_ids,
    )
    campaigns.change_campaign_status(engine, campaign["id"], "active")
    created = campaigns.create_object(
        engine,
        campaign_id=campaign["id"],
        object_type=object_type,
        title="Produit X",
        sources=["https://cdn.example.com/clips/produit-x.mp4"],
        config={},
    )
    demo.chain.instance.add_dynamic_partitions("campaigns", [str(campaign["id"])])
    generate_content(demo, campaign["id"], [created["id"]])
    if facts:
        with engine.begin() as connection:
            connection.execute(
                update(campaign_objects)
                .where(campaign_objects.c.id == created["id"])
                .values(**facts)
            )
    campaigns.approve_object(engine, created["id"], "ana", scheduled_time=scheduled_time)
    return campaign["id"], created["id"]


def rows(demo, table):
    with demo.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(table))]


def test_content_a_platform_refuses_is_blocked_before_any_call_to_make(demo):
    campaign_id, _ = campaign_with(
        demo,
        ["x", "instagram", "tiktok"],
        object_type="video",
        content_text="Produit X " * 40,
        **(CLIP | {"media_width": 1000, "media_height": 2400, "media_duration_seconds": 1300.0}),
    )

    result = demo.chain.run("publish_job", str(campaign_id))

    blocked = {row["social_account_id"]: row for row in rows(demo, publications)}
    assert {row["status"] for row in blocked.values()} == {"blocked"}
    reasons = " ".join(row["error"] for row in blocked.values())
    assert "280" in reasons  # X's text limit, named
    assert "fix:" in reasons
    assert demo.sandbox.ground_truth()["posts"] == []
    warnings = {
        evaluation.check_name: evaluation
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed
    }
    assert {"x_content_specs", "instagram_content_specs", "tiktok_content_specs"} <= set(warnings)
    assert {evaluation.severity for evaluation in warnings.values()} == {AssetCheckSeverity.WARN}
    on_x = [record.data for record in warnings["x_content_specs"].metadata["blocked"].records]
    assert any("280" in reason["reason"] for reason in on_x)
    assert all(reason["fix"] for reason in on_x)


def test_each_publication_keeps_its_platform_adapted_content(demo):
    campaign_id, _ = campaign_with(
        demo, ["facebook", "instagram"], content_text="Produit X arrive.", **PICTURE
    )

    demo.chain.run("publish_job", str(campaign_id))

    adapted = [row["adapted_content"] for row in rows(demo, publications)]
    assert all(content["message"].startswith("Produit X arrive.") for content in adapted)
    assert {row["spec_version"] for row in rows(demo, publications)} != {None}


def test_a_scheduled_publication_is_released_when_due_and_not_earlier(demo):
    due = datetime.now(UTC) + timedelta(seconds=SCHEDULED_AHEAD_SECONDS)
    campaign_id, _ = campaign_with(
        demo, ["facebook"], scheduled_time=due.replace(tzinfo=None), **PICTURE
    )

    demo.chain.run("publish_job", str(campaign_id))
    assert [row["status"] for row in rows(demo, publications)] == ["scheduled"]
    assert demo.chain.tick("publication_timers") == 0

    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.5)
    assert demo.chain.tick("publication_timers") == 1
    demo.chain.tick_until(
        "make_callbacks",
        lambda: [row["status"] for row in rows(demo, publications)] == ["published"],
        "the scheduled publication is published",
    )
    [publication] = rows(demo, publications)
    assert publication["requested_at"] >= due.replace(tzinfo=None)
    assert publication["time_to_publish_seconds"] > 0


def test_transient_faults_on_every_make_call_never_publish_twice(demo):
    campaign_id, _ = campaign_with(demo, ["facebook", "instagram", "x"], **PICTURE)
    demo.sandbox.set_faults(
        FaultRule(path_prefix="/make/", error_rate=0.3, error_status=503, retry_after=0),
        seed=3,
    )

    for _attempt in range(10):
        try:
            demo.chain.run("publish_job", str(campaign_id))
        except RunFailed:
            continue
        if all(row["status"] != "pending" for row in rows(demo, publications)):
            break
    demo.chain.tick_until(
        "make_callbacks",
        lambda: all(row["status"] in ("published", "failed") for row in rows(demo, publications)),
        "every publication settled",
    )

    settled = rows(demo, publications)
    assert all(row["status"] == "published" or row["error"] for row in settled)
    posts = demo.sandbox.ground_truth()["posts"]
    assert len(posts) == len({post["idempotency_key"] for post in posts})
    assert len(posts) == sum(row["status"] == "published" for row in settled)


def test_an_unknown_outcome_is_reconciled_before_anything_is_sent_again(demo):
    campaign_id, _ = campaign_with(demo, ["facebook"], **PICTURE)
    demo.sandbox.set_faults(
        FaultRule(
            path_prefix="/make/hook/",
            timeout_ms=4000,
            process_before_timeout=True,
            drop_callbacks=True,
        )
    )
    demo.chain.run("publish_job", str(campaign_id))
    assert [row["status"] for row in rows(demo, publications)] == ["unknown"]

    demo.sandbox.clear_faults()
    demo.chain.run("publish_job", str(campaign_id))

    [publication] = rows(demo, publications)
    [post] = demo.sandbox.ground_truth()["posts"]
    assert publication["status"] == "published"
    assert publication["external_post_id"] == post["external_id"]


def test_a_platform_that_keeps_failing_opens_its_circuit(demo):
    campaign_id, _ = campaign_with(demo, ["facebook", "instagram"], **PICTURE)
    demo.sandbox.set_faults(
        FaultRule(path_prefix="/make/hook/facebook", error_rate=1.0, error_status=503)
    )

    for _attempt in range(2):  # the threshold: 2 consecutive failures
        with pytest.raises(RunFailed):
            demo.chain.run("publish_job", str(campaign_id))
    attempts_when_open = {row["id"]: row["attempts"] for row in rows(demo, publications)}
    result = demo.chain.run("publish_job", str(campaign_id))

    materialization = result.get_asset_materialization_events()[-1].materialization
    assert "facebook" in materialization.metadata["circuits_open"].value
    assert {row["id"]: row["attempts"] for row in rows(demo, publications)} == attempts_when_open
    by_platform = {row["social_account_id"]: row["status"] for row in rows(demo, publications)}
    assert sorted(by_platform.values())[0] == "pending"  # facebook, held by its open circuit
    assert "pending" not in sorted(by_platform.values())[1:]  # instagram went


def test_the_owner_hears_of_each_outcome_and_the_time_to_publish_is_kept(demo):
    campaign_id, _ = campaign_with(demo, ["facebook", "instagram"], **PICTURE)

    demo.chain.run("publish_job", str(campaign_id))
    demo.chain.tick_until(
        "make_callbacks",
        lambda: all(row["status"] == "published" for row in rows(demo, publications)),
        "both published",
    )

    events = rows(demo, campaign_events)
    assert sorted(event["event_type"] for event in events) == ["publication.published"] * 2
    assert all(row["time_to_publish_seconds"] >= 0 for row in rows(demo, publications))

"""Each link of the chain under the faults real services show: a service down, a callback
delivered twice, transient 5xx, a platform that fails, credentials that are refused."""

from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console
from sqlalchemy import select

from mediaflow_dagster.cms.schema import callback_inbox, campaign_objects, publications
from mediaflow_dagster.definitions import build_resources
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.sharepoint import GraphSignInFailed, SharePoint
from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.control import client_environment
from mediaflow_sandbox.demo import (
    approve,
    collect_insights,
    create_campaign,
    demo_stack,
    generate_content,
    publish,
)
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.local_runs import RunFailed
from mediaflow_sandbox.processes import free_local_ports

pytestmark = pytest.mark.slow
THREE_ATTEMPTS = {"MEDIAFLOW_HTTP_MAX_ATTEMPTS": "3"}


@pytest.fixture
def embedded(tmp_path):
    return Settings(backend="embedded", home=tmp_path)


@pytest.fixture
def demo(embedded):
    with demo_stack(embedded, Console(quiet=True), THREE_ATTEMPTS) as demo:
        yield demo


def rows(demo, table):
    with demo.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(table))]


def test_objects_n8n_could_not_take_stay_drafts_and_go_on_the_next_run(embedded, tmp_path):
    with demo_stack(embedded, Console(quiet=True), THREE_ATTEMPTS) as demo:
        campaign_id, _ = create_campaign(demo)
        demo.sandbox.set_faults(FaultRule(path_prefix="/n8n/", error_rate=1.0, error_status=503))

        with pytest.raises(RunFailed):
            demo.chain.run("content_generation_job", str(campaign_id))
        assert {row["status"] for row in rows(demo, campaign_objects)} == {"draft"}

        demo.sandbox.clear_faults()
        demo.chain.run("content_generation_job", str(campaign_id))
        assert {row["status"] for row in rows(demo, campaign_objects)} == {"generating"}


def test_duplicate_callbacks_are_processed_once_and_nothing_is_published_twice(demo):
    demo.sandbox.set_faults(
        FaultRule(path_prefix="/n8n/", duplicate_callbacks=True),
        FaultRule(path_prefix="/make/", duplicate_callbacks=True),
    )
    campaign_id, object_ids = create_campaign(demo)
    generate_content(demo, campaign_id, object_ids)
    approve(demo, object_ids)
    publish(demo, campaign_id)

    inbox = rows(demo, callback_inbox)
    assert len(inbox) == len({row["event_id"] for row in inbox})
    assert {row["status"] for row in inbox} == {"processed"}
    published = [row for row in rows(demo, publications) if row["status"] == "published"]
    posts = demo.sandbox.ground_truth()["posts"]
    assert len(posts) == len(published) == 16
    assert sorted(post["external_id"] for post in posts) == sorted(
        row["external_post_id"] for row in published
    )


def test_transient_make_failures_are_retried_until_every_publication_is_made_once(demo):
    campaign_id, object_ids = create_campaign(demo)
    generate_content(demo, campaign_id, object_ids)
    demo.sandbox.set_faults(
        FaultRule(path_prefix="/make/hook/", error_rate=0.3, error_status=503), seed=11
    )
    approve(demo, object_ids)
    for _attempt in range(5):  # a run that leaves publications pending fails, naming them
        try:
            demo.chain.run("publish_job", str(campaign_id))
            break
        except RunFailed:
            continue
    publish(demo, campaign_id)

    statuses = sorted(row["status"] for row in rows(demo, publications))
    assert statuses == ["blocked"] * 5 + ["published"] * 16  # YouTube and TikTok take video
    assert len(demo.sandbox.ground_truth()["posts"]) == 16


def test_a_platform_that_is_down_fails_only_its_part_of_the_hour(demo):
    campaign_id, object_ids = create_campaign(demo)
    generate_content(demo, campaign_id, object_ids)
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    hour -= timedelta(hours=2)
    demo.sandbox.set_clock(hour)
    approve(demo, object_ids)
    publish(demo, campaign_id)
    demo.sandbox.set_faults(FaultRule(path_prefix="/youtube/", error_rate=1.0, error_status=500))

    with pytest.raises(RunFailed):
        collect_insights(demo, hour, 1)

    warehouse = build_resources(demo.settings, resolve_secrets=True)["warehouse"]
    landed = warehouse.query(
        "select platform, count(*) as n from raw.post_insight_snapshots group by 1"
    )
    assert set(landed["platform"]) == {"facebook", "instagram", "linkedin", "tiktok", "x"}


def test_refused_microsoft_credentials_name_the_setting_to_fix(sandbox, sandbox_settings):
    environment = client_environment(sandbox_settings)
    refused = environment | {"MEDIAFLOW_MICROSOFT_CLIENT_SECRET": "wrong-secret"}
    sharepoint = client_from_environment(SharePoint, refused)

    with pytest.raises(GraphSignInFailed, match="MEDIAFLOW_MICROSOFT_CLIENT_SECRET"):
        sharepoint.get_item(sandbox_settings.sharepoint_drive_id, "any-item")


@pytest.mark.usefixtures("sandbox")  # its CA is what the client trusts
def test_an_unreachable_microsoft_authority_is_a_clear_error(sandbox_settings):
    [closed_port] = free_local_ports(1)
    unreachable = client_environment(sandbox_settings) | {
        "MEDIAFLOW_MICROSOFT_AUTHORITY": f"https://127.0.0.1:{closed_port}/mediaflow-tenant"
    }
    sharepoint = client_from_environment(SharePoint, unreachable)

    with pytest.raises(GraphSignInFailed, match="MEDIAFLOW_MICROSOFT_AUTHORITY"):
        sharepoint.get_item(sandbox_settings.sharepoint_drive_id, "any-item")

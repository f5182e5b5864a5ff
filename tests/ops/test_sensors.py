"""Sensors turn new facts in the ops store into one run request per event, keyed by its id."""

import pytest
from dagster import DagsterInstance, build_sensor_context

from mediaflow_dagster.cms import campaigns as cms
from mediaflow_dagster.cms.intake import Delivery, store_deliveries
from mediaflow_dagster.definitions import build_definitions


@pytest.fixture
def instance(tmp_path):
    (tmp_path / "dagster").mkdir()
    with DagsterInstance.from_config(str(tmp_path / "dagster")) as instance:
        yield instance


def tick(settings, instance, sensor_name, cursor=None):
    definitions = build_definitions(settings)
    context = build_sensor_context(
        instance=instance,
        instance_ref=instance.get_ref(),
        cursor=cursor,
        definitions=definitions,
        resources=definitions.resources,
    )
    return definitions.resolve_sensor_def(sensor_name).evaluate_tick(context)


def store(engine, event_id, campaign_id=None):
    """An n8n content callback of an object of `campaign_id`, kept in the inbox; without a
    campaign, of an unknown object (kept as rejected)."""
    object_id = 999_999
    if campaign_id is not None:
        object_id = cms.create_object(
            engine, campaign_id=campaign_id, object_type="text", title="Post", sources=[], config={}
        )["id"]
        cms.transition_object(engine, object_id, "generating", generation_request_id="r-1")
    delivery = Delivery(
        event_id,
        "n8n",
        "content.ready",
        {"type": "content.ready"},
        subject_id=object_id,
        claim=("r-1",),
    )
    with engine.begin() as connection:
        [stored] = store_deliveries(connection, [delivery])
    assert stored.kept


def test_new_callbacks_of_a_campaign_become_one_run_keyed_by_the_newest_event_id(
    settings, instance, engine, campaign_id
):
    store(engine, "evt_1", campaign_id)
    store(engine, "evt_2", campaign_id)
    store(engine, "evt_rejected")

    result = tick(settings, instance, "n8n_callbacks")

    [request] = result.run_requests
    assert (request.run_key, request.partition_key) == ("evt_2", str(campaign_id))
    [partitions] = result.dynamic_partitions_requests
    assert list(partitions.partition_keys) == [str(campaign_id)]


def test_the_cursor_skips_callbacks_already_seen(settings, instance, engine, campaign_id):
    store(engine, "evt_1", campaign_id)
    first = tick(settings, instance, "n8n_callbacks")
    store(engine, "evt_2", campaign_id)

    second = tick(settings, instance, "n8n_callbacks", cursor=first.cursor)

    assert [request.run_key for request in second.run_requests] == ["evt_2"]


def test_an_approval_starts_its_campaigns_publishing_run_tagged_with_its_platforms(
    settings, instance, engine, campaign_id, targeted_account
):
    content = cms.create_object(
        engine, campaign_id=campaign_id, object_type="text", title="Post", sources=[], config={}
    )
    cms.transition_object(engine, content["id"], "generating")
    cms.transition_object(engine, content["id"], "ready")
    cms.approve_object(engine, content["id"], "ana")

    result = tick(settings, instance, "approvals")

    [request] = result.run_requests
    assert request.partition_key == str(campaign_id)
    assert request.run_key.startswith("approval-")
    assert {key for key in request.tags if key.startswith("mediaflow")} == {
        "mediaflow.platform/facebook"
    }
    assert tick(settings, instance, "approvals", cursor=result.cursor).run_requests in (None, [])

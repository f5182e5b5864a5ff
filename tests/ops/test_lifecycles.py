"""Campaign and object lifecycles: the moves a user expects, clear refusals for the rest, and
approvals bound to the content they approved."""

from datetime import datetime

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from support.api import api_client

from mediaflow_dagster.cms import campaigns as cms
from mediaflow_dagster.cms.errors import Conflict
from mediaflow_dagster.cms.publishing import (
    Plan,
    campaigns_with_due_work,
    claim_for_sending,
    dispatchable,
    plan_publications,
)
from mediaflow_dagster.cms.schema import approvals, publications


@pytest.fixture
def api(settings) -> TestClient:
    return api_client(settings)


def ready_object(engine, campaign_id: int, text: str = "Produit X arrive.") -> dict:
    content = cms.create_object(
        engine, campaign_id=campaign_id, object_type="text", title="Post", sources=[], config={}
    )
    cms.transition_object(engine, content["id"], "generating")
    fingerprint = cms.content_fingerprint(text, [], None, None)
    cms.transition_object(
        engine, content["id"], "ready", content_text=text, content_hash=fingerprint
    )
    return cms.get_object(engine, content["id"])


def test_a_campaign_goes_from_draft_to_active_to_paused_and_back(api, campaign_id):
    for status in ("scheduled", "active", "paused", "active", "completed"):
        response = api.post(f"/api/campaigns/{campaign_id}/status", json={"status": status})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status


def test_an_illegal_campaign_move_is_refused_naming_the_allowed_ones(api, campaign_id):
    api.post(f"/api/campaigns/{campaign_id}/status", json={"status": "canceled"})

    response = api.post(f"/api/campaigns/{campaign_id}/status", json={"status": "active"})

    assert response.status_code == 409
    assert "canceled" in response.json()["detail"]
    assert "can become: nothing" in response.json()["detail"]


def test_an_unknown_campaign_status_gets_422(api, campaign_id):
    response = api.post(f"/api/campaigns/{campaign_id}/status", json={"status": "archived"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


def test_an_approval_is_bound_to_the_content_it_approved(engine, campaign_id):
    content = ready_object(engine, campaign_id)

    cms.approve_object(engine, content["id"], "ana")

    with engine.connect() as connection:
        [approval] = connection.execute(select(approvals)).all()
    assert approval.content_hash == content["content_hash"]


def test_regenerating_approved_content_voids_its_approval_and_unsent_publications(
    engine, campaign_id, targeted_account
):
    content = ready_object(engine, campaign_id)
    cms.change_campaign_status(engine, campaign_id, "active")
    cms.approve_object(engine, content["id"], "ana")
    plan_publications(engine, campaign_id, lambda *_: Plan("test", {"message": "x"}))

    cms.transition_object(engine, content["id"], "generating")

    with engine.connect() as connection:
        [approval] = connection.execute(select(approvals)).all()
        planned = connection.execute(select(publications)).all()
    assert approval.voided_at is not None
    assert planned == []
    regenerated = cms.get_object(engine, content["id"])
    assert (regenerated["approved_at"], regenerated["content_hash"]) == (None, None)


def test_published_content_cannot_be_regenerated(engine, campaign_id):
    content = ready_object(engine, campaign_id)
    for status in ("approved", "publishing", "published"):
        cms.transition_object(engine, content["id"], status)

    with pytest.raises(Conflict, match="published; it cannot become generating"):
        cms.transition_object(engine, content["id"], "generating")


def test_an_approval_takes_a_schedule_and_a_valid_audience(api, engine, campaign_id):
    content = ready_object(engine, campaign_id)

    refused = api.post(
        f"/api/objects/{content['id']}/approve",
        json={"targeting": {"age_min": 30, "age_max": 18}},
    )
    accepted = api.post(
        f"/api/objects/{content['id']}/approve",
        json={
            "scheduled_time": "2026-12-01T09:00:00+01:00",
            "targeting": {"location": "Lyon", "radius_km": 20, "age_min": 18, "age_max": 35},
        },
    )

    assert refused.status_code == 422
    assert accepted.status_code == 200, accepted.text
    approved = cms.get_object(engine, content["id"])
    assert approved["scheduled_time"].isoformat() == "2026-12-01T08:00:00"
    assert approved["targeting"]["location"] == "Lyon"


def test_a_schedule_without_a_time_zone_is_refused(api, engine, campaign_id):
    content = ready_object(engine, campaign_id)

    response = api.post(
        f"/api/objects/{content['id']}/approve",
        json={"scheduled_time": "2026-12-01T09:00:00"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "scheduled_time"


def test_approved_content_of_a_campaign_made_active_is_picked_up_without_a_new_approval(
    engine, campaign_id, targeted_account
):
    content = ready_object(engine, campaign_id)
    cms.approve_object(engine, content["id"], "ana")
    now = datetime(2026, 11, 21, 12, 0)
    assert campaigns_with_due_work(engine, now, now) == []  # a draft campaign publishes nothing

    cms.change_campaign_status(engine, campaign_id, "active")

    assert campaigns_with_due_work(engine, now, now) == [campaign_id]
    plan_publications(engine, campaign_id, lambda *_: Plan("test", {"message": "x"}))
    dispatched = [row["id"] for row in dispatchable(engine, campaign_id)]
    assert len(dispatched) == 1
    assert campaigns_with_due_work(engine, now, now) == [campaign_id]  # pending: to send


def test_a_pending_publication_is_sent_by_one_run_only(engine, campaign_id, targeted_account):
    content = ready_object(engine, campaign_id)
    cms.change_campaign_status(engine, campaign_id, "active")
    cms.approve_object(engine, content["id"], "ana")
    planner = lambda *_: Plan("test", {"message": "x"})  # noqa: E731
    plan_publications(engine, campaign_id, planner)
    plan_publications(engine, campaign_id, planner)  # a second run planning at the same time
    [publication] = dispatchable(engine, campaign_id)

    first = claim_for_sending(engine, publication["id"], "token-of-run-1")
    second = claim_for_sending(engine, publication["id"], "token-of-run-2")

    assert (first, second) == (True, False)
    assert dispatchable(engine, campaign_id) == []

"""`GET /api/communication/status`: its figures are what the stores hold (dependencies, open
circuits, every queue's depth) and each schedule's last success is read from the Dagster
instance; an instance missing, unreadable or too slow makes the schedules `unknown`, never an
error. Both backends."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from dagster import DagsterInstance, job, op
from sqlalchemy import insert
from support.api import api_client

from mediaflow_dagster.api import schedule_runs
from mediaflow_dagster.cms.campaigns import create_object
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.dependencies import record_dependency
from mediaflow_dagster.cms.schema import (
    callback_inbox,
    notification_messages,
    platform_circuits,
    publications,
    webhook_deliveries,
    webhook_subscriptions,
)


@op
def nothing() -> None:
    pass


@job
def scheduled_job() -> None:
    nothing()


def put_in_the_stores(engine, campaign_id: int, account_id: int) -> None:
    now = utcnow()
    record_dependency(engine, "smtp", True)
    record_dependency(engine, "make", False, "Make API: HTTP 503 after 4 attempts")
    objects = [
        create_object(
            engine,
            campaign_id=campaign_id,
            object_type="text",
            title=f"Post {n}",
            sources=[],
            config={},
        )["id"]
        for n in range(6)
    ]
    with engine.begin() as connection:
        connection.execute(
            insert(platform_circuits),
            [
                {
                    "platform": "facebook",
                    "consecutive_failures": 5,
                    "last_error": "HTTP 500",
                    "open_until": now + timedelta(minutes=5),
                    "updated_at": now,
                },
                {
                    "platform": "x",
                    "consecutive_failures": 0,
                    "last_error": None,
                    "open_until": None,
                    "updated_at": now,
                },
            ],
        )
        connection.execute(
            insert(callback_inbox),
            [
                {
                    "event_id": f"evt-{n}",
                    "source": "make",
                    "event_type": "publication",
                    "payload": {},
                    "status": status,
                    "received_at": now,
                }
                for n, status in enumerate(("received", "received", "processed", "rejected"))
            ],
        )
        connection.execute(
            insert(publications),
            [
                {
                    "object_id": object_id,
                    "social_account_id": account_id,
                    "campaign_id": campaign_id,
                    "status": status,
                    "idempotency_key": f"k{object_id}",
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for object_id, status in zip(
                    objects,
                    ("pending", "pending", "sent", "unknown", "published", "failed"),
                    strict=True,
                )
            ],
        )
        connection.execute(
            insert(notification_messages),
            [
                {
                    "kind": "operations",
                    "channel": "email",
                    "purpose": "transactional",
                    "status": status,
                    "attempts": 0,
                    "send_after": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for status in ("pending", "pending", "pending", "sent")
            ],
        )
        subscription = connection.execute(
            insert(webhook_subscriptions).values(
                url="https://crm.example.com/hooks",
                event_types=["run_failed"],
                status="active",
                created_by="tests",
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        connection.execute(
            insert(webhook_deliveries),
            [
                {
                    "message_id": f"msg_{n}",
                    "subscription_id": subscription,
                    "event_type": "run_failed",
                    "payload": {},
                    "status": status,
                    "attempts": 0,
                    "created_at": now,
                }
                for n, status in enumerate(("pending", "dead", "dead", "delivered"))
            ],
        )


def test_the_figures_are_what_the_stores_hold(settings, engine, campaign_id, targeted_account):
    put_in_the_stores(engine, campaign_id, targeted_account["id"])

    answer = api_client(settings).get("/api/communication/status")

    assert answer.status_code == 200
    status = answer.json()
    assert status["dependencies"]["smtp"]["state"] == "ok"
    assert status["dependencies"]["make"] == {
        "state": "failing",
        "detail": "Make API: HTTP 503 after 4 attempts",
        "checked_at": status["dependencies"]["make"]["checked_at"],
    }
    assert status["dependencies"]["facebook"]["state"] == "failing"
    assert [circuit["platform"] for circuit in status["open_circuits"]] == ["facebook"]
    assert status["open_circuits"][0]["consecutive_failures"] == 5
    assert status["queues"] == {
        "callback_inbox_unprocessed": 2,
        "publications": {"pending": 2, "sending": 0, "sent": 1, "unknown": 1},
        "notification_messages_pending": 3,
        "webhook_deliveries_pending": 1,
        "webhook_dead_letters": 2,
    }


def test_each_schedules_last_success_is_read_from_the_dagster_instance(settings, engine):
    settings.dagster_home.mkdir(parents=True)
    with DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        ran = scheduled_job.execute_in_process(
            instance=instance, tags={"dagster/schedule_name": "warehouse_job_schedule"}
        )
        ended = instance.get_run_record_by_id(ran.run_id).end_time

    schedules = api_client(settings).get("/api/communication/status").json()["schedules"]

    assert schedules["state"] == "known"
    last = {item["name"]: item["last_success_at"] for item in schedules["items"]}
    assert set(last) == set(schedule_runs.SCHEDULES)
    assert datetime.fromisoformat(last["warehouse_job_schedule"]) == datetime.fromtimestamp(
        ended, UTC
    )
    assert last["insights_job_schedule"] is None


def test_without_a_dagster_instance_the_schedules_are_unknown(settings, engine):
    answer = api_client(settings).get("/api/communication/status")

    assert answer.status_code == 200
    assert answer.json()["schedules"]["state"] == "unknown"
    assert "no Dagster instance" in answer.json()["schedules"]["detail"]


def test_an_unreadable_dagster_instance_makes_the_schedules_unknown_not_an_error(settings, engine):
    settings.dagster_home.mkdir(parents=True)
    (settings.dagster_home / "dagster.yaml").write_text(
        "run_storage:\n  module: nowhere.to.be.found\n  class: Storage\n"
    )

    answer = api_client(settings).get("/api/communication/status")

    assert answer.status_code == 200
    assert answer.json()["schedules"]["state"] == "unknown"
    assert "could not be read" in answer.json()["schedules"]["detail"]


def test_a_dagster_instance_too_slow_to_answer_makes_the_schedules_unknown(
    tmp_path, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "dagster.yaml").write_text("")
    monkeypatch.setattr(schedule_runs, "_last_successes", lambda home: time.sleep(0.5))

    answer = schedule_runs.schedule_runs(tmp_path, timeout_seconds=0.05)

    assert answer["state"] == "unknown" and "did not answer within" in answer["detail"]
    assert all(item["last_success_at"] is None for item in answer["items"])

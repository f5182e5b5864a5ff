"""`/health` answers without looking; `/health/ready` checks the ops store and the warehouse now
(503 when either cannot be used) and reports each external service's last known state, on both
backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, insert, make_url, text
from starlette.testclient import TestClient

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.cms.accounts import create_social_account
from mediaflow_dagster.cms.credential_cipher import CredentialCipher, new_key
from mediaflow_dagster.cms.credentials import mark_for_reconnection, store_credential
from mediaflow_dagster.cms.database import ops_engine, utcnow
from mediaflow_dagster.cms.dependencies import record_dependency
from mediaflow_dagster.cms.schema import platform_circuits


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def anonymous(app) -> TestClient:
    return TestClient(app)


def test_a_fresh_deployment_is_ready_and_knows_nothing_of_the_services_yet(anonymous):
    answer = anonymous.get("/health/ready")

    assert answer.status_code == 200
    assert answer.json()["status"] == "ready"
    assert {name: check["ok"] for name, check in answer.json()["checks"].items()} == {
        "ops_store": True,
        "warehouse": True,
    }
    assert {name: state["state"] for name, state in answer.json()["dependencies"].items()} == {
        "make": "unknown",
        "n8n": "unknown",
        "graph": "unknown",
        "smtp": "unknown",
        "sms": "unknown",
    }
    assert anonymous.get("/health").json() == {"status": "ok"}


def test_services_failing_at_their_last_check_make_it_degraded_not_unready(anonymous, settings):
    engine = ops_engine(settings.ops_database_url)
    record_dependency(engine, "make", False, "Make API: HTTP 503 after 4 attempts")
    record_dependency(engine, "n8n", True)
    facebook = create_social_account(
        engine,
        platform="facebook",
        name="Page",
        account_type="page",
        external_account_id="1",
        make_connection_id="c1",
    )["id"]
    cipher = CredentialCipher(new_key())
    store_credential(
        engine, cipher, facebook, access_token="t", refresh_token=None, expires_at=None, scopes=[]
    )
    mark_for_reconnection(engine, facebook, "the credential expired: reconnect the account")
    create_social_account(
        engine,
        platform="tiktok",
        name="TikTok",
        account_type="business",
        external_account_id="2",
        make_connection_id="c2",
    )
    with engine.begin() as connection:
        connection.execute(
            insert(platform_circuits).values(
                platform="tiktok",
                consecutive_failures=5,
                open_until=utcnow() + timedelta(minutes=5),
                last_error="scenario answered 503",
                updated_at=utcnow(),
            )
        )

    answer = anonymous.get("/health/ready")

    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "degraded"
    states = {name: state["state"] for name, state in body["dependencies"].items()}
    assert states == {
        "make": "failing",
        "n8n": "ok",
        "graph": "unknown",
        "smtp": "unknown",
        "sms": "unknown",
        "facebook": "degraded",
        "tiktok": "failing",
    }
    assert "HTTP 503" in body["dependencies"]["make"]["detail"]
    assert "1 account(s) to reconnect" in body["dependencies"]["facebook"]["detail"]
    assert "scenario answered 503" in body["dependencies"]["tiktok"]["detail"]


def test_a_warehouse_that_cannot_be_read_is_503(anonymous, settings, request):
    if settings.backend == "embedded":
        settings.warehouse_path.write_bytes(b"this is not a DuckDB file" * 100)
    else:
        url = make_url(settings.postgres_url.get_secret_value())
        server = create_engine(
            request.getfixturevalue("postgres_server"), isolation_level="AUTOCOMMIT"
        )
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
        server.dispose()

    answer = anonymous.get("/health/ready")

    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"
    assert answer.json()["checks"]["warehouse"]["ok"] is False
    assert answer.json()["checks"]["warehouse"]["detail"]
    assert anonymous.get("/health").status_code == 200

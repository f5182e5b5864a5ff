"""An account's read credential entered through the API, on both backends: stored encrypted,
never in an answer, the audit log or the access log; only admins; bad input is a 422 naming the
field and stores nothing."""

from __future__ import annotations

import logging
import os

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from support.api import api_client, key_headers

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.cms.credential_cipher import CredentialCipher
from mediaflow_dagster.cms.credentials import read_credentials
from mediaflow_dagster.cms.database import ops_engine
from mediaflow_dagster.cms.schema import account_credentials, audit_log

TOKEN = "EAAGpagetoken0123456789"
REFRESH = "refresh-0123456789"


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def admin(app, settings) -> TestClient:
    return api_client(settings, app=app)


@pytest.fixture
def account_id(admin) -> int:
    return admin.post(
        "/api/social-accounts",
        json={
            "platform": "facebook",
            "name": "Bistro",
            "account_type": "page",
            "external_account_id": "1001",
            "make_connection_id": "conn-1",
            "make_scenario_id": "scn-1",
            "make_webhook_url": "https://hook.eu1.make.com/abc",
        },
    ).json()["id"]


def credential_body(**changes) -> dict:
    return {
        "access_token": TOKEN,
        "refresh_token": REFRESH,
        "expires_at": "2027-01-31T10:00:00+01:00",
        "scopes": ["read_insights", "pages_read_engagement"],
    } | changes


def test_an_admin_enters_a_credential_that_is_kept_encrypted_and_never_shown(
    admin, settings, account_id, caplog
):
    caplog.set_level(logging.DEBUG)

    entered = admin.put(f"/api/social-accounts/{account_id}/credential", json=credential_body())
    shown = admin.get(f"/api/social-accounts/{account_id}/credential")

    assert entered.status_code == 200
    assert shown.json() == entered.json()
    assert shown.json()["expires_at"] == "2027-01-31T09:00:00Z"
    assert shown.json()["scopes"] == ["pages_read_engagement", "read_insights"]
    assert shown.json()["refreshable"] is True
    engine = ops_engine(settings.ops_database_url)
    with engine.begin() as connection:
        stored = str(connection.execute(select(account_credentials)).all())
        audited = connection.execute(select(audit_log)).all()
    everything_seen = (
        entered.text
        + shown.text
        + stored
        + str(audited)
        + caplog.text
        + admin.get(f"/api/social-accounts/{account_id}").text
        + admin.get("/api/admin/audit").text
    )
    assert TOKEN not in everything_seen and REFRESH not in everything_seen
    assert audited[-1].target == f"/api/social-accounts/{account_id}/credential"
    cipher = CredentialCipher(os.environ["MEDIAFLOW_CREDENTIALS_KEYS"])
    assert read_credentials(engine, cipher)[("facebook", "1001")].access_token == TOKEN


def test_only_admins_enter_or_see_credentials(app, settings, account_id):
    editor = TestClient(app, headers=key_headers(settings, "editor"))

    assert (
        editor.put(
            f"/api/social-accounts/{account_id}/credential", json=credential_body()
        ).status_code
        == 403
    )
    assert editor.get(f"/api/social-accounts/{account_id}/credential").status_code == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"access_token": ""}, "access_token"),
        ({"access_token": "with space"}, "access_token"),
        ({"scopes": []}, "scopes"),
        ({"expires_at": "2027-01-31T10:00:00"}, "expires_at"),
        ({"password": "x"}, "password"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_stores_nothing(
    admin, settings, account_id, changes, field
):
    answer = admin.put(
        f"/api/social-accounts/{account_id}/credential", json=credential_body(**changes)
    )

    assert answer.status_code == 422
    assert [problem["field"] for problem in answer.json()["errors"]] == [field]
    assert TOKEN not in answer.text
    with ops_engine(settings.ops_database_url).begin() as connection:
        assert connection.execute(select(account_credentials)).all() == []


def test_an_unknown_account_or_one_without_a_credential_is_404(admin, account_id):
    assert (
        admin.put("/api/social-accounts/999/credential", json=credential_body()).status_code == 404
    )
    assert admin.get(f"/api/social-accounts/{account_id}/credential").status_code == 404

"""Who may do what through the API: credentials, scopes by role, wiring for admins only, Make
hook origins, API keys, the OAuth landing's state, CORS, the rate limit and the audit log. Every
refusal leaves the ops store as it was."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from support.api import api_client, key_headers
from support.stores import store_contents
from typer.testing import CliRunner

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.api.scopes import ROLE_SCOPES, ROLES
from mediaflow_dagster.cli import app as cli
from mediaflow_dagster.cms import accounts
from mediaflow_dagster.cms import campaigns as cms
from mediaflow_dagster.cms.schema import api_keys, approvals, audit_log
from mediaflow_dagster.settings import ApiSettings

SCOPE_OF: dict[tuple[str, str], str] = {
    ("GET", "/api/social-accounts"): "accounts:read",
    ("GET", "/api/social-accounts/{account_id}"): "accounts:read",
    ("POST", "/api/social-accounts"): "accounts:admin",
    ("POST", "/api/social-accounts/onboard"): "accounts:admin",
    ("POST", "/api/social-accounts/{account_id}/reconnect"): "accounts:admin",
    ("POST", "/api/social-accounts/{account_id}/revoke"): "accounts:admin",
    ("PUT", "/api/social-accounts/{account_id}/credential"): "accounts:admin",
    ("GET", "/api/social-accounts/{account_id}/credential"): "accounts:admin",
    ("GET", "/api/campaigns"): "campaigns:read",
    ("POST", "/api/campaigns"): "campaigns:write",
    ("GET", "/api/campaigns/{campaign_id}"): "campaigns:read",
    ("PATCH", "/api/campaigns/{campaign_id}"): "campaigns:write",
    ("DELETE", "/api/campaigns/{campaign_id}"): "campaigns:write",
    ("POST", "/api/campaigns/{campaign_id}/status"): "campaigns:write",
    ("PUT", "/api/campaigns/{campaign_id}/targets/{account_id}"): "campaigns:write",
    ("DELETE", "/api/campaigns/{campaign_id}/targets/{account_id}"): "campaigns:write",
    ("POST", "/api/campaigns/{campaign_id}/objects"): "campaigns:write",
    ("GET", "/api/campaigns/{campaign_id}/candidates"): "campaigns:read",
    ("POST", "/api/campaigns/{campaign_id}/candidates/{candidate_id}/pick"): "campaigns:write",
    ("GET", "/api/objects/{object_id}"): "campaigns:read",
    ("POST", "/api/objects/{object_id}/approve"): "objects:approve",
    ("POST", "/api/admin/keys"): "keys:admin",
    ("GET", "/api/admin/keys"): "keys:admin",
    ("POST", "/api/admin/keys/{key_id}/revoke"): "keys:admin",
    ("GET", "/api/admin/audit"): "audit:read",
    ("POST", "/api/webhooks/subscriptions"): "webhooks:admin",
    ("GET", "/api/webhooks/subscriptions"): "webhooks:admin",
    ("GET", "/api/webhooks/subscriptions/{subscription_id}"): "webhooks:admin",
    ("POST", "/api/webhooks/subscriptions/{subscription_id}/disable"): "webhooks:admin",
    ("POST", "/api/webhooks/subscriptions/{subscription_id}/enable"): "webhooks:admin",
    ("GET", "/api/webhooks/deliveries"): "webhooks:admin",
    ("POST", "/api/webhooks/deliveries/{delivery_id}/replay"): "webhooks:admin",
    ("POST", "/api/contacts"): "contacts:write",
    ("GET", "/api/contacts"): "contacts:read",
    ("GET", "/api/contacts/{contact_id}"): "contacts:read",
    ("POST", "/api/contacts/{contact_id}/consents"): "contacts:write",
    ("POST", "/api/contacts/{contact_id}/withdrawals"): "contacts:write",
    ("POST", "/api/contacts/imports"): "contacts:write",
    ("GET", "/api/contacts/imports/{import_id}"): "contacts:read",
    ("GET", "/api/suppressions"): "contacts:read",
    ("POST", "/api/suppressions"): "contacts:write",
    ("GET", "/api/communication/templates"): "campaigns:read",
    ("POST", "/api/communication/templates/{name}"): "notifications:send",
    ("POST", "/api/communication/templates/{name}/preview"): "notifications:send",
    ("POST", "/api/communication/notify"): "notifications:send",
    ("GET", "/api/communication/campaigns"): "campaigns:read",
    ("POST", "/api/communication/publish"): "objects:approve",
    ("GET", "/api/communication/campaigns/{campaign_id}/phases"): "campaigns:read",
    ("PUT", "/api/communication/campaigns/{campaign_id}/phases"): "campaigns:write",
    ("GET", "/api/communication/rules"): "campaigns:read",
    ("POST", "/api/communication/rules"): "automation:write",
    ("GET", "/api/communication/rules/{rule_id}"): "campaigns:read",
    ("PATCH", "/api/communication/rules/{rule_id}"): "automation:write",
    ("DELETE", "/api/communication/rules/{rule_id}"): "automation:write",
    ("GET", "/api/communication/rule-actions"): "campaigns:read",
    ("DELETE", "/api/contacts/{contact_id}"): "contacts:erase",
    ("GET", "/api/erasures/{erasure_id}"): "contacts:erase",
    ("GET", "/api/communication/notifications/{request_id}"): "notifications:send",
    ("GET", "/api/search"): "campaigns:read",
    ("GET", "/api/communication/analytics"): "analytics:read",
    ("GET", "/api/communication/status"): "metrics:read",
    ("GET", "/api/search/status"): "campaigns:read",
    ("GET", "/metrics"): "metrics:read",
    ("GET", "/api/campaigns/{campaign_id}/performance-thresholds"): "campaigns:read",
    ("POST", "/api/campaigns/{campaign_id}/performance-thresholds"): "campaigns:write",
    ("DELETE", "/api/campaigns/{campaign_id}/performance-thresholds/{threshold_id}"): (
        "campaigns:write"
    ),
    ("GET", "/api/campaigns/{campaign_id}/performance-alerts"): "campaigns:read",
    ("GET", "/api/campaigns/{campaign_id}/reports"): "analytics:read",
    ("GET", "/api/reports/{report_id}"): "analytics:read",
    ("GET", "/api/reports/{report_id}/pdf"): "analytics:read",
    ("POST", "/api/communication/menus"): "campaigns:write",
    ("GET", "/api/communication/menus"): "campaigns:read",
    ("GET", "/api/communication/menus/{menu_id}"): "campaigns:read",
    ("PUT", "/api/communication/menus/{menu_id}"): "campaigns:write",
    ("GET", "/api/communication/menus/{menu_id}/versions/{version}"): "campaigns:read",
    ("GET", "/api/communication/menus/{menu_id}/google-business-profile"): "campaigns:read",
}
OPEN = {
    ("GET", "/health"),
    ("GET", "/health/ready"),
    ("GET", "/api/social-accounts/{account_id}/connected"),
    ("POST", "/callbacks/n8n"),
    ("POST", "/callbacks/make"),
    ("POST", "/api/analytics"),
    ("POST", "/api/communication/webhook"),
    ("GET", "/api/communication/opt-in"),
    ("GET", "/api/communication/unsubscribe"),
    ("POST", "/api/communication/unsubscribe"),
    ("GET", "/api/communication/open.gif"),
    ("GET", "/api/communication/click"),
    ("GET", "/api/communication/visit/{code}"),
    ("POST", "/api/communication/sms/status"),
    ("POST", "/api/communication/sms/inbound"),
    ("GET", "/api/communication/menus/{menu_id}/website"),
}


def concrete(path: str) -> str:
    ids = ("account_id", "campaign_id", "candidate_id", "object_id", "key_id", "contact_id")
    more = ("import_id", "request_id", "subscription_id", "delivery_id", "threshold_id")
    more += ("report_id", "rule_id", "menu_id", "version")
    return path.format(**dict.fromkeys((*ids, *more), 1), name="menu_update", erasure_id=1)


def call(client: TestClient, method: str, path: str, **options: Any):
    if method in ("POST", "PUT", "PATCH"):
        options.setdefault("json", {})
    return client.request(method, concrete(path), **options)


def account_body(url: str = "https://hook.eu1.make.com/abc", external_id: str = "1001") -> dict:
    return {
        "platform": "facebook",
        "name": "Mediaflow Bistro",
        "account_type": "page",
        "external_account_id": external_id,
        "make_connection_id": "conn-1",
        "make_scenario_id": "scn-1",
        "make_webhook_url": url,
    }


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def anonymous(app) -> TestClient:
    return TestClient(app)


def test_every_operation_is_either_open_by_design_or_needs_a_named_scope(app):
    operations = {
        (method.upper(), path)
        for path, methods in app.openapi()["paths"].items()
        for method in methods
    }

    assert operations == set(SCOPE_OF) | OPEN


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="none"),
        pytest.param("Bearer mfk_0123456789ab_guessed", id="unknown key"),
        pytest.param("Bearer not-a-token", id="garbage"),
        pytest.param("Basic YWRtaW46YWRtaW4=", id="basic"),
    ],
)
def test_without_a_valid_credential_every_protected_route_is_401_and_changes_nothing(
    app, anonymous, engine, authorization
):
    before = store_contents(engine)
    headers = {"authorization": authorization} if authorization else {}

    answers = {
        (method, path): call(anonymous, method, path, headers=headers) for method, path in SCOPE_OF
    }

    assert {operation: answer.status_code for operation, answer in answers.items()} == {
        operation: 401 for operation in SCOPE_OF
    }
    assert all(a.headers["content-type"] == "application/problem+json" for a in answers.values())
    assert store_contents(engine) == before


def test_each_role_reaches_the_routes_of_its_scopes_and_gets_403_elsewhere(app, settings, engine):
    before = store_contents(engine)
    refused, admitted = {}, {}
    for role in ROLES:
        client = TestClient(app, headers=key_headers(settings, role, name=role))
        for (method, path), scope in SCOPE_OF.items():
            if method != "GET" and scope in ROLE_SCOPES[role]:
                continue  # what a role may change is shown by the tests of each change
            status = call(client, method, path).status_code
            (admitted if scope in ROLE_SCOPES[role] else refused)[(role, method, path)] = status

    assert set(refused.values()) == {403}
    assert not {401, 403} & set(admitted.values())
    assert {role for role, *_ in refused} == {"analyst", "editor", "approver"}
    after = store_contents(engine)
    assert changes_beyond_reads(after) == changes_beyond_reads(before)


def changes_beyond_reads(contents: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The stores without the keys and without the audit of reads of personal data."""
    return {
        name: [row for row in rows if not (name == "audit_log" and row["method"] == "GET")]
        for name, rows in contents.items()
        if name != "api_keys"
    }


def test_an_approval_records_who_is_signed_in_and_refuses_a_name_in_the_body(
    app, settings, engine, campaign_id
):
    content = cms.create_object(
        engine, campaign_id=campaign_id, object_type="text", title="Post", sources=[], config={}
    )
    cms.transition_object(engine, content["id"], "generating")
    cms.transition_object(engine, content["id"], "ready")
    approver = TestClient(app, headers=key_headers(settings, "approver", name="ana"))

    named = approver.post(f"/api/objects/{content['id']}/approve", json={"approved_by": "bob"})
    approved = approver.post(f"/api/objects/{content['id']}/approve", json={})

    assert named.status_code == 422
    assert [problem["field"] for problem in named.json()["errors"]] == ["approved_by"]
    assert approved.status_code == 200, approved.text
    with engine.connect() as connection:
        assert connection.execute(select(approvals.c.approved_by)).scalars().all() == ["key:ana"]


def test_make_wiring_is_shown_to_admins_only(app, settings):
    admin = api_client(settings, app=app)
    analyst = api_client(settings, "analyst", app=app)
    created = admin.post("/api/social-accounts", json=account_body())

    as_admin = admin.get("/api/social-accounts").json()["items"][0]
    as_analyst = analyst.get("/api/social-accounts").json()["items"][0]

    assert created.status_code == 201, created.text
    assert as_admin["wiring"]["make_webhook_url"] == "https://hook.eu1.make.com/abc"
    assert as_analyst["wiring"] is None
    assert "make_webhook_url" not in str(as_analyst)
    assert analyst.post("/api/social-accounts", json=account_body("x")).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://evil.example.com/hook", id="another host"),
        pytest.param("https://hook.eu1.make.com.evil.example/abc", id="a look-alike host"),
        pytest.param("http://hook.eu1.make.com/abc", id="plain http"),
        pytest.param("https://user:pass@hook.eu1.make.com/abc", id="a user in the URL"),
        pytest.param("https://hook.eu1.make.com:8443/abc", id="another port"),
        pytest.param("https://203.0.113.7/abc", id="an IP literal"),
        pytest.param("http://127.0.0.1:8100/make/hook/x", id="loopback"),
        pytest.param("http://169.254.169.254/latest/meta-data", id="link-local metadata"),
        pytest.param("http://10.0.0.8/hook", id="a private address"),
    ],
)
def test_a_webhook_url_off_the_make_hook_origins_is_refused_and_nothing_is_stored(
    app, settings, engine, url
):
    before = store_contents(engine)

    response = api_client(settings, app=app).post("/api/social-accounts", json=account_body(url))

    assert response.status_code == 422
    assert [problem["field"] for problem in response.json()["errors"]] == ["make_webhook_url"]
    after = store_contents(engine)
    assert after["social_accounts"] == before["social_accounts"] == []
    assert after["audit_log"] == []


def test_a_configured_hook_origin_is_accepted(settings, in_environment):
    in_environment(
        {"MEDIAFLOW_MAKE_HOOK_ORIGINS": "https://hook.eu1.make.com, http://127.0.0.1:8100"}
    )

    response = api_client(settings).post(
        "/api/social-accounts", json=account_body("http://127.0.0.1:8100/make/hook/x")
    )

    assert response.status_code == 201, response.text


def test_an_api_key_is_shown_once_and_kept_only_as_its_prefix_and_hash(app, settings, engine):
    admin = api_client(settings, app=app)

    issued = admin.post("/api/admin/keys", json={"name": "ci", "scopes": ["campaigns:read"]})
    listed = admin.get("/api/admin/keys").json()["items"]

    assert issued.status_code == 201, issued.text
    key = issued.json()["key"]
    assert key.startswith(f"mfk_{issued.json()['prefix']}_")
    assert all("key" not in row for row in listed)
    assert key not in str(store_contents(engine))
    with engine.connect() as connection:
        stored = connection.execute(
            select(api_keys).where(api_keys.c.prefix == issued.json()["prefix"])
        ).one()
    assert stored.secret_hash != key and len(stored.secret_hash) == 64
    reader = TestClient(app, headers={"authorization": f"Bearer {key}"})
    assert reader.get("/api/campaigns").status_code == 200
    assert reader.post("/api/campaigns", json={}).status_code == 403


def test_a_revoked_or_expired_key_is_refused(app, settings, engine):
    admin = api_client(settings, app=app)
    issued = admin.post("/api/admin/keys", json={"name": "ci", "scopes": ["campaigns:read"]})
    key = TestClient(app, headers={"authorization": f"Bearer {issued.json()['key']}"})
    assert key.get("/api/campaigns").status_code == 200

    revoked = admin.post(f"/api/admin/keys/{issued.json()['id']}/revoke")
    after_revocation = key.get("/api/campaigns")
    expiring = admin.post("/api/admin/keys", json={"name": "old", "scopes": ["campaigns:read"]})
    with engine.begin() as connection:
        connection.execute(
            api_keys.update()
            .where(api_keys.c.id == expiring.json()["id"])
            .values(expires_at=datetime(2020, 1, 1))
        )
    expired = TestClient(app, headers={"authorization": f"Bearer {expiring.json()['key']}"})

    assert revoked.json()["revoked_at"] is not None
    assert after_revocation.status_code == 401
    assert expired.get("/api/campaigns").status_code == 401


def test_a_key_cannot_outlive_the_configured_maximum(app, settings):
    response = api_client(settings, app=app).post(
        "/api/admin/keys", json={"name": "ci", "scopes": ["campaigns:read"], "expires_in_days": 400}
    )

    assert response.status_code == 422
    assert [problem["field"] for problem in response.json()["errors"]] == ["expires_in_days"]


def test_the_keys_command_makes_lists_and_revokes_keys(app, settings):
    runner = CliRunner()

    made = runner.invoke(cli, ["keys", "create", "--name", "ci", "--role", "analyst"])
    listed = runner.invoke(cli, ["keys", "list"])
    key = made.stdout.strip()
    client = TestClient(app, headers={"authorization": f"Bearer {key}"})
    before_revocation = client.get("/api/campaigns").status_code
    revoked = runner.invoke(cli, ["keys", "revoke", listed.stdout.split("\t")[0]])

    assert made.exit_code == 0, made.output
    assert key.startswith("mfk_")
    assert "campaigns:read" in listed.stdout and key not in listed.stdout
    assert before_revocation == 200
    assert revoked.exit_code == 0
    assert client.get("/api/campaigns").status_code == 401


def test_every_change_is_audited_with_who_and_which_credential_and_refusals_only_logged(
    app, settings, engine, caplog
):
    editor = TestClient(app, headers=key_headers(settings, "editor", name="studio"))
    created = editor.post(
        "/api/campaigns",
        json={"name": "X", "budget": "10.00", "start_date": "2026-11-01", "end_date": "2026-11-30"},
    )
    caplog.set_level(logging.WARNING, logger="mediaflow.api.access")
    editor.post("/api/social-accounts", json=account_body())
    TestClient(app).post("/api/campaigns", json={})
    editor.post(f"/api/campaigns/{created.json()['id']}/status", json={"status": "completed"})

    entries = api_client(settings, app=app).get("/api/admin/audit").json()["items"]

    assert [(e["actor"], e["method"], e["route"], e["target"], e["status"]) for e in entries] == [
        ("key:studio", "POST", "/api/campaigns", f"/api/campaigns/{created.json()['id']}", 201)
    ]
    assert entries[0]["credential"].startswith("api-key:")
    assert "mfk_" not in str(store_contents(engine)["audit_log"])
    refusals = [record.getMessage() for record in caplog.records]
    assert any("403" in message and "accounts:admin" in message for message in refusals)
    assert any("401" in message for message in refusals)
    assert not any("mfk_" in message for message in refusals)


def test_past_the_rate_limit_a_key_gets_429_with_retry_after_and_others_go_on(
    settings, in_environment
):
    in_environment({"MEDIAFLOW_RATE_LIMIT": "3/minute"})
    app = create_app(settings)
    busy, other = api_client(settings, app=app), api_client(settings, app=app)

    answers = [busy.get("/api/campaigns") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
    assert other.get("/api/campaigns").status_code == 200


def test_cors_admits_only_allowlisted_origins_and_a_foreign_write_changes_nothing(
    settings, engine, in_environment
):
    in_environment({"MEDIAFLOW_CORS_ORIGINS": "https://cms.example.com"})
    app = create_app(settings)
    client = api_client(settings, app=app)
    preflight = {"access-control-request-method": "POST"}
    before = store_contents(engine)

    allowed = client.options(
        "/api/campaigns", headers={"origin": "https://cms.example.com"} | preflight
    )
    foreign = client.options(
        "/api/campaigns", headers={"origin": "https://evil.example"} | preflight
    )
    plain_form = client.post(
        "/api/campaigns",
        content=b'{"name": "x"}',
        headers={"origin": "https://evil.example", "content-type": "text/plain"},
    )
    json_write = client.post(
        "/api/social-accounts", json=account_body(), headers={"origin": "https://evil.example"}
    )

    assert allowed.headers["access-control-allow-origin"] == "https://cms.example.com"
    assert "access-control-allow-origin" not in foreign.headers
    assert (plain_form.status_code, json_write.status_code) == (403, 403)
    assert store_contents(engine) == before
    same_site = client.post(
        "/api/social-accounts", json=account_body(), headers={"origin": "https://cms.example.com"}
    )
    assert same_site.status_code == 201


@pytest.fixture
def awaiting(app, engine) -> tuple[dict, str]:
    """A pending account and the state its landing waits for."""
    account = accounts.create_social_account(
        engine,
        platform="facebook",
        name="Mediaflow Bistro",
        account_type="page",
        external_account_id="1001",
        make_connection_id="1",
        status="pending",
    )
    state, state_id = app.state.context.landing_state(account["id"])
    accounts.await_authorization(engine, account["id"], state_id)
    return account, state


def test_the_oauth_landing_takes_its_signed_state_once(anonymous, engine, awaiting):
    account, state = awaiting

    first = anonymous.get(
        f"/api/social-accounts/{account['id']}/connected", params={"state": state}
    )
    again = anonymous.get(
        f"/api/social-accounts/{account['id']}/connected", params={"state": state}
    )

    assert first.status_code == 200, first.text
    assert again.status_code == 403
    assert accounts.get_social_account(engine, account["id"])["authorized_at"] is not None
    with engine.connect() as connection:
        [entry] = connection.execute(select(audit_log)).all()
    assert entry.actor == "make-oauth-landing"


def forged(state: str, key: str | None = None, **changes: Any) -> str:
    """The awaited `state` with `changes` to its claims, signed again (with `key`, or the API's
    own state key, as only someone holding it could)."""
    claims = jwt.decode(state, options={"verify_signature": False}) | changes
    key = key or ApiSettings.load().oauth_state_key.get_secret_value()
    return jwt.encode(claims, key, algorithm="HS256")


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda state: None, id="missing"),
        pytest.param(lambda state: state[:-4] + "AAAA", id="tampered"),
        pytest.param(lambda state: forged(state, key="k" * 32), id="signed with another key"),
        pytest.param(lambda state: forged(state, jti="forged"), id="not the awaited state"),
        pytest.param(
            lambda state: forged(state, exp=int(datetime.now(UTC).timestamp()) - 60), id="expired"
        ),
        pytest.param(lambda state: forged(state, sub="999"), id="for another account"),
        pytest.param(lambda state: forged(state, aud="elsewhere"), id="for another use"),
    ],
)
def test_the_oauth_landing_without_its_state_changes_nothing(anonymous, engine, awaiting, tamper):
    account, state = awaiting
    before = store_contents(engine)
    chosen = tamper(state)

    response = anonymous.get(
        f"/api/social-accounts/{account['id']}/connected",
        params={"state": chosen} if chosen else {},
    )

    assert response.status_code in (403, 422)
    assert store_contents(engine) == before

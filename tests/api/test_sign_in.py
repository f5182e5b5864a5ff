"""People sign in with Entra ID (the sandbox's Microsoft login plays it): the API takes their
access tokens, checked against the issuer's published keys (signature, issuer, audience, expiry,
not-before; keys fetched again when the issuer rotates them), and their app roles decide what
they may do."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from starlette.testclient import TestClient
from support.stores import store_contents

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.cms import campaigns as cms
from mediaflow_dagster.cms.schema import approvals, audit_log

CAMPAIGN = {"name": "X", "budget": "10.00", "start_date": "2026-11-01", "end_date": "2026-11-30"}


@pytest.fixture
def app(sandbox, aimed):
    return create_app(aimed)


def signed_in(app, token: str) -> TestClient:
    return TestClient(app, headers={"authorization": f"Bearer {token}"})


def test_a_signed_in_editor_creates_a_campaign_audited_under_their_name(app, sandbox, engine):
    editor = signed_in(app, sandbox.sign_in("ana@mediaflow.example", "editor"))

    created = editor.post("/api/campaigns", json=CAMPAIGN)

    assert created.status_code == 201, created.text
    with engine.connect() as connection:
        [entry] = connection.execute(select(audit_log)).all()
    assert entry.actor == "user:ana@mediaflow.example"
    assert entry.credential.startswith("oidc:")


def test_a_signed_in_approver_is_recorded_as_the_approver(app, sandbox, engine, campaign_id):
    content = cms.create_object(
        engine, campaign_id=campaign_id, object_type="text", title="Post", sources=[], config={}
    )
    cms.transition_object(engine, content["id"], "generating")
    cms.transition_object(engine, content["id"], "ready")
    approver = signed_in(app, sandbox.sign_in("marc@mediaflow.example", "approver"))

    assert approver.post(f"/api/objects/{content['id']}/approve").status_code == 200
    with engine.connect() as connection:
        recorded = connection.execute(select(approvals.c.approved_by)).scalars().all()
    assert recorded == ["user:marc@mediaflow.example"]


def test_roles_decide_and_a_role_mediaflow_does_not_know_grants_nothing(app, sandbox):
    analyst = signed_in(app, sandbox.sign_in("lea@mediaflow.example", "analyst"))
    stranger = signed_in(app, sandbox.sign_in("tom@mediaflow.example", "Global.Admin"))

    assert analyst.get("/api/campaigns").status_code == 200
    assert analyst.post("/api/campaigns", json=CAMPAIGN).status_code == 403
    assert stranger.get("/api/campaigns").status_code == 403


def _foreign_key_token(sandbox) -> str:
    """A token like the tenant's, signed with a key the tenant never published."""
    genuine = jwt.decode(
        sandbox.sign_in("eve@mediaflow.example", "admin"), options={"verify_signature": False}
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(genuine, key, algorithm="RS256", headers={"kid": "not-published"})


def _symmetric_token(sandbox) -> str:
    """The tenant's claims signed HS256 under the tenant's key id (the algorithm-confusion
    attack, where the public key serves as an HMAC secret): only RS256 is taken."""
    genuine = sandbox.sign_in("eve@mediaflow.example", "admin")
    header = jwt.get_unverified_header(genuine)
    claims = jwt.decode(genuine, options={"verify_signature": False})
    secret = "the tenant's public key, as anyone may fetch it"
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": header["kid"]})


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda s: s.sign_in("eve@x", "admin", audience="api://other"), id="audience"),
        pytest.param(lambda s: s.sign_in("eve@x", "admin", lifetime_seconds=-120), id="expired"),
        pytest.param(lambda s: s.sign_in("eve@x", "admin", not_before_seconds=600), id="not yet"),
        pytest.param(_foreign_key_token, id="unpublished key"),
        pytest.param(_symmetric_token, id="HS256 with the public key"),
        pytest.param(lambda s: s.sign_in("eve@x", "admin")[:-6] + "AAAAAA", id="signature"),
    ],
)
def test_a_token_that_does_not_hold_gets_401_and_changes_nothing(app, sandbox, engine, token):
    before = store_contents(engine)

    response = signed_in(app, token(sandbox)).post("/api/campaigns", json=CAMPAIGN)

    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert store_contents(engine) == before


def test_a_token_of_another_issuer_gets_401(sandbox, aimed, in_environment):
    in_environment({"MEDIAFLOW_OIDC_ISSUER": "https://login.microsoftonline.com/other/v2.0"})
    app = create_app(aimed)

    response = signed_in(app, sandbox.sign_in("eve@x", "admin")).get("/api/campaigns")

    assert response.status_code == 401
    assert "issuer" in response.json()["detail"].lower()


def test_after_the_issuer_rotates_its_key_new_tokens_are_taken_at_once(
    sandbox, aimed, in_environment
):
    in_environment({"MEDIAFLOW_OIDC_KEYS_COOLDOWN_SECONDS": "0"})  # no 30 s wait between fetches
    app = create_app(aimed)
    before = signed_in(app, sandbox.sign_in("ana@mediaflow.example", "analyst"))
    assert before.get("/api/campaigns").status_code == 200

    sandbox.rotate_signing_key()
    after = signed_in(app, sandbox.sign_in("ana@mediaflow.example", "analyst"))

    assert after.get("/api/campaigns").status_code == 200
    assert before.get("/api/campaigns").status_code == 200

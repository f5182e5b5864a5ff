"""The sandbox's per-account platform tokens: each reads its own account only, expires on the
simulated clock, can be revoked, and refreshes at its platform's token endpoint with the
application's client (TikTok's `client_key`), a refresh token being good once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mediaflow_sandbox.account_tokens import CLIENT_ID_FIELDS, TOKEN_PATHS, AccountTokens
from mediaflow_sandbox.clock import SimulatedClock

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
CLIENTS = {platform: (f"{platform}-client", f"{platform}-secret") for platform in TOKEN_PATHS}


@pytest.fixture
def clock() -> SimulatedClock:
    clock = SimulatedClock()
    clock.freeze_at(NOW)
    return clock


@pytest.fixture
def tokens(clock) -> AccountTokens:
    return AccountTokens(clock, {"facebook": "app-wide"}, CLIENTS)


def refresh(tokens: AccountTokens, platform: str, refresh_token: str, secret: str | None = None):
    client_id, client_secret = CLIENTS[platform]
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        CLIENT_ID_FIELDS.get(platform, "client_id"): client_id,
        "client_secret": secret or client_secret,
    }
    with TestClient(Starlette(routes=tokens.routes())) as client:
        return client.post(TOKEN_PATHS[platform], data=form)


def test_a_token_reads_its_own_account_and_the_app_wide_one_reads_every_account(tokens):
    issued = tokens.issue("facebook", "page-1")

    access = tokens.access("facebook", issued["access_token"])

    assert access.reads("page-1") and not access.reads("page-2")
    assert tokens.access("facebook", "app-wide").reads("page-2")
    assert tokens.access("instagram", issued["access_token"]).refusal == "invalid"
    assert "refresh_token" not in issued  # Meta's page tokens do not refresh


def test_expiry_revocation_and_a_missing_scope_are_told_apart(tokens, clock):
    expiring = tokens.issue("x", "1", lifetime_seconds=60)
    revoked = tokens.issue("x", "1")
    narrow = tokens.issue("x", "1", scopes=["users.read"])
    tokens.change(revoked["access_token"], "revoke")
    clock.freeze_at(NOW + timedelta(minutes=2))

    assert tokens.access("x", expiring["access_token"]).refusal == "expired"
    assert tokens.access("x", revoked["access_token"]).refusal == "revoked"
    assert tokens.access("x", narrow["access_token"]).refusal == "scope"


@pytest.mark.parametrize("platform", sorted(TOKEN_PATHS))
def test_each_platform_refreshes_once_per_refresh_token_with_its_client(tokens, platform):
    issued = tokens.issue(platform, "account-1", lifetime_seconds=60)

    wrong_client = refresh(tokens, platform, issued["refresh_token"], secret="guessed")
    refreshed = refresh(tokens, platform, issued["refresh_token"])
    replayed = refresh(tokens, platform, issued["refresh_token"])

    assert wrong_client.status_code == 401 and wrong_client.json()["error"] == "invalid_client"
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["access_token"] != issued["access_token"] and new["expires_in"] == 3600
    assert tokens.access(platform, new["access_token"]).reads("account-1")
    assert tokens.access(platform, issued["access_token"]).refusal == "invalid"
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"

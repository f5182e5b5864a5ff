"""`mediaflow credentials`, on both backends: the upgrade path from one token per platform to a
credential per account, and key rotation."""

from __future__ import annotations

import os

from cryptography.fernet import Fernet
from typer.testing import CliRunner

from mediaflow_dagster.cli import app
from mediaflow_dagster.cms.accounts import create_social_account
from mediaflow_dagster.cms.credential_cipher import CredentialCipher
from mediaflow_dagster.cms.credentials import credential_state, read_credentials

runner = CliRunner()


def account(engine, platform: str, external_id: str) -> int:
    return create_social_account(
        engine,
        platform=platform,
        name=f"{platform} {external_id}",
        account_type="page" if platform == "facebook" else "profile",
        external_account_id=external_id,
        make_connection_id=f"conn-{external_id}",
    )["id"]


def test_import_gives_each_account_its_platform_s_old_token_with_the_insights_scope(
    engine, in_environment, monkeypatch
):
    pages = [account(engine, "facebook", "1"), account(engine, "facebook", "2")]
    profile = account(engine, "x", "3")
    in_environment({"MEDIAFLOW_FACEBOOK_ACCESS_TOKEN": "old-page-token"})
    monkeypatch.delenv("MEDIAFLOW_X_BEARER_TOKEN", raising=False)

    result = runner.invoke(app, ["credentials", "import"])

    assert result.exit_code == 0, result.output
    assert "old-page-token" not in result.output
    cipher = CredentialCipher(os.environ["MEDIAFLOW_CREDENTIALS_KEYS"])
    stored = read_credentials(engine, cipher)
    assert {key: value.access_token for key, value in stored.items()} == {
        ("facebook", "1"): "old-page-token",
        ("facebook", "2"): "old-page-token",
    }
    assert credential_state(engine, pages[0])["scopes"] == ["read_insights"]
    assert credential_state(engine, profile) is None
    again = runner.invoke(app, ["credentials", "import"])
    assert "0 account(s)" in again.output


def test_a_new_key_first_then_rotate_lets_the_old_key_go(engine, in_environment):
    page = account(engine, "facebook", "1")
    old_key = os.environ["MEDIAFLOW_CREDENTIALS_KEYS"]
    in_environment({"MEDIAFLOW_FACEBOOK_ACCESS_TOKEN": "page-token"})
    runner.invoke(app, ["credentials", "import"])

    new_key = runner.invoke(app, ["credentials", "new-key"]).output.strip()
    Fernet(new_key)
    in_environment({"MEDIAFLOW_CREDENTIALS_KEYS": f"{new_key},{old_key}"})
    rotated = runner.invoke(app, ["credentials", "rotate"])

    assert rotated.exit_code == 0 and "1 credential(s) re-encrypted" in rotated.output
    stored = read_credentials(engine, CredentialCipher(new_key))
    assert stored[("facebook", "1")].access_token == "page-token"
    assert credential_state(engine, page) is not None


def test_a_key_setting_that_is_not_a_fernet_key_stops_with_the_fix(engine, in_environment):
    in_environment({"MEDIAFLOW_CREDENTIALS_KEYS": "secret"})

    result = runner.invoke(app, ["credentials", "rotate"])

    assert result.exit_code == 2
    assert "credentials new-key" in result.output

"""Secrets stay secret: no process starts without one, and none reaches what the Dagster UI
shows. (The demo's logs and run metadata are checked by the end-to-end test.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster._core.remote_representation.external_data import RepositorySnap
from dagster._serdes import serialize_value

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.cms.credentials import PLATFORM_TOKEN_SETTINGS
from mediaflow_dagster.definitions import CONFIGURED_FROM_ENVIRONMENT, defs
from mediaflow_dagster.resources.configuration import require_environment
from mediaflow_dagster.settings import CallbackSecrets, MissingSetting
from mediaflow_sandbox.settings import Credentials

ROOT = Path(__file__).resolve().parents[2]
SECRET_VARIABLES = [f"MEDIAFLOW_{name.upper()}" for name in Credentials.model_fields]


def environment_without(*variables: str) -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in variables}


def test_the_code_location_does_not_load_without_a_secret_and_names_it():
    dg = Path(sys.executable).with_name("dg")
    result = subprocess.run(
        [dg, "check", "defs"],
        cwd=ROOT,
        env=environment_without("MEDIAFLOW_CREDENTIALS_KEYS", "MEDIAFLOW_MAKE_API_TOKEN"),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "MEDIAFLOW_CREDENTIALS_KEYS, MEDIAFLOW_MAKE_API_TOKEN are not set" in output


def test_the_api_does_not_start_without_a_callback_secret_and_names_it(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mediaflow_dagster.cli", "api"],
        env=environment_without("MEDIAFLOW_N8N_CALLBACK_SECRET")
        | {"MEDIAFLOW_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 2
    assert "MEDIAFLOW_N8N_CALLBACK_SECRET is not set" in result.stderr


def test_every_missing_variable_is_named_at_once(monkeypatch):
    monkeypatch.delenv("MEDIAFLOW_N8N_CALLBACK_SECRET")
    monkeypatch.delenv("MEDIAFLOW_MAKE_CALLBACK_SECRET")

    with pytest.raises(MissingSetting) as missing:
        require_environment(*CONFIGURED_FROM_ENVIRONMENT, environ={})
    with pytest.raises(MissingSetting) as missing_callback_secrets:
        CallbackSecrets.load()

    assert set(missing.value.variables) >= {
        "MEDIAFLOW_MAKE_API_TOKEN",
        "MEDIAFLOW_MICROSOFT_CLIENT_SECRET",
        "MEDIAFLOW_CREDENTIALS_KEYS",
        "MEDIAFLOW_X_CLIENT_SECRET",
        "MEDIAFLOW_N8N_API_KEY",
    }
    assert missing_callback_secrets.value.variables == [
        "MEDIAFLOW_N8N_CALLBACK_SECRET",
        "MEDIAFLOW_MAKE_CALLBACK_SECRET",
    ]


def test_the_platforms_single_tokens_are_no_longer_settings_of_the_product():
    """Each account has its own credential in the ops store; `mediaflow credentials import`
    is what still reads these variables."""
    with pytest.raises(MissingSetting) as raised:
        require_environment(*CONFIGURED_FROM_ENVIRONMENT, environ={})
    missing = set(raised.value.variables)

    assert not missing & {
        f"MEDIAFLOW_{setting.upper()}" for setting in PLATFORM_TOKEN_SETTINGS.values()
    }


def test_the_api_names_every_missing_secret_at_once(monkeypatch, settings):
    monkeypatch.delenv("MEDIAFLOW_OAUTH_STATE_KEY")
    monkeypatch.delenv("MEDIAFLOW_MAKE_CALLBACK_SECRET")

    with pytest.raises(MissingSetting) as missing:
        create_app(settings)

    assert missing.value.variables == [
        "MEDIAFLOW_OAUTH_STATE_KEY",
        "MEDIAFLOW_MAKE_CALLBACK_SECRET",
    ]


def test_the_ui_shows_secrets_by_their_variable_never_by_value():
    shown = serialize_value(RepositorySnap.from_def(defs().get_repository_def()))

    for variable in (
        "MEDIAFLOW_MAKE_API_TOKEN",
        "MEDIAFLOW_MICROSOFT_CLIENT_SECRET",
        "MEDIAFLOW_CREDENTIALS_KEYS",
    ):
        assert f'{{\\"env\\": \\"{variable}\\"}}' in shown
    leaked = [name for name in SECRET_VARIABLES if os.environ[name] in shown]
    assert leaked == []

"""`MEDIAFLOW_LOG_FORMAT=json`: every line of the API process and of a run (formatted as the
production instance formats them) is one JSON object with time, level, logger and message, the
run, campaign and publication where known, and never a secret of the environment nor an
e-mail address."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import httpx
import yaml
from dagster import asset, instance_for_test, materialize
from pydantic import SecretStr
from sqlalchemy import make_url
from support.api import key_headers

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.logs import REDACTED, JsonFormatter
from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.processes import background_service, free_local_ports, settings_environment
from mediaflow_sandbox.settings import Credentials

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
FIELDS = {"time", "level", "logger", "message"}
CONTACT = "jeanne.martin@example.org"


def environment_secrets() -> list[str]:
    """Every secret this test session's environment holds (random values, conftest.py)."""
    return [os.environ[f"MEDIAFLOW_{name.upper()}"] for name in Credentials.model_fields]


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = [line for line in text.splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]
    assert all(set(event) >= FIELDS for event in events)
    return events


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [secret for secret in [*secrets, CONTACT] if secret in text]


def test_an_api_session_logs_json_lines_without_secrets_queries_or_addresses(
    tmp_path: Path, postgres_database: str
):
    settings = Settings(
        backend="postgres", home=tmp_path, postgres_url=SecretStr(postgres_database)
    )
    create_app(settings)
    headers = key_headers(settings, "admin")
    (port,) = free_local_ports(1)
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "api.log"
    environment = settings_environment(settings) | {
        "MEDIAFLOW_API_PORT": str(port),
        "MEDIAFLOW_LOG_FORMAT": "json",
    }
    secret = os.environ["MEDIAFLOW_MAKE_API_TOKEN"]

    with (
        background_service(
            "mediaflow_dagster.cli", "api", environment, f"{base}/health", log_path=log
        ),
        httpx.Client(base_url=base, timeout=10) as client,
    ):
        client.get("/api/campaigns", headers=headers)
        client.get("/api/campaigns", headers={"authorization": f"Bearer {secret}"})
        client.get(f"/api/communication/unsubscribe?token={secret}&email={CONTACT}")
        client.post("/callbacks/make", json={"email": CONTACT, "token": secret})
        client.post("/api/campaigns", headers={**headers, "origin": "https://elsewhere.example"})

    text = log.read_text()
    events = json_lines(text)
    assert {event["logger"] for event in events} >= {"uvicorn.access", "mediaflow.api.access"}
    assert any(event.get("path") == "/api/communication/unsubscribe" for event in events)
    password = make_url(postgres_database).password
    assert leaks(text, [*environment_secrets(), *([password] if password else [])]) == []
    assert "?token=" not in text


def test_a_runs_events_are_json_lines_with_the_run_and_campaign_and_no_secret(capfd):
    python_logs = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())["python_logs"]
    token = os.environ["MEDIAFLOW_FACEBOOK_ACCESS_TOKEN"]

    @asset
    def careless_asset(context) -> None:
        context.log.info(f"calling the Graph API with {token} for {CONTACT}")
        logging.getLogger("mediaflow.publishing").info(
            "published", extra={"campaign_id": 7, "publication_id": 41}
        )

    with instance_for_test(overrides={"python_logs": python_logs}) as instance:
        result = materialize([careless_asset], instance=instance)

    text = capfd.readouterr().out
    events = [event for event in json_lines(text) if event.get("run_id") == result.run_id]
    assert result.success
    assert any(event.get("step") == "careless_asset" for event in events)
    published = [event for event in events if event["message"] == "published"]
    assert published[0]["campaign_id"] == 7 and published[0]["publication_id"] == 41
    assert any(REDACTED in event["message"] for event in events)
    assert leaks(text, environment_secrets()) == []


def test_a_formatted_line_leaves_out_every_secret_variable_and_the_database_password(
    monkeypatch,
):
    monkeypatch.setenv("MEDIAFLOW_POSTGRES_URL", "postgresql://mediaflow:s3cret-pass-word@db/x")
    formatter = JsonFormatter()
    secrets = [*environment_secrets(), "s3cret-pass-word"]
    record = logging.LogRecord(
        "mediaflow.test", logging.ERROR, __file__, 1, "%s", (" ".join(secrets),), None
    )

    event = json.loads(formatter.format(record))

    assert leaks(json.dumps(event), secrets) == []
    assert event["level"] == "error" and event["logger"] == "mediaflow.test"

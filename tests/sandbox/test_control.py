"""The control API: the simulated clock, fault injection, and the settings that aim clients."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.sharepoint import SharePoint
from mediaflow_sandbox.control import (
    SandboxControl,
    client_environment,
    make_hook_url,
)
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.settings import SandboxSettings

FROZEN_AT = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def real_time_and_no_faults(sandbox: SandboxControl) -> Iterator[None]:
    yield
    sandbox.set_clock(None)
    sandbox.clear_faults()


@pytest.fixture
def youtube_videos(sandbox_settings: SandboxSettings) -> str:
    return f"{client_environment(sandbox_settings)['MEDIAFLOW_YOUTUBE_DATA_URL']}/videos"


def test_client_environment_points_every_client_at_the_sandbox(tmp_path: Path) -> None:
    sandbox = SandboxSettings(home=tmp_path / "sandbox", port=9100, tls_port=9101)

    environment = client_environment(sandbox)

    addresses = {name: value for name, value in environment.items() if "://" in value}
    assert addresses == {
        "MEDIAFLOW_N8N_WEBHOOK_BASE_URL": "http://127.0.0.1:9100/n8n/webhook",
        "MEDIAFLOW_MICROSOFT_AUTHORITY": "https://127.0.0.1:9101/mediaflow-tenant",
        "MEDIAFLOW_GRAPH_BASE_URL": "http://127.0.0.1:9100/graph/v1.0",
        "MEDIAFLOW_FACEBOOK_GRAPH_URL": "http://127.0.0.1:9100/facebook/v24.0",
        "MEDIAFLOW_INSTAGRAM_GRAPH_URL": "http://127.0.0.1:9100/instagram/v24.0",
        "MEDIAFLOW_YOUTUBE_DATA_URL": "http://127.0.0.1:9100/youtube/v3",
        "MEDIAFLOW_YOUTUBE_ANALYTICS_URL": "http://127.0.0.1:9100/youtube-analytics/v2",
        "MEDIAFLOW_LINKEDIN_API_URL": "http://127.0.0.1:9100/linkedin/rest",
        "MEDIAFLOW_TIKTOK_API_URL": "http://127.0.0.1:9100/tiktok/v2",
        "MEDIAFLOW_X_API_URL": "http://127.0.0.1:9100/x/2",
        "MEDIAFLOW_X_TOKEN_URL": "http://127.0.0.1:9100/x/2/oauth2/token",
        "MEDIAFLOW_TIKTOK_TOKEN_URL": "http://127.0.0.1:9100/tiktok/v2/oauth/token/",
        "MEDIAFLOW_LINKEDIN_TOKEN_URL": "http://127.0.0.1:9100/linkedin/oauth/v2/accessToken",
        "MEDIAFLOW_GOOGLE_TOKEN_URL": "http://127.0.0.1:9100/google/token",
        "MEDIAFLOW_MAKE_API_URL": "http://127.0.0.1:9100/make/api/v2",
        "MEDIAFLOW_MAKE_AUTHORIZE_URL": (
            "http://127.0.0.1:9100/make/oauth/connections/{connection_id}/authorize"
        ),
        "MEDIAFLOW_MODEL_API_URL": "http://127.0.0.1:9100/openai/v1",
        "MEDIAFLOW_UNSPLASH_API_URL": "http://127.0.0.1:9100/unsplash",
        "MEDIAFLOW_PEXELS_API_URL": "http://127.0.0.1:9100/pexels/v1",
        "MEDIAFLOW_CONTENT_FEED_URLS": (
            '["http://127.0.0.1:9100/feeds/marketing-trends.xml", '
            '"http://127.0.0.1:9100/feeds/food-and-drink.xml"]'
        ),
        "MEDIAFLOW_OIDC_ISSUER": "https://127.0.0.1:9101/mediaflow-tenant/v2.0",
        "MEDIAFLOW_OIDC_AUDIENCE": "api://mediaflow-api",
        "MEDIAFLOW_OIDC_JWKS_URL": "https://127.0.0.1:9101/mediaflow-tenant/discovery/v2.0/keys",
        "MEDIAFLOW_MAKE_HOOK_ORIGINS": (
            '["https://hook.eu1.make.com", "https://hook.eu2.make.com", '
            '"https://hook.us1.make.com", "https://hook.us2.make.com", "http://127.0.0.1:9100"]'
        ),
    }
    assert environment["MEDIAFLOW_MICROSOFT_INSTANCE_DISCOVERY"] == "false"
    assert environment["MEDIAFLOW_CA_BUNDLE"] == str(tmp_path.resolve() / "sandbox" / "ca.pem")
    assert make_hook_url(sandbox, "abc123") == "http://127.0.0.1:9100/make/hook/abc123"


def test_the_sandbox_hands_out_credentials_of_its_own_kept_with_it(tmp_path: Path) -> None:
    sandbox = SandboxSettings(home=tmp_path / "sandbox")
    credentials = sandbox.credentials()

    environment = client_environment(sandbox)

    assert environment["MEDIAFLOW_MAKE_API_TOKEN"] == credentials.make_api_token
    assert environment["MEDIAFLOW_N8N_CALLBACK_SECRET"].startswith("whsec_")
    assert SandboxSettings(home=tmp_path / "sandbox").credentials() == credentials
    assert SandboxSettings(home=tmp_path / "other").credentials() != credentials
    assert (tmp_path / "sandbox" / "credentials.json").stat().st_mode & 0o077 == 0


def test_the_environment_configures_the_resources_it_aims(tmp_path: Path) -> None:
    environment = client_environment(SandboxSettings(home=tmp_path / "sandbox", port=9100))

    sharepoint = client_from_environment(SharePoint, environment)

    assert sharepoint.microsoft_instance_discovery is False
    assert sharepoint.ca_bundle == str(tmp_path.resolve() / "sandbox" / "ca.pem")
    assert sharepoint.graph_base_url == "http://127.0.0.1:9100/graph/v1.0"


def test_the_clock_freezes_and_every_response_is_dated_by_it(
    sandbox: SandboxControl, sandbox_settings: SandboxSettings
) -> None:
    assert sandbox.set_clock(FROZEN_AT) == FROZEN_AT
    time.sleep(1.1)

    answer = httpx.get(f"http://127.0.0.1:{sandbox_settings.port}/_sandbox/health")

    assert sandbox.clock() == FROZEN_AT
    assert parsedate_to_datetime(answer.headers["date"]) == FROZEN_AT


def test_a_naive_instant_is_taken_as_utc(sandbox: SandboxControl) -> None:
    assert sandbox.set_clock(FROZEN_AT.replace(tzinfo=None)) == FROZEN_AT


def test_the_clock_returns_to_real_time(sandbox: SandboxControl) -> None:
    sandbox.set_clock(FROZEN_AT)

    back = sandbox.set_clock(None)

    assert abs(back - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_certain_error_answers_with_the_configured_status(
    sandbox: SandboxControl, youtube_videos: str
) -> None:
    sandbox.set_faults(FaultRule(path_prefix="/youtube/", error_rate=1.0, error_status=503))

    assert httpx.get(youtube_videos).status_code == 503
    assert sandbox.health() == {"status": "ok"}

    sandbox.clear_faults()
    assert httpx.get(youtube_videos).status_code != 503


def test_too_many_requests_carries_retry_after(
    sandbox: SandboxControl, youtube_videos: str
) -> None:
    sandbox.set_faults(
        FaultRule(path_prefix="/youtube/", error_rate=1.0, error_status=429, retry_after=2)
    )

    answer = httpx.get(youtube_videos)

    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "2"


def test_a_429_without_a_configured_delay_still_says_when_to_retry(
    sandbox: SandboxControl, youtube_videos: str
) -> None:
    sandbox.set_faults(FaultRule(path_prefix="/youtube/", error_rate=1.0, error_status=429))

    assert httpx.get(youtube_videos).headers["retry-after"].isdigit()


def test_errors_drawn_from_the_same_seed_repeat(
    sandbox: SandboxControl, youtube_videos: str
) -> None:
    rule = FaultRule(path_prefix="/youtube/", error_rate=0.5, error_status=503)

    runs = []
    for _ in range(2):
        sandbox.set_faults(rule, seed=7)
        runs.append([httpx.get(youtube_videos).status_code for _ in range(12)])

    assert runs[0] == runs[1]
    assert 503 in runs[0]
    assert any(status != 503 for status in runs[0])


def test_latency_delays_the_answer(sandbox: SandboxControl, youtube_videos: str) -> None:
    sandbox.set_faults(FaultRule(path_prefix="/youtube/", latency_ms=300))

    started = time.monotonic()
    httpx.get(youtube_videos)

    assert time.monotonic() - started >= 0.3


@pytest.mark.usefixtures("sandbox")
def test_a_malformed_fault_plan_is_refused(sandbox_settings: SandboxSettings) -> None:
    answer = httpx.post(
        f"http://127.0.0.1:{sandbox_settings.port}/_sandbox/faults",
        json={"rules": [{"error_rate": 2}]},
    )

    assert answer.status_code == 400

"""The shipped `collect-insights` workflow run by a real n8n: it reads Facebook posts' counters
from the sandbox's Graph API with n8n's own token and posts them, signed, to a real mediaflow
API's `/api/analytics`, which keeps them for the next collection run; on both backends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from support.published import publish_everywhere

from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.cms.insights import unlanded_readings
from mediaflow_dagster.resources.n8n_api import N8nApi
from mediaflow_sandbox.control import client_environment, running_sandbox
from mediaflow_sandbox.n8n_server import N8nNotInstalled, n8n_command, running_n8n
from mediaflow_sandbox.processes import background_service, free_local_ports, settings_environment
from mediaflow_sandbox.settings import SandboxSettings

PUBLISHED_AT = datetime(2026, 11, 20, 8, 20, tzinfo=UTC)
READ_AT = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def n8n_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    try:
        n8n_command()
    except N8nNotInstalled as error:
        if os.environ.get("CI"):
            pytest.fail(str(error))
        pytest.skip(str(error))
    port, tls_port = free_local_ports(2)
    home = tmp_path_factory.mktemp("n8n-insights")
    sandbox = SandboxSettings(home=home / "sandbox", port=port, tls_port=tls_port)
    environment = client_environment(sandbox) | {
        "MEDIAFLOW_N8N_FACEBOOK_ACCESS_TOKEN": sandbox.credentials().facebook_access_token
    }
    with running_sandbox(sandbox) as control, running_n8n(environment, home / "n8n") as n8n:
        N8nApi(n8n_api_url=n8n.api_url, n8n_api_key=n8n.api_key).deploy()
        yield sandbox, control, n8n


@pytest.fixture
def api_url(settings, n8n_stack) -> Iterator[str]:
    sandbox, _, _ = n8n_stack
    port = free_local_ports(1)[0]
    environment = (
        settings_environment(settings)
        | client_environment(sandbox)
        | {"MEDIAFLOW_API_PORT": str(port), "MEDIAFLOW_PUBLIC_API_URL": f"http://127.0.0.1:{port}"}
    )
    url = f"http://127.0.0.1:{port}"
    with background_service("mediaflow_dagster.cli", "api", environment, f"{url}/health"):
        yield url


def flattened(metrics: dict) -> dict:
    """Counts by type as Graph's readings name them: `<metric>.<type>`."""
    flat = {}
    for name, value in metrics.items():
        if isinstance(value, dict):
            flat |= {f"{name}.{key}": count for key, count in value.items()}
        else:
            flat[name] = value
    return flat


def collect(n8n, order: dict) -> httpx.Response:
    return httpx.post(f"{n8n.webhook_base_url}/collect-insights", json=order, timeout=60)


def test_n8n_reads_facebook_and_mediaflow_keeps_the_signed_readings(settings, n8n_stack, api_url):
    _, control, n8n = n8n_stack
    engine = ops_engine(settings.ops_database_url)
    migrate(engine)
    control.clear_faults()
    control.set_clock(PUBLISHED_AT)
    posts = publish_everywhere(engine, control, PUBLISHED_AT)
    control.set_clock(READ_AT)
    facebook = next(post for post in posts if post["platform"] == "facebook")

    answer = collect(
        n8n,
        {
            "platform": "facebook",
            "external_post_ids": [facebook["external_id"], "104857600123456_404"],
            "analytics_url": f"{api_url}/api/analytics",
        },
    )

    assert answer.status_code == 200, answer.text
    summary = answer.json()
    assert [batch["status"] for batch in summary["batches"]] == [202]
    assert [post["external_post_id"] for post in summary["unread"]] == ["104857600123456_404"]
    stored = {reading["metric"]: reading for reading in unlanded_readings(engine)}
    truth = next(
        post["metrics"]
        for post in control.ground_truth()["posts"]
        if post["external_id"] == facebook["external_id"]
    )
    assert {metric: reading["value"] for metric, reading in stored.items()} == flattened(truth)
    assert {reading["collected_at"] for reading in stored.values()} == {
        READ_AT.replace(tzinfo=None)
    }
    assert {reading["api_version"] for reading in stored.values()} == {"v24.0"}


def test_an_order_without_posts_is_refused_and_nothing_is_posted(settings, n8n_stack, api_url):
    _, _, n8n = n8n_stack
    engine = ops_engine(settings.ops_database_url)
    migrate(engine)

    answer = collect(n8n, {"platform": "facebook", "analytics_url": f"{api_url}/api/analytics"})

    assert "external_post_ids" in answer.json()["problem"]
    assert unlanded_readings(engine) == []

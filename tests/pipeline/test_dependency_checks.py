"""The heartbeat keeps each external service's last known state, which `/health/ready` and
`GET /api/communication/status` report: Make, n8n, Graph and the SMS provider from a cheap call
to each on the sandbox, the mail server from a session opened on the sandbox's real SMTP server;
a service down is failing with its reason, scrubbed of URLs. Both backends."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from dagster import DagsterInstance, materialize
from starlette.testclient import TestClient

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.assets.heartbeats import dependency_heartbeat
from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.definitions import build_resources
from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.addresses import GRAPH_PREFIX, MAKE_API_PREFIX, SMS_PREFIX
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.processes import free_local_ports
from mediaflow_sandbox.smtp import MailServer

RESOURCES = ("ops_store", "make_api", "n8n_api", "sharepoint", "smtp", "sms")
SERVICES = ("make", "n8n", "graph", "smtp", "sms")


@pytest.fixture
def watched(aimed, sandbox_settings, in_environment) -> Iterator[Settings]:
    """`aimed`, with a mail server taking the sandbox's SMTP credentials under the sandbox's
    own CA (the one `MEDIAFLOW_CA_BUNDLE` names for every client)."""
    [port] = free_local_ports(1)
    with MailServer(
        "127.0.0.1", port, "mediaflow", os.environ["MEDIAFLOW_SMTP_PASSWORD"], sandbox_settings.home
    ):
        in_environment({"MEDIAFLOW_SMTP_HOST": "127.0.0.1", "MEDIAFLOW_SMTP_PORT": str(port)})
        migrate(ops_engine(aimed.ops_database_url))
        yield aimed


def beat(settings) -> None:
    resources = build_resources(settings)
    result = materialize(
        [dependency_heartbeat],
        resources={key: resources[key] for key in RESOURCES},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success


def dependencies(settings) -> dict:
    return TestClient(create_app(settings)).get("/health/ready").json()["dependencies"]


def test_every_service_answering_is_ok(watched, sandbox):
    sandbox.clear_faults()
    beat(watched)

    states = dependencies(watched)

    assert {service: states[service]["state"] for service in SERVICES} == dict.fromkeys(
        SERVICES, "ok"
    )


def test_services_down_at_the_heartbeat_are_failing_with_the_reason(watched, sandbox):
    sandbox.set_faults(
        FaultRule(path_prefix=MAKE_API_PREFIX, error_status=503, error_rate=1.0),
        FaultRule(path_prefix=GRAPH_PREFIX, error_status=503, error_rate=1.0),
        FaultRule(path_prefix=SMS_PREFIX, error_status=503, error_rate=1.0),
    )
    try:
        beat(watched)
    finally:
        sandbox.clear_faults()

    states = dependencies(watched)

    for service in ("make", "graph", "sms"):
        assert states[service]["state"] == "failing" and "503" in states[service]["detail"]
        assert "/…" in states[service]["detail"] or "://" not in states[service]["detail"]
    assert states["n8n"]["state"] == "ok" and states["smtp"]["state"] == "ok"
    assert TestClient(create_app(watched)).get("/health/ready").json()["status"] == "degraded"

"""The account checks keep each external service's last known state, which `/health/ready`
reports: Make from testing the accounts' connections, n8n and Graph from a call to each, against
the sandbox on both backends."""

from __future__ import annotations

from dagster import DagsterInstance, materialize
from starlette.testclient import TestClient

from mediaflow_dagster.api.app import create_app
from mediaflow_dagster.assets.accounts import social_accounts
from mediaflow_dagster.cms.accounts import create_social_account
from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.definitions import build_resources
from mediaflow_sandbox.addresses import GRAPH_PREFIX, MAKE_API_PREFIX
from mediaflow_sandbox.faults import FaultRule

RESOURCES = ("ops_store", "make_api", "n8n_api", "sharepoint")


def check_accounts(aimed) -> None:
    resources = build_resources(aimed)
    result = materialize(
        [social_accounts],
        resources={key: resources[key] for key in RESOURCES},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success


def dependencies(aimed) -> dict:
    return TestClient(create_app(aimed)).get("/health/ready").json()["dependencies"]


def test_every_service_answering_is_ok(aimed, sandbox):
    engine = ops_engine(aimed.ops_database_url)
    migrate(engine)
    sandbox.clear_faults()
    check_accounts(aimed)

    states = dependencies(aimed)

    assert states["n8n"]["state"] == "ok" and states["graph"]["state"] == "ok"
    assert states["make"]["state"] == "unknown"  # no account to test a connection of yet


def test_make_and_graph_down_at_the_check_are_reported_failing_with_the_reason(aimed, sandbox):
    engine = ops_engine(aimed.ops_database_url)
    migrate(engine)
    create_social_account(
        engine,
        platform="facebook",
        name="Page",
        account_type="page",
        external_account_id="1",
        make_connection_id="1",
        make_scenario_id="1",
    )
    sandbox.set_faults(
        FaultRule(path_prefix=MAKE_API_PREFIX, error_status=503, error_rate=1.0),
        FaultRule(path_prefix=GRAPH_PREFIX, error_status=503, error_rate=1.0),
    )
    try:
        check_accounts(aimed)
    finally:
        sandbox.clear_faults()

    states = dependencies(aimed)

    assert states["make"]["state"] == "failing" and "503" in states["make"]["detail"]
    assert states["graph"]["state"] == "failing" and "503" in states["graph"]["detail"]
    assert states["n8n"]["state"] == "ok"
    assert TestClient(create_app(aimed)).get("/health/ready").json()["status"] == "degraded"

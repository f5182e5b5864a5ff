"""The whole chain, as the demo runs it: sandbox, API and Dagster's code server, daemon and
webserver as real processes, runs launched by the daemon's sensors and a backfill, dbt on the
backend's warehouse, and marts that equal the sandbox's ground truth; no secret in its logs or its
runs."""

from pathlib import Path

import pytest
from dagster import DagsterInstance
from dagster._serdes import serialize_value
from rich.console import Console
from support.dagster_ui import read_dagster_ui

from mediaflow_dagster.cms.credential_cipher import CredentialCipher
from mediaflow_dagster.cms.credentials import read_credentials
from mediaflow_dagster.cms.database import ops_engine
from mediaflow_sandbox.demo import _demo_settings, run_demo
from mediaflow_sandbox.settings import SandboxSettings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
"""Screenshots of what the tests saw, kept for people to look at (not in git)."""


@pytest.mark.slow
def test_one_campaign_goes_from_creation_to_marts_that_equal_the_ground_truth(stack_settings):
    ui = {}
    screenshots = ARTIFACTS / f"dagster-ui-{stack_settings.backend}"

    def read_ui(demo):
        ui["reading"] = read_dagster_ui(demo.chain.ui_url, screenshots)
        ui["analytics"] = figures_through_the_api(demo)

    report = run_demo(stack_settings, hours=3, console=Console(quiet=True), while_up=read_ui)

    performance = report.performance.set_index("platform")
    assert list(performance.index) == [
        "facebook",
        "instagram",
        "youtube",
        "linkedin",
        "tiktok",
        "x",
    ]
    assert (performance["impressions"] > 0).all()
    assert (performance["engagements"] > 0).all()
    assert performance["posts_published"].to_dict() == {
        "facebook": 6,
        "instagram": 2,
        "youtube": 1,
        "linkedin": 3,
        "tiktok": 1,
        "x": 3,
    }
    assert performance.loc[["youtube", "tiktok", "x"], "reach"].isna().all()
    assert report.matches_ground_truth, report.expected
    for platform, figures in ui["analytics"].items():
        for figure in ("posts_published", "impressions", "engagements"):
            assert figures[figure] == performance.loc[platform, figure], (platform, figure)
    assert launched_by(stack_settings.dagster_home) >= {"n8n_callbacks", "approvals", "backfill"}
    reading = ui["reading"]
    assert reading.timeline_shows_runs
    assert {"insights_job", "warehouse_job"} <= set(reading.timeline_jobs)
    assert reading.mart_preview_rows > 0
    assert reading.mart_plot_shown
    assert reading.failed_checks == []
    secrets = SandboxSettings(home=stack_settings.home / "sandbox").credentials().model_dump()
    secrets |= read_tokens(stack_settings, secrets["credentials_keys"])
    assert len({name for name in secrets if name.startswith("facebook:")}) == 2
    assert secrets_in_logs(stack_settings.home / "logs", secrets.values()) == []
    assert secrets_in_runs(stack_settings.dagster_home, secrets.values()) == []


def figures_through_the_api(demo) -> dict[str, dict]:
    """The campaign's figures per platform over its whole window, as editors read them from
    `GET /api/communication/analytics`."""
    [campaign] = demo.cms.get("/api/campaigns").json()["items"]
    answer = demo.cms.get(
        "/api/communication/analytics",
        params={
            "campaign_id": campaign["id"],
            "start": campaign["start_date"],
            "end": campaign["end_date"],
        },
    )
    assert answer.status_code == 200, answer.text
    [figures] = answer.json()["items"]
    return {platform["platform"]: platform["current"] for platform in figures["platforms"]}


def read_tokens(stack_settings, keys: str) -> dict[str, str]:
    """Every account's read token the demo entered, by platform and account."""
    engine = ops_engine(_demo_settings(stack_settings).ops_database_url)
    try:
        stored = read_credentials(engine, CredentialCipher(keys))
    finally:
        engine.dispose()
    return {f"{platform}:{account}": c.access_token for (platform, account), c in stored.items()}


def secrets_in_logs(folder, secrets) -> list[str]:
    logs = {path.name: path.read_text(errors="replace") for path in folder.glob("*.log")}
    assert {
        "api.log",
        "sandbox.log",
        "dagster-code-server.log",
        "dagster-daemon.log",
        "dagster-webserver.log",
    } <= logs.keys()
    return [name for name, text in logs.items() for secret in secrets if secret in text]


def secrets_in_runs(dagster_home, secrets) -> list[str]:
    """Every event of every run (messages, metadata, step outputs) the Dagster UI shows."""
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs()
        assert runs
        return [
            run.run_id
            for run in runs
            for secret in secrets
            if secret in serialize_value(instance.all_logs(run.run_id))
            or secret in serialize_value(run)
        ]


def launched_by(dagster_home) -> set[str]:
    """What launched the demo's runs: sensors by name, and backfills."""
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        return {
            "backfill" if "dagster/backfill" in run.tags else run.tags.get("dagster/sensor_name")
            for run in instance.get_runs()
        }

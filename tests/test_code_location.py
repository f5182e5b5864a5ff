"""The code location loads the way `dagster dev -w workspace.yaml` loads it."""

import subprocess
import sys
from pathlib import Path

from mediaflow_dagster.definitions import defs

ROOT = Path(__file__).resolve().parent.parent


def test_dagster_validates_the_workspace():
    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [dagster, "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_link_of_the_chain_is_an_asset_in_its_group():
    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}

    assert groups["content_generation_requests"] == "content"
    assert groups["campaign_media"] == "content"
    assert groups["social_accounts"] == "accounts"
    assert groups["publication_plans"] == "publishing"
    assert groups["publication_requests"] == "publishing"
    assert groups["publications"] == "publishing"
    assert groups["raw/post_insight_snapshots"] == "insights"
    assert groups["raw/campaigns"] == "warehouse"
    assert groups["staging/stg_platforms__post_insight_snapshots"] == "staging"
    assert groups["marts/campaign_performance__daily"] == "marts"
    assert groups["marts/campaign_performance__summary"] == "marts"


def test_sensors_and_schedules_run_unattended_by_default():
    sensors = {sensor.name for sensor in defs.sensors}
    schedules = {schedule.name for schedule in defs.schedules}

    assert sensors == {
        "n8n_callbacks",
        "approvals",
        "make_callbacks",
        "publication_timers",
        "generation_timers",
        "account_setup",
    }
    assert {"insights_job_schedule", "accounts_job_schedule"} <= schedules

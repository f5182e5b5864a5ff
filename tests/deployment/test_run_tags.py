"""The run queue's tag limits (deploy/dagster.yaml, the Helm values) and the tags the runs
carry name the same tags: a limit on a tag no run sets holds nothing, and a tag no limit names
lets its runs through unbounded."""

from __future__ import annotations

from pathlib import Path

import yaml

from mediaflow_dagster.cms.schema import PLATFORMS
from mediaflow_dagster.definitions import JOBS
from mediaflow_dagster.run_tags import platform_tags

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def instance_limits() -> dict[str, int]:
    config = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    limits = config["concurrency"]["runs"]["tag_concurrency_limits"]
    return {limit["key"]: limit["limit"] for limit in limits}


def tags_runs_carry() -> set[str]:
    """The tags of the jobs' definitions, and those the publishing sensors give a campaign's
    run (one per platform it publishes to: every platform, over every campaign)."""
    of_jobs = {key for job in JOBS for key in job.tags or {} if key.startswith("mediaflow")}
    return of_jobs | set(platform_tags(PLATFORMS))


def test_every_tag_limit_names_a_tag_runs_carry_and_every_such_tag_has_a_limit():
    assert set(instance_limits()) == tags_runs_carry()


def test_each_platform_takes_two_runs_at_once_and_the_warehouse_build_one():
    limits = instance_limits()

    assert limits.pop("mediaflow/warehouse") == 1
    assert set(limits.values()) == {2}


def test_the_helm_values_set_the_instance_s_limits():
    values = yaml.safe_load((DEPLOY / "helm-values.yaml").read_text())
    queue = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]

    assert {
        limit["key"]: limit["limit"] for limit in queue["tagConcurrencyLimits"]
    } == instance_limits()


def test_the_insights_run_holds_a_place_of_each_platform_it_reads():
    insights = next(job for job in JOBS if job.name == "insights_job")
    warehouse = next(job for job in JOBS if job.name == "warehouse_job")

    assert set(insights.tags) == {
        f"mediaflow.platform/{platform}"
        for platform in ("facebook", "instagram", "youtube", "linkedin", "tiktok", "x")
    }
    assert warehouse.tags == {"mediaflow/warehouse": "true"}

"""The dbt project as Dagster sees it. Its manifest is prepared at build time
(`dagster-dbt project prepare-and-package --file mediaflow_dagster/dbt_project.py`); under
`dagster dev` it is prepared again on load, but only when a file of the project is newer than it:
every run and step process of `dagster dev` loads this module, and a `dbt parse` each costs
seconds and rewrites the manifest under the others' feet."""

import json
from pathlib import Path

from dagster import TimeWindow
from dagster_dbt import DbtProject

PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
SOURCES = ("dbt_project.yml", "models", "macros", "seeds", "tests")
HOURLY_MODELS = "+tag:hourly"
"""The incremental fact that reads the raw snapshots and the views it reads them through:
partitioned by hour in Dagster, like the collection."""
RAW_AUDIT_TESTS = "tag:raw_audit"
"""Tests that scan the whole raw snapshot table: `dbt build --selector raw_audit`, not hourly."""
DBT_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

dbt_project = DbtProject(project_dir=PROJECT_DIR)


def incremental_window_vars(window: TimeWindow) -> dict[str, str]:
    """The dbt vars of an incremental build of the partitions in `window`: redo every hour
    from the first one's on (from an older one when those partitions landed older snapshots,
    see fct_post_hourly), naive UTC."""
    return {"window_start": window.start.replace(tzinfo=None).strftime(DBT_TIMESTAMP_FORMAT)}


def dbt_build_args(window: TimeWindow | None) -> list[str]:
    """The `dbt build` of a Dagster run: of the partitions in `window` when it has one, whole
    otherwise. What it builds comes from the assets' selection, added by dagster-dbt."""
    if window is None:
        return ["build"]
    return ["build", "--vars", json.dumps(incremental_window_vars(window))]


def _manifest_is_stale() -> bool:
    if not dbt_project.manifest_path.exists():
        return True
    built = dbt_project.manifest_path.stat().st_mtime
    return any(
        path.stat().st_mtime > built
        for source in SOURCES
        for path in [PROJECT_DIR / source, *(PROJECT_DIR / source).rglob("*")]
        if path.exists()
    )


if _manifest_is_stale():
    dbt_project.prepare_if_dev()

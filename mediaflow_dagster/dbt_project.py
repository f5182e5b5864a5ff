"""The dbt project as Dagster sees it. Its manifest is prepared at build time
(`dagster-dbt project prepare-and-package --file mediaflow_dagster/dbt_project.py`); under
`dagster dev` it is prepared again on load, but only when a file of the project is newer than it:
every run and step process of `dagster dev` loads this module, and a `dbt parse` each costs
seconds and rewrites the manifest under the others' feet."""

from pathlib import Path

from dagster_dbt import DbtProject

PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
SOURCES = ("dbt_project.yml", "models", "macros", "seeds", "tests")

dbt_project = DbtProject(project_dir=PROJECT_DIR)


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

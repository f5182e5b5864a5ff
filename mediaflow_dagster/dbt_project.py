"""The dbt project as Dagster sees it. Its manifest is prepared at build time
(`dagster-dbt project prepare-and-package --file mediaflow_dagster/dbt_project.py`), or on load
under `dagster dev`."""

from pathlib import Path

from dagster_dbt import DbtProject

dbt_project = DbtProject(project_dir=Path(__file__).resolve().parent.parent / "dbt_project")
dbt_project.prepare_if_dev()

"""The dashboards' bundle made from dashboards.yml and the dbt manifest: the datasets carry the
dbt descriptions, the charts' queries name the datasets' metrics, and the dbt exposures name
the dashboards at their URLs."""

import io
import json
import zipfile

import pytest
import yaml

from mediaflow_dagster.bi.bundle import (
    MartsDatabase,
    bundle,
    dashboard_slugs,
    dashboard_url,
    dashboards_spec,
)
from mediaflow_dagster.dbt_project import dbt_project
from mediaflow_dagster.settings import SupersetSettings

DATABASES = [
    MartsDatabase("embedded", "duckdb:////srv/bi_marts.duckdb?access_mode=read_only"),
    MartsDatabase("postgres", "postgresql+psycopg2://bi@127.0.0.1/mediaflow"),
]


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_project.manifest_path.read_text())


def bundled(databases, manifest) -> dict[str, dict]:
    with zipfile.ZipFile(io.BytesIO(bundle(databases, manifest))) as archive:
        return {
            name.partition("/")[2]: yaml.safe_load(archive.read(name))
            for name in archive.namelist()
        }


def test_each_dataset_carries_its_marts_dbt_descriptions(manifest):
    files = bundled(DATABASES[:1], manifest)
    models = {node["name"]: node for node in manifest["nodes"].values()}

    datasets = [content for name, content in files.items() if name.startswith("datasets/")]

    assert {dataset["table_name"] for dataset in datasets} == set(dashboards_spec()["datasets"])
    for dataset in datasets:
        model = models[dataset["table_name"]]
        assert dataset["description"] == model["description"]
        described = {column["column_name"]: column["description"] for column in dataset["columns"]}
        assert described == {name: spec["description"] for name, spec in model["columns"].items()}
        assert all(described.values())
        assert all(metric["description"] for metric in dataset["metrics"])


def test_each_chart_asks_for_metrics_its_dataset_defines(manifest):
    files = bundled(DATABASES[:1], manifest)
    datasets = {
        content["uuid"]: {metric["metric_name"] for metric in content["metrics"]}
        for name, content in files.items()
        if name.startswith("datasets/")
    }

    charts = [content for name, content in files.items() if name.startswith("charts/")]

    assert len(charts) == sum(len(d["charts"]) for d in dashboards_spec()["dashboards"])
    for chart in charts:
        (query,) = json.loads(chart["query_context"])["queries"]
        assert set(query["metrics"]) <= datasets[chart["dataset_uuid"]], chart["slice_name"]


def test_both_backends_dashboards_sit_side_by_side_under_their_own_slugs(manifest):
    files = bundled(DATABASES, manifest)

    dashboards = [content for name, content in files.items() if name.startswith("dashboards/")]

    assert len(dashboards) == 2 * len(dashboards_spec()["dashboards"])
    assert len({dashboard["uuid"] for dashboard in dashboards}) == len(dashboards)
    assert {dashboard["slug"] for dashboard in dashboards} == set(
        dashboard_slugs(DATABASES).values()
    )
    assert "campaign-performance-postgres" in dashboard_slugs(DATABASES).values()


def test_the_dbt_exposures_name_the_dashboards_at_their_urls(manifest, monkeypatch):
    monkeypatch.setenv("MEDIAFLOW_SUPERSET_ADMIN_PASSWORD", "unused")
    monkeypatch.setenv("MEDIAFLOW_SUPERSET_SECRET_KEY", "unused")
    monkeypatch.delenv("MEDIAFLOW_SUPERSET_URL", raising=False)
    superset_url = SupersetSettings().superset_url
    exposures = {exposure["label"]: exposure for exposure in manifest["exposures"].values()}

    for dashboard in dashboards_spec()["dashboards"]:
        exposure = exposures[dashboard["title"]]
        assert exposure["type"] == "dashboard"
        assert exposure["url"] == dashboard_url(superset_url, dashboard["slug"])
        assert exposure["depends_on"]["nodes"] == [f"model.mediaflow.{dashboard['dataset']}"]
    assert len(exposures) == len(dashboards_spec()["dashboards"])

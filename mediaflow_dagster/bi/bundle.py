"""Superset's import bundle of the dashboards over the marts, made from `dashboards.yml` and the
dbt manifest: a database per warehouse given, a dataset per mart (its dbt description and its
columns' on every column and metric), the charts (each with the query Superset's chart data
API runs for it) and the dashboards with their native filters.

Every object's UUID is derived from its name, so importing the bundle again updates what the
previous import made instead of adding copies.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mediaflow_dagster.settings import Backend

SPEC_PATH = Path(__file__).with_name("dashboards.yml")
MARTS_SCHEMA = "marts"
BUNDLE_VERSION = "1.0.0"
NAMESPACE = uuid.UUID("5d1c7d35-4c0e-4b8e-9f0a-6d9b1f2a7e11")
BACKEND_LABELS = {"embedded": "DuckDB", "postgres": "PostgreSQL"}
VIZ_TYPES = {"table": "table", "line": "echarts_timeseries_line", "bar": "echarts_timeseries_bar"}
ROW_LIMIT = 10_000
CHARTS_PER_ROW = 2
GRID_COLUMNS = 12
CHART_HEIGHT = 50


@dataclass(frozen=True)
class MartsDatabase:
    """A warehouse's marts as Superset reaches them; `sqlalchemy_uri` may hold a password: it
    goes into the bundle Superset imports, never into a log."""

    backend: Backend
    sqlalchemy_uri: str

    @property
    def name(self) -> str:
        return f"mediaflow marts ({BACKEND_LABELS[self.backend]})"


@cache
def dashboards_spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


def dashboard_url(superset_url: str, slug: str) -> str:
    return f"{superset_url.rstrip('/')}/superset/dashboard/{slug}/"


def dashboard_slugs(databases: list[MartsDatabase]) -> dict[tuple[Backend, str], str]:
    """Each dashboard's slug by (backend, title): the spec's own with one warehouse, the
    backend's name after it with several (their dashboards side by side in one Superset)."""
    several = len(databases) > 1
    return {
        (database.backend, dashboard["title"]): dashboard["slug"]
        + (f"-{database.backend}" if several else "")
        for database in databases
        for dashboard in dashboards_spec()["dashboards"]
    }


def bundle(databases: list[MartsDatabase], manifest: dict[str, Any]) -> bytes:
    """The ZIP Superset's `import-dashboards` takes, for `databases` and the dbt `manifest`."""
    spec = dashboards_spec()
    models = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    slugs = dashboard_slugs(databases)
    files: dict[str, dict[str, Any]] = {
        "metadata.yaml": {
            "version": BUNDLE_VERSION,
            "type": "Dashboard",
            "timestamp": "2026-01-01T00:00:00+00:00",
        }
    }
    for database in databases:
        files[f"databases/{_file_name(database.name)}.yaml"] = _database(database)
        for name, dataset in spec["datasets"].items():
            path = f"datasets/{_file_name(database.name)}/{name}.yaml"
            files[path] = _dataset(database, name, dataset, models[name])
        for dashboard in spec["dashboards"]:
            slug = slugs[(database.backend, dashboard["title"])]
            charts = [_chart(database, dashboard, chart) for chart in dashboard["charts"]]
            for chart in charts:
                files[f"charts/{_file_name(slug)}/{_file_name(chart['slice_name'])}.yaml"] = chart
            files[f"dashboards/{slug}.yaml"] = _dashboard(database, dashboard, slug, charts)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundled:
        for path, content in files.items():
            bundled.writestr(f"mediaflow_dashboards/{path}", yaml.safe_dump(content))
    return archive.getvalue()


def _uuid(kind: str, database: MartsDatabase, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{database.backend}:{name}"))


def _file_name(name: str) -> str:
    return "".join(character if character.isalnum() else "_" for character in name.lower())


def _database(database: MartsDatabase) -> dict[str, Any]:
    return {
        "database_name": database.name,
        "sqlalchemy_uri": database.sqlalchemy_uri,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_csv_upload": False,
        "extra": {"allows_virtual_table_explore": True},
        "uuid": _uuid("database", database, database.name),
        "version": BUNDLE_VERSION,
    }


def _dataset(
    database: MartsDatabase, name: str, dataset: dict[str, Any], model: dict[str, Any]
) -> dict[str, Any]:
    """The mart `name` as a dataset: the dbt model's description, and each column's."""
    columns = {column: spec["description"] for column, spec in model["columns"].items()}
    time_column = dataset.get("time_column")
    return {
        "table_name": name,
        "schema": MARTS_SCHEMA,
        "main_dttm_col": time_column,
        "description": model["description"],
        "filter_select_enabled": True,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "columns": [
            {
                "column_name": column,
                "is_dttm": column == time_column,
                "is_active": True,
                "groupby": True,
                "filterable": True,
                "description": description,
            }
            for column, description in columns.items()
        ],
        "metrics": [
            {
                "metric_name": metric,
                "verbose_name": definition["label"],
                "expression": definition["expression"],
                "description": definition.get("description")
                or columns[definition.get("column", metric)],
            }
            for metric, definition in dataset["metrics"].items()
        ],
        "uuid": _uuid("dataset", database, name),
        "database_uuid": _uuid("database", database, database.name),
        "version": BUNDLE_VERSION,
    }


def _chart(
    database: MartsDatabase, dashboard: dict[str, Any], chart: dict[str, Any]
) -> dict[str, Any]:
    dataset = dashboard["dataset"]
    temporal = chart.get("x") == dashboards_spec()["datasets"][dataset].get("time_column")
    form_data = _form_data(chart, temporal)
    return {
        "slice_name": chart["name"],
        "viz_type": form_data["viz_type"],
        "params": form_data,
        "query_context": json.dumps(_query_context(chart, form_data, temporal)),
        "cache_timeout": None,
        "uuid": _uuid("chart", database, f"{dashboard['title']}/{chart['name']}"),
        "dataset_uuid": _uuid("dataset", database, dataset),
        "version": BUNDLE_VERSION,
    }


def _form_data(chart: dict[str, Any], temporal: bool) -> dict[str, Any]:
    """What Superset's chart editor would save for `chart`."""
    common = {
        "viz_type": VIZ_TYPES[chart["viz"]],
        "metrics": chart["metrics"],
        "groupby": chart["groupby"],
        "adhoc_filters": [],
        "row_limit": ROW_LIMIT,
        "order_desc": True,
        "color_scheme": "supersetColors",
        "extra_form_data": {},
    }
    if chart["viz"] == "table":
        return {
            **common,
            "query_mode": "aggregate",
            "all_columns": [],
            "percent_metrics": [],
            "order_by_cols": [],
            "server_page_length": 50,
            "table_timestamp_format": "smart_date",
            "show_cell_bars": True,
            "color_pn": True,
        }
    return {
        **common,
        "x_axis": chart["x"],
        **({"time_grain_sqla": "P1D"} if temporal else {}),
        "x_axis_sort_asc": True,
        "show_legend": True,
        "legendType": "scroll",
        "legendOrientation": "top",
        "rich_tooltip": True,
        "truncate_metric": True,
        "y_axis_format": "SMART_NUMBER",
        "x_axis_title": chart["x"],
        "x_axis_title_margin": 15,
        "truncateXAxis": True,
        "y_axis_bounds": [None, None],
        "zoomable": False,
        "markerEnabled": chart["viz"] == "line",
        "orientation": "vertical",
    }


def _query_context(chart: dict[str, Any], form_data: dict[str, Any], temporal: bool) -> dict:
    """The query `GET /api/v1/chart/{id}/data/` runs: the chart's rows, one per group (and per
    x value), its metrics in columns named after them."""
    if chart["viz"] == "table":
        columns: list[Any] = list(chart["groupby"])
    else:
        axis = {
            "columnType": "BASE_AXIS",
            "sqlExpression": chart["x"],
            "label": chart["x"],
            "expressionType": "SQL",
            **({"timeGrain": "P1D"} if temporal else {}),
        }
        columns = [axis, *chart["groupby"]]
    query = {
        "columns": columns,
        "metrics": chart["metrics"],
        "orderby": [[chart["metrics"][0], False]],
        "filters": [],
        "extras": {"having": "", "where": ""},
        "row_limit": ROW_LIMIT,
        "series_columns": [] if chart["viz"] == "table" else chart["groupby"],
        "order_desc": True,
    }
    return {
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": form_data,
        "result_format": "json",
        "result_type": "full",
    }


def _dashboard(
    database: MartsDatabase, dashboard: dict[str, Any], slug: str, charts: list[dict[str, Any]]
) -> dict[str, Any]:
    several = slug != dashboard["slug"]
    title = dashboard["title"] + (f" ({BACKEND_LABELS[database.backend]})" if several else "")
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": title}},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
    }
    width = GRID_COLUMNS // CHARTS_PER_ROW
    for first in range(0, len(charts), CHARTS_PER_ROW):
        row = f"ROW-{first // CHARTS_PER_ROW + 1}"
        position["GRID_ID"]["children"].append(row)
        position[row] = {
            "type": "ROW",
            "id": row,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for index, chart in enumerate(charts[first : first + CHARTS_PER_ROW], start=first + 1):
            key = f"CHART-{index}"
            position[row]["children"].append(key)
            position[key] = {
                "type": "CHART",
                "id": key,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row],
                "meta": {
                    "width": width,
                    "height": CHART_HEIGHT,
                    "chartId": index,
                    "uuid": chart["uuid"],
                    "sliceName": chart["slice_name"],
                },
            }
    dataset_uuid = _uuid("dataset", database, dashboard["dataset"])
    return {
        "dashboard_title": title,
        "description": dashboard["description"],
        "css": "",
        "slug": slug,
        "uuid": _uuid("dashboard", database, dashboard["title"]),
        "position": position,
        "metadata": {
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "shared_label_colors": [],
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": False,
            "native_filter_configuration": [
                _native_filter(slug, column, label, dataset_uuid)
                for column, label in dashboard["filters"].items()
            ],
        },
        "published": True,
        "version": BUNDLE_VERSION,
    }


def _native_filter(slug: str, column: str, label: str, dataset_uuid: str) -> dict[str, Any]:
    return {
        "id": f"NATIVE_FILTER-{_file_name(slug)}-{column}",
        "name": label,
        "filterType": "filter_select",
        "type": "NATIVE_FILTER",
        "targets": [{"column": {"name": column}, "datasetUuid": dataset_uuid}],
        "controlValues": {
            "enableEmptyFilter": False,
            "defaultToFirstItem": False,
            "multiSelect": True,
            "searchAllOptions": False,
            "inverseSelection": False,
        },
        "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
        "cascadeParentIds": [],
        "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
        "description": "",
    }

"""Every chart of the dashboards, its query run through Superset's chart data API
(`GET /api/v1/chart/{id}/data/`), shows the mart's figures on both backends, and the campaign's
headline figures equal the sandbox's ground truth."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from mediaflow_dagster.bi.bundle import dashboards_spec
from mediaflow_dagster.resources.marts_copy import publish_marts_copy

BACKENDS = ("embedded", "postgres")
pytestmark = [
    pytest.mark.slow,  # the demo's campaign on both backends, then Superset
    pytest.mark.xdist_group("superset"),  # one worker sets Superset up, once
]
CHARTS = [
    (dashboard["title"], dashboard["dataset"], chart)
    for dashboard in dashboards_spec()["dashboards"]
    for chart in dashboard["charts"]
]


def _ratio(numerators: pd.Series, denominators: pd.Series) -> float | None:
    denominator = denominators.sum(min_count=1)
    if pd.isna(denominator) or denominator == 0:
        return None
    return numerators.sum() / denominator


METRICS = {
    "campaign_performance__daily": {
        "posts_published": lambda rows: rows["posts_published"].sum(min_count=1),
        "impressions": lambda rows: rows["impressions"].sum(min_count=1),
        "reach": lambda rows: rows["reach"].sum(min_count=1),
        "engagements": lambda rows: rows["engagements"].sum(min_count=1),
        "spend": lambda rows: rows["budget_allocated"].sum(min_count=1),
        "cost_per_engagement": lambda rows: _ratio(rows["budget_allocated"], rows["engagements"]),
        "budget_pacing": lambda rows: rows["budget_pacing"].max(),
        "engagements_pacing": lambda rows: rows["engagements_pacing"].max(),
    },
    "post_performance__growth_curve": {
        "impressions": lambda rows: rows["impressions"].max(),
        "engagements": lambda rows: rows["engagements"].max(),
        "hours": lambda rows: rows["hours_since_publish"].max(),
    },
    "publishing__timeliness": {
        "publications": lambda rows: len(rows),
        "published": lambda rows: int(rows["is_published"].astype(bool).sum()),
        "average_delay_minutes": lambda rows: rows["publish_delay_minutes"].mean(),
    },
}
"""What each metric of dashboards.yml computes, over a group of a mart's rows."""


def chart_rows(superset, backend: str, dashboard: str, chart: str) -> pd.DataFrame:
    slug = superset.slugs[(backend, dashboard)]
    charts = superset.api.get(f"/api/v1/dashboard/{slug}/charts")
    charts.raise_for_status()
    (chart_id,) = [found["id"] for found in charts.json()["result"] if found["slice_name"] == chart]
    answer = superset.api.get(f"/api/v1/chart/{chart_id}/data/")
    assert answer.status_code == 200, answer.text
    (result,) = answer.json()["result"]
    assert result["status"] == "success", result.get("error")
    return pd.DataFrame(result["data"], columns=result["colnames"])


def expected_rows(mart: pd.DataFrame, dataset: str, chart: dict) -> pd.DataFrame:
    keys = ([chart["x"]] if "x" in chart else []) + chart["groupby"]
    grouped = mart.groupby(keys, dropna=False)
    return pd.DataFrame(
        {metric: grouped.apply(METRICS[dataset][metric]) for metric in chart["metrics"]}
    ).reset_index()


def comparable(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    rows = rows.copy()
    for key in keys:
        if pd.api.types.is_datetime64_any_dtype(rows[key]):
            rows[key] = rows[key].dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_numeric_dtype(rows[key]) and key == "day":
            rows[key] = pd.to_datetime(rows[key], unit="ms").dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_numeric_dtype(rows[key]):
            rows[key] = rows[key].astype("Float64").astype(str)
        else:
            rows[key] = rows[key].astype(str)
    return rows.sort_values(keys).reset_index(drop=True)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("dashboard", "dataset", "chart"), CHARTS, ids=[chart["name"] for _, _, chart in CHARTS]
)
def test_each_chart_shows_the_marts_figures(
    superset, demo_marts, backend, dashboard, dataset, chart
):
    keys = ([chart["x"]] if "x" in chart else []) + chart["groupby"]
    mart = demo_marts[backend].marts[dataset]
    if "day" in mart:
        mart = mart.assign(day=pd.to_datetime(mart["day"]))

    shown = comparable(chart_rows(superset, backend, dashboard, chart["name"]), keys)
    expected = comparable(expected_rows(mart, dataset, chart), keys)

    assert len(shown) == len(expected) > 0
    pd.testing.assert_frame_equal(
        shown[keys + chart["metrics"]].astype({m: "Float64" for m in chart["metrics"]}),
        expected[keys + chart["metrics"]].astype({m: "Float64" for m in chart["metrics"]}),
        check_exact=False,
        rtol=1e-9,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_campaigns_figures_equal_the_sandboxs_ground_truth(superset, demo_marts, backend):
    truth = demo_marts[backend].expected.set_index("platform")
    results = chart_rows(superset, backend, "Campaign performance", "Results by platform")
    results = results.set_index("platform").reindex(truth.index)
    for figure in ("posts_published", "impressions", "reach", "engagements"):
        assert results[figure].astype("Float64").equals(truth[figure].astype("Float64")), figure

    latest = chart_rows(superset, backend, "Post growth curves", "Latest figures per post")
    per_platform = latest.groupby("platform")[["impressions", "engagements"]].sum()
    for figure in ("impressions", "engagements"):
        assert (
            per_platform[figure]
            .reindex(truth.index)
            .astype("Float64")
            .equals(truth[figure].astype("Float64"))
        ), figure

    timeliness = chart_rows(superset, backend, "Publishing timeliness", "Publications by platform")
    published = timeliness.set_index("platform")["published"].reindex(truth.index)
    assert published.astype("Int64").equals(truth["posts_published"].astype("Int64"))


def test_dashboards_read_the_embedded_marts_while_each_build_replaces_their_copy(
    superset, demo_marts
):
    embedded = demo_marts["embedded"]
    truth = embedded.expected.set_index("platform")["impressions"]

    def read_results() -> list[pd.Series]:
        return [
            chart_rows(superset, "embedded", "Campaign performance", "Results by platform")
            .set_index("platform")["impressions"]
            .reindex(truth.index)
            for _ in range(5)
        ]

    with ThreadPoolExecutor(1) as dashboard:
        reading = dashboard.submit(read_results)
        copies = [publish_marts_copy(embedded.settings.warehouse_path) for _ in range(5)]
        readings = reading.result()

    assert len(set(copies)) == 1
    for shown in readings:
        assert shown.astype("Float64").equals(truth.astype("Float64"))

"""Each dashboard, opened in a real browser on both backends, shows every chart of
dashboards.yml and none in error; the screenshots stay in test-artifacts/superset-<backend>/."""

from pathlib import Path

import pytest
from support.superset_ui import read_dashboards

from mediaflow_dagster.bi.bundle import dashboards_spec

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [
    pytest.mark.slow,  # the demo's campaign on both backends, then Superset
    pytest.mark.xdist_group("superset"),  # one worker sets Superset up, once
]


@pytest.mark.parametrize("backend", ["embedded", "postgres"])
def test_every_dashboard_renders_its_charts_without_error(superset, backend):
    dashboards = {
        superset.slugs[(backend, dashboard["title"])]: dashboard
        for dashboard in dashboards_spec()["dashboards"]
    }

    readings = read_dashboards(
        superset.url,
        superset.username,
        superset.password,
        list(dashboards),
        ARTIFACTS / f"superset-{backend}",
    )

    for slug, dashboard in dashboards.items():
        reading = readings[slug]
        assert reading.title.startswith(dashboard["title"])
        assert sorted(reading.charts) == sorted(chart["name"] for chart in dashboard["charts"])
        assert reading.charts_in_error == [], slug
        assert reading.screenshot.stat().st_size > 0

"""The whole chain, as the demo runs it: sandbox and API as real processes, real Dagster runs,
dbt on the backend's warehouse, and marts that equal the sandbox's ground truth."""

import pytest
from rich.console import Console

from mediaflow_dagster.demo import run_demo


@pytest.mark.slow
def test_one_campaign_goes_from_creation_to_marts_that_equal_the_ground_truth(stack_settings):
    report = run_demo(stack_settings, hours=3, console=Console(quiet=True))

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
        "facebook": 3,
        "instagram": 2,
        "youtube": 1,
        "linkedin": 3,
        "tiktok": 1,
        "x": 3,
    }
    assert performance.loc[["youtube", "tiktok", "x"], "reach"].isna().all()
    assert report.matches_ground_truth, report.expected

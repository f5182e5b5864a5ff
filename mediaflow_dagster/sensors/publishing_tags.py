"""A publishing run's tags: one per platform the campaign publishes to (`run_tags.py`), so the
run queue keeps each platform's runs within its limit."""

from sqlalchemy import Engine

from mediaflow_dagster.cms.accounts import targeted_platforms
from mediaflow_dagster.run_tags import platform_tags


def publishing_tags(engine: Engine, campaign_id: int) -> dict[str, str]:
    return platform_tags(targeted_platforms(engine, campaign_id))

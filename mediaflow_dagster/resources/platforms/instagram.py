"""Instagram media insights (Graph API). `impressions` and `plays` are retired: `views`."""

from __future__ import annotations

from mediaflow_dagster.resources.platforms.meta_graph import post_insights
from mediaflow_dagster.resources.platforms.readings import (
    InsightsHttp,
    MetricReading,
    PublishedPost,
)

INSIGHT_METRICS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")


def collect(
    http: InsightsHttp, base_url: str, access_token: str, posts: list[PublishedPost]
) -> list[MetricReading]:
    return [
        reading
        for post in posts
        for reading in post_insights(http, base_url, access_token, post, INSIGHT_METRICS)
    ]

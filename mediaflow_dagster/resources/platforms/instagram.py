"""Instagram media insights (Graph API). `impressions` and `plays` are retired: `views`."""

from __future__ import annotations

from mediaflow_dagster.resources.platforms.facebook import graph_get, insight_readings
from mediaflow_dagster.resources.platforms.readings import (
    InsightsHttp,
    MetricReading,
    PublishedPost,
)

INSIGHT_METRICS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")


def collect(
    http: InsightsHttp, base_url: str, access_token: str, posts: list[PublishedPost]
) -> list[MetricReading]:
    readings: list[MetricReading] = []
    for post in posts:
        insights = graph_get(
            http,
            f"{base_url}/{post.external_post_id}/insights",
            {"metric": ",".join(INSIGHT_METRICS), "access_token": access_token},
        )
        readings += insight_readings(post, insights)
    return readings

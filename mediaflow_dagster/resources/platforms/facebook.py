"""Facebook Page post insights (Graph API). `post_impressions*` are retired: views and
unique views (`post_media_view`, `post_total_media_view_unique`) replace them."""

from __future__ import annotations

from mediaflow_dagster.resources.platforms.meta_graph import graph_get, post_insights
from mediaflow_dagster.resources.platforms.readings import (
    InsightsHttp,
    MetricReading,
    PublishedPost,
    observed_at,
)

INSIGHT_METRICS = (
    "post_media_view",
    "post_total_media_view_unique",
    "post_clicks",
    "post_reactions_by_type_total",
)
ENGAGEMENT_FIELDS = "shares,comments.summary(true).limit(0)"


def collect(
    http: InsightsHttp, base_url: str, access_token: str, posts: list[PublishedPost]
) -> list[MetricReading]:
    readings: list[MetricReading] = []
    for post in posts:
        readings += post_insights(http, base_url, access_token, post, INSIGHT_METRICS)
        fields = graph_get(
            http,
            f"{base_url}/{post.external_post_id}",
            {"fields": ENGAGEMENT_FIELDS, "access_token": access_token},
        )
        body, collected_at = fields.json(), observed_at(fields)
        readings += [
            MetricReading(
                post.publication_id,
                post.external_post_id,
                "comments",
                body.get("comments", {}).get("summary", {}).get("total_count"),
                collected_at,
            ),
            MetricReading(
                post.publication_id,
                post.external_post_id,
                "shares",
                body.get("shares", {}).get("count", 0),
                collected_at,
            ),
        ]
    return readings

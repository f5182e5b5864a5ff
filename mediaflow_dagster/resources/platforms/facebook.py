"""Facebook Page post insights (Graph API). `post_impressions*` are retired: views and
unique views (`post_media_view`, `post_total_media_view_unique`) replace them. One request
reads a post's whole reading: its insights through field expansion, with its comments and
shares."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from mediaflow_dagster.resources.platforms.meta_graph import (
    Item,
    MetaGraphInsights,
    insight_readings,
)
from mediaflow_dagster.resources.platforms.readings import MetricReading, PublishedPost

INSIGHT_METRICS = (
    "post_media_view",
    "post_total_media_view_unique",
    "post_clicks",
    "post_reactions_by_type_total",
)
POST_FIELDS = f"shares,comments.summary(true).limit(0),insights.metric({','.join(INSIGHT_METRICS)})"


class FacebookInsights(MetaGraphInsights):
    platform: ClassVar[str] = "facebook"

    def relative_url(self, post: PublishedPost) -> str:
        return f"{post.external_post_id}?fields={POST_FIELDS}"

    def readings(
        self, post: PublishedPost, body: Item, collected_at: datetime
    ) -> list[MetricReading]:
        counters = {
            "comments": body.get("comments", {}).get("summary", {}).get("total_count"),
            "shares": body.get("shares", {}).get("count", 0),
        }
        return insight_readings(post, body.get("insights", {}).get("data", []), collected_at) + [
            MetricReading(post.publication_id, post.external_post_id, name, value, collected_at)
            for name, value in counters.items()
        ]

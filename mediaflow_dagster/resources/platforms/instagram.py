"""Instagram media insights (Graph API). `impressions` and `plays` are retired: `views`. A media
with too few viewers has its insights withheld: every metric is read as NULL."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from mediaflow_dagster.resources.platforms.meta_graph import (
    Item,
    MetaGraphInsights,
    insight_readings,
)
from mediaflow_dagster.resources.platforms.readings import MetricReading, PublishedPost

INSIGHT_METRICS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
NOT_ENOUGH_VIEWERS = (10, 2108006)


class InstagramInsights(MetaGraphInsights):
    platform: ClassVar[str] = "instagram"

    def relative_url(self, post: PublishedPost) -> str:
        return f"{post.external_post_id}/insights?metric={','.join(INSIGHT_METRICS)}"

    def readings(
        self, post: PublishedPost, body: Item, collected_at: datetime
    ) -> list[MetricReading]:
        return insight_readings(post, body.get("data", []), collected_at)

    def withheld(
        self, post: PublishedPost, error: Item, collected_at: datetime
    ) -> list[MetricReading] | None:
        if (error.get("code"), error.get("error_subcode")) != NOT_ENOUGH_VIEWERS:
            return None
        return [
            MetricReading(post.publication_id, post.external_post_id, name, None, collected_at)
            for name in INSIGHT_METRICS
        ]

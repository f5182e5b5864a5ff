"""YouTube video statistics (Data API v3, `videos.list part=statistics`, 50 ids a request)."""

from __future__ import annotations

from mediaflow_dagster.resources.platforms.readings import (
    InsightsHttp,
    MetricReading,
    PlatformRefused,
    PublishedPost,
    observed_at,
)

STATISTICS = ("viewCount", "likeCount", "commentCount", "favoriteCount")
IDS_PER_REQUEST = 50


def collect(
    http: InsightsHttp, base_url: str, api_key: str, posts: list[PublishedPost]
) -> list[MetricReading]:
    readings: list[MetricReading] = []
    for start in range(0, len(posts), IDS_PER_REQUEST):
        batch = {post.external_post_id: post for post in posts[start : start + IDS_PER_REQUEST]}
        response = http.get(
            f"{base_url}/videos", {"part": "statistics", "id": ",".join(batch), "key": api_key}
        )
        if response.status_code in (400, 403):
            error = response.json().get("error", {})
            raise PlatformRefused(
                f"YouTube Data API error {error.get('code')}: {error.get('message')}"
            )
        collected_at = observed_at(response)
        for video in response.json().get("items", []):
            post = batch[video["id"]]
            statistics = video.get("statistics", {})
            readings += [
                MetricReading(
                    post.publication_id,
                    post.external_post_id,
                    name,
                    int(statistics[name]) if name in statistics else None,
                    collected_at,
                )
                for name in STATISTICS
            ]
    return readings

"""Facebook Page post insights (Graph API). `post_impressions*` are retired: views and
unique views (`post_media_view`, `post_total_media_view_unique`) replace them."""

from __future__ import annotations

import httpx

from mediaflow_dagster.resources.platforms.readings import (
    InsightsHttp,
    MetricReading,
    PlatformRefused,
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


def graph_get(http: InsightsHttp, url: str, params: dict[str, str]) -> httpx.Response:
    response = http.get(url, params)
    if response.status_code == 400:
        error = response.json().get("error", {})
        raise PlatformRefused(f"Graph API error {error.get('code')}: {error.get('message')}")
    return response


def insight_readings(post: PublishedPost, response: httpx.Response) -> list[MetricReading]:
    """Readings from a Graph `/insights` answer; an object value (by type) becomes one reading
    per key, named `<metric>.<key>`."""
    collected_at = observed_at(response)
    readings = []
    for metric in response.json()["data"]:
        value = metric["values"][-1].get("value") if metric["values"] else None
        values = (
            {f"{metric['name']}.{key}": count for key, count in value.items()}
            if isinstance(value, dict)
            else {metric["name"]: value}
        )
        readings += [
            MetricReading(post.publication_id, post.external_post_id, name, count, collected_at)
            for name, count in values.items()
        ]
    return readings


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

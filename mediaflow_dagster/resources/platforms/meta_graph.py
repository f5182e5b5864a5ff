"""What Facebook and Instagram share: Meta's Graph API, its errors and its `/insights` shape."""

from __future__ import annotations

import httpx

from mediaflow_dagster.resources.platforms.readings import (
    InsightsHttp,
    MetricReading,
    PlatformRefused,
    PublishedPost,
    observed_at,
)


def graph_get(http: InsightsHttp, url: str, params: dict[str, str]) -> httpx.Response:
    response = http.get(url, params)
    if response.status_code == 400:
        error = response.json().get("error", {})
        raise PlatformRefused(f"Graph API error {error.get('code')}: {error.get('message')}")
    return response


def post_insights(
    http: InsightsHttp,
    base_url: str,
    access_token: str,
    post: PublishedPost,
    metrics: tuple[str, ...],
) -> list[MetricReading]:
    """A post's lifetime insights; an object value (counts by type) becomes one reading per
    key, named `<metric>.<key>`."""
    response = graph_get(
        http,
        f"{base_url}/{post.external_post_id}/insights",
        {"metric": ",".join(metrics), "access_token": access_token},
    )
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

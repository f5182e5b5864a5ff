"""The insights collectors of every supported platform behind one Dagster resource."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
from dagster import ConfigurableResource

from mediaflow_dagster.resources.platforms import facebook, instagram, youtube
from mediaflow_dagster.resources.platforms.readings import (
    InsightsHttp,
    MetricReading,
    PublishedPost,
)

Collector = Callable[[InsightsHttp, str, str, list[PublishedPost]], list[MetricReading]]


class PlatformInsights(ConfigurableResource):
    facebook_graph_url: str
    facebook_access_token: str
    instagram_graph_url: str
    instagram_access_token: str
    youtube_data_url: str
    youtube_api_key: str
    timeout_seconds: float = 10.0
    max_attempts: int = 4

    def supports(self, platform: str) -> bool:
        return platform in self._endpoints()

    def api_version(self, platform: str) -> str:
        """The API version a platform's counters come from: the last segment of its base URL."""
        base_url, _, _ = self._endpoints()[platform]
        return urlsplit(base_url).path.rstrip("/").rsplit("/", 1)[-1]

    def collect(self, platform: str, posts: list[PublishedPost]) -> list[MetricReading]:
        base_url, credential, collector = self._endpoints()[platform]
        with httpx.Client(timeout=self.timeout_seconds) as client:
            return collector(
                InsightsHttp(client, self.max_attempts), base_url.rstrip("/"), credential, posts
            )

    def _endpoints(self) -> dict[str, tuple[str, str, Collector]]:
        return {
            "facebook": (self.facebook_graph_url, self.facebook_access_token, facebook.collect),
            "instagram": (self.instagram_graph_url, self.instagram_access_token, instagram.collect),
            "youtube": (self.youtube_data_url, self.youtube_api_key, youtube.collect),
        }

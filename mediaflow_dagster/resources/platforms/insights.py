"""The insights collectors of every supported platform behind one Dagster resource, run
concurrently: a platform that fails loses only its own part of the hour."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from dagster import ConfigurableResource

from mediaflow_dagster.resources.http import ServiceUnavailable
from mediaflow_dagster.resources.platforms.client import PlatformClient
from mediaflow_dagster.resources.platforms.collector import InsightsCollector
from mediaflow_dagster.resources.platforms.facebook import FacebookInsights
from mediaflow_dagster.resources.platforms.instagram import InstagramInsights
from mediaflow_dagster.resources.platforms.linkedin import LinkedInInsights
from mediaflow_dagster.resources.platforms.readings import (
    Collected,
    PlatformRefused,
    PublishedPost,
)
from mediaflow_dagster.resources.platforms.tiktok import TikTokInsights
from mediaflow_dagster.resources.platforms.x import XInsights
from mediaflow_dagster.resources.platforms.youtube import YouTubeInsights
from mediaflow_dagster.settings import Settings

PLATFORM_SETTINGS_PREFIXES = {"facebook", "instagram", "youtube", "linkedin", "tiktok", "x"}


@dataclass
class PlatformOutcome:
    platform: str
    api_version: str
    posts: int
    collected: Collected | None
    error: str | None
    requests: int
    pauses: int
    seconds: float


class PlatformInsights(ConfigurableResource):
    facebook_graph_url: str
    facebook_access_token: str
    instagram_graph_url: str
    instagram_access_token: str
    youtube_data_url: str
    youtube_api_key: str
    youtube_analytics_url: str
    youtube_oauth_token: str
    linkedin_api_url: str
    linkedin_access_token: str
    linkedin_version: str
    tiktok_api_url: str
    tiktok_access_token: str
    x_api_url: str
    x_bearer_token: str
    timeout_seconds: float = 10.0
    max_attempts: int = 4
    requests_in_flight: int = 32
    requests_in_flight_per_platform: int = 8

    @classmethod
    def from_settings(cls, settings: Settings, **overrides) -> PlatformInsights:
        """The resource as `settings` configure it; `overrides` replace fields (a benchmark's
        one-request-at-a-time collector, say)."""
        endpoints = {
            name: getattr(settings, name)
            for name in cls.model_fields
            if name.split("_")[0] in PLATFORM_SETTINGS_PREFIXES
        }
        return cls(
            **{
                **endpoints,
                "timeout_seconds": settings.http_timeout_seconds,
                "max_attempts": settings.http_max_attempts,
                "requests_in_flight": settings.insights_requests_in_flight,
                "requests_in_flight_per_platform": (
                    settings.insights_requests_in_flight_per_platform
                ),
                **overrides,
            }
        )

    def collectors(self) -> dict[str, InsightsCollector]:
        collectors: list[InsightsCollector] = [
            FacebookInsights(self.facebook_graph_url, self.facebook_access_token),
            InstagramInsights(self.instagram_graph_url, self.instagram_access_token),
            YouTubeInsights(
                self.youtube_data_url,
                self.youtube_api_key,
                self.youtube_analytics_url,
                self.youtube_oauth_token,
            ),
            LinkedInInsights(
                self.linkedin_api_url, self.linkedin_access_token, self.linkedin_version
            ),
            TikTokInsights(self.tiktok_api_url, self.tiktok_access_token),
            XInsights(self.x_api_url, self.x_bearer_token),
        ]
        return {collector.platform: collector for collector in collectors}

    def collect(
        self,
        posts_by_platform: dict[str, list[PublishedPost]],
        hour_end: datetime,
        on_platform_done: Callable[[PlatformOutcome], None] = lambda outcome: None,
    ) -> list[PlatformOutcome]:
        """Every platform's posts, read concurrently; one outcome per platform with posts,
        each also handed to `on_platform_done` as soon as its platform is done (progress)."""
        return asyncio.run(self._collect(posts_by_platform, hour_end, on_platform_done))

    async def _collect(
        self,
        posts_by_platform: dict[str, list[PublishedPost]],
        hour_end: datetime,
        on_platform_done: Callable[[PlatformOutcome], None],
    ) -> list[PlatformOutcome]:
        collectors = self.collectors()
        shared = asyncio.Semaphore(self.requests_in_flight)
        limits = httpx.Limits(max_connections=self.requests_in_flight)
        async with httpx.AsyncClient(timeout=self.timeout_seconds, limits=limits) as client:
            return list(
                await asyncio.gather(
                    *(
                        self._collect_platform(
                            collectors[platform], client, shared, posts, hour_end, on_platform_done
                        )
                        for platform, posts in sorted(posts_by_platform.items())
                        if platform in collectors and posts
                    )
                )
            )

    async def _collect_platform(
        self,
        collector: InsightsCollector,
        client: httpx.AsyncClient,
        shared: asyncio.Semaphore,
        posts: list[PublishedPost],
        hour_end: datetime,
        on_platform_done: Callable[[PlatformOutcome], None],
    ) -> PlatformOutcome:
        platform_client = PlatformClient(
            client,
            platform=collector.platform,
            in_flight=self.requests_in_flight_per_platform,
            shared=shared,
            max_attempts=self.max_attempts,
            pause_for=collector.pause_for,
        )
        started = time.monotonic()
        collected, error = None, None
        try:
            collected = await collector.collect(platform_client, posts, hour_end)
        except (PlatformRefused, ServiceUnavailable) as failure:
            error = str(failure)
        outcome = PlatformOutcome(
            platform=collector.platform,
            api_version=collector.api_version,
            posts=len(posts),
            collected=collected,
            error=error,
            requests=platform_client.requests,
            pauses=platform_client.pauses,
            seconds=time.monotonic() - started,
        )
        on_platform_done(outcome)
        return outcome

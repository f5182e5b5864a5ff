"""The insights collectors of every supported platform behind one Dagster resource, run
concurrently: a platform that fails loses only its own part of the hour."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import httpx
from pydantic import Field

from mediaflow_dagster.resources.http import HttpResource, ServiceUnavailable
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


class PlatformInsights(HttpResource):
    secrets: ClassVar[tuple[str, ...]] = (
        "facebook_access_token",
        "instagram_access_token",
        "youtube_api_key",
        "youtube_oauth_token",
        "linkedin_access_token",
        "tiktok_access_token",
        "x_bearer_token",
    )

    facebook_graph_url: str = "https://graph.facebook.com/v24.0"
    facebook_access_token: str
    instagram_graph_url: str = "https://graph.facebook.com/v24.0"
    instagram_access_token: str
    youtube_data_url: str = "https://www.googleapis.com/youtube/v3"
    youtube_api_key: str
    youtube_analytics_url: str = "https://youtubeanalytics.googleapis.com/v2"
    youtube_oauth_token: str = Field(
        description="The channel owner's OAuth access token: YouTube Analytics reports need one."
    )
    linkedin_api_url: str = "https://api.linkedin.com/rest"
    linkedin_access_token: str
    linkedin_version: str = Field(
        default="202411", description="The LinkedIn-Version header (YYYYMM) the API is read at."
    )
    tiktok_api_url: str = "https://open.tiktokapis.com/v2"
    tiktok_access_token: str
    x_api_url: str = "https://api.x.com/2"
    x_bearer_token: str = Field(
        description="An OAuth 2.0 user token of the account's owner: X serves non-public "
        "metrics only to it."
    )
    insights_requests_in_flight: int = Field(
        default=32, ge=1, description="Insights requests open at once, over every platform."
    )
    insights_requests_in_flight_per_platform: int = Field(
        default=8, ge=1, description="Insights requests open at once to one platform."
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
        shared = asyncio.Semaphore(self.insights_requests_in_flight)
        limits = httpx.Limits(max_connections=self.insights_requests_in_flight)
        async with httpx.AsyncClient(timeout=self.http_timeout_seconds, limits=limits) as client:
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
            in_flight=self.insights_requests_in_flight_per_platform,
            shared=shared,
            max_attempts=self.http_max_attempts,
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

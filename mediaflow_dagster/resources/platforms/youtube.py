"""YouTube: lifetime video statistics every hour (Data API v3 `videos.list`, 50 ids a request),
and once a day the channel's per-day video report (Analytics API v2) for the last days, which
YouTube keeps revising for about two days after."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from mediaflow_dagster.resources.platforms.client import PlatformClient
from mediaflow_dagster.resources.platforms.collector import InsightsCollector
from mediaflow_dagster.resources.platforms.readings import (
    Collected,
    CredentialRefused,
    DailyReading,
    MetricReading,
    PlatformRefused,
    PublishedPost,
    in_batches,
    observed_at,
)

STATISTICS = ("viewCount", "likeCount", "commentCount", "favoriteCount")
IDS_PER_REQUEST = 50
DAILY_METRICS = (
    "views",
    "estimatedMinutesWatched",
    "averageViewDuration",
    "likes",
    "comments",
    "shares",
    "subscribersGained",
)
DAILY_REPORT_HOUR = 6
DAILY_REPORT_DAYS = 3
VIDEOS_PER_REPORT = 200


class YouTubeInsights(InsightsCollector):
    platform = "youtube"

    def __init__(self, data_url: str, api_key: str, analytics_url: str, oauth_token: str) -> None:
        self.api_version = "v3"
        self._data_url = data_url.rstrip("/")
        self._api_key = api_key
        self._analytics_url = analytics_url.rstrip("/")
        self._oauth_token = oauth_token

    async def collect(
        self, client: PlatformClient, posts: list[PublishedPost], hour_end: datetime
    ) -> Collected:
        reads = [self._statistics(client, batch) for batch in in_batches(posts, IDS_PER_REQUEST)]
        if hour_end.hour == DAILY_REPORT_HOUR:
            last_day = hour_end.date() - timedelta(days=1)
            first_day = hour_end.date() - timedelta(days=DAILY_REPORT_DAYS)
            reported = [post for post in posts if post.published_at.date() <= last_day]
            reads += [
                self._daily_report(client, batch, first_day, last_day)
                for batch in in_batches(reported, VIDEOS_PER_REPORT)
            ]
        collected = Collected()
        for part in await asyncio.gather(*reads):
            collected.add(part)
        return collected

    async def _statistics(self, client: PlatformClient, posts: list[PublishedPost]) -> Collected:
        by_id = {post.external_post_id: post for post in posts}
        response = await client.get(
            f"{self._data_url}/videos",
            params={"part": "statistics", "id": ",".join(by_id)},
            headers={"X-Goog-Api-Key": self._api_key},
        )
        videos = _answer(response, "YouTube Data API").get("items", [])
        collected_at = observed_at(response)
        readings = []
        for video in videos:
            post, statistics = by_id[video["id"]], video.get("statistics", {})
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
        listed = {video["id"] for video in videos}
        return Collected(
            readings=readings, missing=[video_id for video_id in by_id if video_id not in listed]
        )

    async def _daily_report(
        self, client: PlatformClient, posts: list[PublishedPost], first_day: date, last_day: date
    ) -> Collected:
        by_id = {post.external_post_id: post for post in posts}
        response = await client.get(
            f"{self._analytics_url}/reports",
            params={
                "ids": "channel==MINE",
                "startDate": first_day.isoformat(),
                "endDate": last_day.isoformat(),
                "metrics": ",".join(DAILY_METRICS),
                "dimensions": "day,video",
                "filters": f"video=={','.join(by_id)}",
                "sort": "day",
            },
            headers={"Authorization": f"Bearer {self._oauth_token}"},
        )
        table = _answer(response, ANALYTICS_API)
        collected_at = observed_at(response)
        columns = [header["name"] for header in table["columnHeaders"]]
        daily = []
        for row in table.get("rows", []):
            cells = dict(zip(columns, row, strict=True))
            post = by_id[cells["video"]]
            daily += [
                DailyReading(
                    post.publication_id,
                    post.external_post_id,
                    date.fromisoformat(cells["day"]),
                    metric,
                    None if cells[metric] is None else float(cells[metric]),
                    collected_at,
                )
                for metric in DAILY_METRICS
                if metric in cells
            ]
        return Collected(daily=daily)


ANALYTICS_API = "YouTube Analytics API"
"""Read with the channel's own OAuth token (the Data API with the application's key)."""


def _answer(response: httpx.Response, api: str) -> dict[str, Any]:
    """The response's body; a Google error (bad key or token, bad request, quota spent) is a
    refusal, the daily quota named as such: it is back only after midnight Pacific time."""
    if response.is_success:
        return response.json()
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    reasons = [item.get("reason") for item in error.get("errors", [])]
    message = error.get("message") or response.reason_phrase
    if "quotaExceeded" in reasons:
        raise PlatformRefused(
            f"{api}: the daily quota is spent (quotaExceeded); it resets at midnight Pacific "
            f"time, retrying before is useless. {message}"
        )
    token_refused = api == ANALYTICS_API and (
        response.status_code == 401 or "insufficientPermissions" in reasons
    )
    kind = CredentialRefused if token_refused else PlatformRefused
    raise kind(f"{api} error {response.status_code} ({', '.join(reasons)}): {message}")

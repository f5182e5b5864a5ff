"""TikTok video counters (Display API v2 `POST /video/query/`, 20 video ids a request).

TikTok answers every request as `{"data": ..., "error": {"code", "message", "log_id"}}` and may
report an error with HTTP 200, so `error.code` decides, not the status. A rate limit or an
internal error reported that way is retried here like the client retries a 429 or a 5xx
(`BODY_ERROR_ATTEMPTS` times, with backoff); every other error refuses the platform's hour. A
video TikTok does not return (deleted, or not the token's user's) is missing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx

from mediaflow_dagster.resources.http import ServiceUnavailable
from mediaflow_dagster.resources.platforms.client import PlatformClient
from mediaflow_dagster.resources.platforms.collector import InsightsCollector
from mediaflow_dagster.resources.platforms.readings import (
    Collected,
    CredentialRefused,
    MetricReading,
    PlatformRefused,
    PublishedPost,
    in_batches,
    observed_at,
)

VIDEO_COUNTERS = ("view_count", "like_count", "comment_count", "share_count")
FIELDS = ",".join(("id", "create_time", *VIDEO_COUNTERS))
IDS_PER_REQUEST = 20
RETRYABLE_CODES = frozenset({"rate_limit_exceeded", "internal_error"})
TOKEN_CODES = frozenset({"access_token_invalid", "scope_not_authorized"})
BODY_ERROR_ATTEMPTS = 4
BODY_ERROR_BACKOFF_SECONDS = 0.5


class TikTokInsights(InsightsCollector):
    platform = "tiktok"
    api_version = "v2"

    def __init__(self, api_url: str, access_token: str) -> None:
        self._url = f"{api_url.rstrip('/')}/video/query/"
        self._headers = {"Authorization": f"Bearer {access_token}"}

    async def collect(
        self, client: PlatformClient, posts: list[PublishedPost], hour_end: datetime
    ) -> Collected:
        parts = await asyncio.gather(
            *(self._read(client, batch) for batch in in_batches(posts, IDS_PER_REQUEST))
        )
        collected = Collected()
        for part in parts:
            collected.add(part)
        return collected

    async def _read(self, client: PlatformClient, posts: list[PublishedPost]) -> Collected:
        batch = {post.external_post_id: post for post in posts}
        response, data = await self._query(client, list(batch))
        collected_at = observed_at(response)
        readings = []
        for video in data.get("videos", []):
            post = batch.pop(str(video.get("id")), None)
            if post is None:
                continue
            readings += [
                MetricReading(
                    post.publication_id, post.external_post_id, name, video.get(name), collected_at
                )
                for name in VIDEO_COUNTERS
            ]
        return Collected(readings=readings, missing=list(batch))

    async def _query(
        self, client: PlatformClient, video_ids: list[str]
    ) -> tuple[httpx.Response, dict[str, Any]]:
        """The answer and its `data`, once `error.code` is "ok"."""
        for attempt in range(BODY_ERROR_ATTEMPTS):
            if attempt:
                await asyncio.sleep(BODY_ERROR_BACKOFF_SECONDS * 2 ** (attempt - 1))
            response = await client.post(
                self._url,
                params={"fields": FIELDS},
                json={"filters": {"video_ids": video_ids}},
                headers=self._headers,
            )
            answer = _body(response)
            error = answer.get("error") or {}
            code = error.get("code", f"HTTP {response.status_code}")
            if code == "ok" and response.status_code == 200:
                return response, answer.get("data") or {}
            if code not in RETRYABLE_CODES:
                kind = CredentialRefused if code in TOKEN_CODES else PlatformRefused
                raise kind(
                    f"TikTok {response.status_code} {code}: {error.get('message', '')} "
                    f"(log_id {error.get('log_id', '-')})"
                )
        raise ServiceUnavailable(
            f"tiktok: POST {self._url} -> {code} after {BODY_ERROR_ATTEMPTS} attempts"
        )


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}

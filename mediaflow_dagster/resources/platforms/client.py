"""Concurrent, bounded, rate-aware reads of one platform's insights API.

Every request of a platform goes through its `PlatformClient`: at most so many in flight (for the
platform, and over every platform together), retried on connection failures, 429 and 5xx with
backoff and jitter, and held back while the platform asked to slow down. A platform asks in its
own way (Meta's usage headers, X's reset header, Retry-After on a 429); its collector turns that
into seconds to wait through `pause_for`, and the wait holds every request to the platform, not
only the one that saw it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

import httpx

from mediaflow_dagster.resources.http import RETRYABLE_STATUSES, ServiceUnavailable

BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 5.0
MAX_PAUSE_SECONDS = 900.0

PauseRule = Callable[[httpx.Response], float | None]


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


class PlatformClient:
    """One platform's requests: bounded by `in_flight` (this platform) and `shared` (every
    platform), paused while `pause_for` says so, retried up to `max_attempts` times."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        platform: str,
        in_flight: int,
        shared: asyncio.Semaphore,
        max_attempts: int,
        pause_for: PauseRule = retry_after_seconds,
    ) -> None:
        self._client = client
        self.platform = platform
        self._own = asyncio.Semaphore(in_flight)
        self._shared = shared
        self._max_attempts = max_attempts
        self._pause_for = pause_for
        self._resume_at = 0.0
        self.requests = 0
        self.pauses = 0

    @property
    def http(self) -> httpx.AsyncClient:
        """The HTTP client underneath, for a request that must not be retried (a token
        refresh: the platform may have rotated the refresh token it answered with)."""
        return self._client

    async def get(self, url: str, **kwargs) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs) -> httpx.Response:
        """For reads a platform takes as POST (a Graph batch, TikTok's video query)."""
        return await self.request("POST", url, **kwargs)

    async def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        failure = ""
        for attempt in range(self._max_attempts):
            await self._wait_for_resume()
            try:
                async with self._own, self._shared:
                    self.requests += 1
                    response = await self._client.request(method, url, **kwargs)
            except httpx.TransportError as error:
                failure = f"{method} {url}: {error!r}"
                await asyncio.sleep(_backoff(attempt))
                continue
            pause = self._pause_for(response)
            if pause:
                self._hold(pause)
            if response.status_code not in RETRYABLE_STATUSES:
                return response
            failure = f"{method} {response.request.url} -> {response.status_code}"
            if not pause:
                await asyncio.sleep(_backoff(attempt))
        raise ServiceUnavailable(f"{failure} after {self._max_attempts} attempts")

    def _hold(self, seconds: float) -> None:
        resume_at = time.monotonic() + min(seconds, MAX_PAUSE_SECONDS)
        if resume_at > self._resume_at:
            self._resume_at = resume_at
            self.pauses += 1

    async def _wait_for_resume(self) -> None:
        while (remaining := self._resume_at - time.monotonic()) > 0:
            await asyncio.sleep(remaining)


def _backoff(attempt: int) -> float:
    return random.uniform(0, min(MAX_BACKOFF_SECONDS, BACKOFF_SECONDS * 2**attempt))

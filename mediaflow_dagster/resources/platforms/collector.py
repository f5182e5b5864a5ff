"""The shape every platform's insights collector has."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import ClassVar

import httpx

from mediaflow_dagster.resources.platforms.client import PlatformClient, retry_after_seconds
from mediaflow_dagster.resources.platforms.readings import Collected, PublishedPost


class InsightsCollector(ABC):
    """Reads one platform's counters for many posts, batched the way its API batches."""

    platform: ClassVar[str]
    api_version: str

    def pause_for(self, response: httpx.Response) -> float | None:
        """Seconds the platform asked every request to hold back after `response`."""
        return retry_after_seconds(response)

    @abstractmethod
    async def collect(
        self, client: PlatformClient, posts: list[PublishedPost], hour_end: datetime
    ) -> Collected:
        """The posts' lifetime counters now; `hour_end` is the end of the hour being collected
        (naive UTC), for what a platform reports once a day."""

"""Running one platform's insights collector the way PlatformInsights runs it, and the sandbox's
seeded posts as the collector takes them."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx

from mediaflow_dagster.resources.platforms.client import PlatformClient
from mediaflow_dagster.resources.platforms.collector import InsightsCollector
from mediaflow_dagster.resources.platforms.readings import Collected, PublishedPost

IN_FLIGHT = 8
MAX_ATTEMPTS = 4


def collect(
    collector: InsightsCollector,
    posts: list[PublishedPost],
    hour_end: datetime,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[Collected, PlatformClient]:
    """What `collector` reads of `posts`, and the client it read them through (its counts)."""

    async def run() -> tuple[Collected, PlatformClient]:
        async with httpx.AsyncClient(transport=transport) as http:
            client = PlatformClient(
                http,
                platform=collector.platform,
                in_flight=IN_FLIGHT,
                shared=asyncio.Semaphore(IN_FLIGHT),
                max_attempts=MAX_ATTEMPTS,
                pause_for=collector.pause_for,
            )
            return await collector.collect(client, posts, hour_end), client

    return asyncio.run(run())


def published(seeded: dict[str, Any]) -> PublishedPost:
    """A post the sandbox seeded, as the warehouse hands it to a collector."""
    return PublishedPost(
        publication_id=seeded["publication_id"],
        external_post_id=seeded["external_id"],
        external_account_id=seeded["account_id"],
        published_at=datetime.fromisoformat(seeded["published_at"]).replace(tzinfo=None),
    )

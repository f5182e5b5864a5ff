"""What every platform's insights collector returns: lifetime counters, in native metric names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from mediaflow_dagster.resources.http import send


@dataclass(frozen=True)
class PublishedPost:
    publication_id: int
    external_post_id: str


@dataclass(frozen=True)
class MetricReading:
    publication_id: int
    external_post_id: str
    metric: str
    value: int | None
    collected_at: datetime


class PlatformRefused(RuntimeError):
    """The platform answered with an error that retrying will not fix (bad token, bad request)."""


def observed_at(response: httpx.Response) -> datetime:
    """When the platform produced the counters: its `Date` header, else our clock (naive UTC)."""
    header = response.headers.get("Date")
    moment = parsedate_to_datetime(header) if header else datetime.now(UTC)
    return moment.astimezone(UTC).replace(tzinfo=None)


class InsightsHttp:
    """GET with the platform-agnostic retry rules: insights reads are idempotent."""

    def __init__(self, client: httpx.Client, max_attempts: int):
        self.client = client
        self.max_attempts = max_attempts

    def get(self, url: str, params: dict[str, str]) -> httpx.Response:
        return send(
            self.client,
            lambda c: c.get(url, params=params),
            max_attempts=self.max_attempts,
            idempotent=True,
        )

"""What every platform's insights collector takes and returns: the posts to read, and their
lifetime counters (and daily reports, where a platform has them) in native metric names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx

Item = TypeVar("Item")


@dataclass(frozen=True, slots=True)
class PublishedPost:
    publication_id: int
    external_post_id: str
    external_account_id: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class MetricReading:
    """A lifetime counter as the platform reported it; None when it withheld the value."""

    publication_id: int
    external_post_id: str
    metric: str
    value: int | None
    collected_at: datetime


@dataclass(frozen=True, slots=True)
class DailyReading:
    """One day's value of a metric from a platform's daily report (not a lifetime counter)."""

    publication_id: int
    external_post_id: str
    report_date: date
    metric: str
    value: float | None
    collected_at: datetime


@dataclass
class Collected:
    """One platform's answer for a batch of posts. `missing` are the posts it no longer knows
    (deleted, or never visible to the token): reported, not failed."""

    readings: list[MetricReading] = field(default_factory=list)
    daily: list[DailyReading] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def add(self, other: Collected) -> None:
        self.readings += other.readings
        self.daily += other.daily
        self.missing += other.missing


class PlatformRefused(RuntimeError):
    """The platform answered with an error that retrying will not fix (bad token, bad request)."""


class CredentialRefused(PlatformRefused):
    """The platform refused the account's credential (expired, revoked, invalid, or without
    the scope insights need): only reconnecting the account mends it."""


def observed_at(response: httpx.Response) -> datetime:
    """When the platform produced the counters: its `Date` header, else our clock (naive UTC)."""
    header = response.headers.get("Date")
    moment = parsedate_to_datetime(header) if header else datetime.now(UTC)
    return moment.astimezone(UTC).replace(tzinfo=None)


def in_batches(items: list[Item], size: int) -> list[list[Item]]:
    return [items[start : start + size] for start in range(0, len(items), size)]

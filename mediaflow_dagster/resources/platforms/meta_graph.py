"""What Facebook and Instagram share: Meta's Graph API read in batch requests of 50, its errors,
its `/insights` shape, and its rate limiting (usage headers and throttling error codes)."""

from __future__ import annotations

import asyncio
import json
from abc import abstractmethod
from datetime import datetime
from typing import Any

import httpx

from mediaflow_dagster.resources.http import ServiceUnavailable
from mediaflow_dagster.resources.platforms.client import PlatformClient, retry_after_seconds
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

BATCH_SIZE = 50
THROTTLING_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
UNKNOWN_OBJECT = (100, 33)
TOKEN_CODES = frozenset({102, 190, 10})
USAGE_HEADERS = ("X-App-Usage", "X-Page-Usage")
BUSINESS_USAGE_HEADER = "X-Business-Use-Case-Usage"
USAGE_COUNTS = ("call_count", "total_cputime", "total_time")
HOLD_AT_PERCENT = 90
SECONDS_PER_PERCENT_OVER = 6.0
THROTTLED_ATTEMPTS = 5

Item = dict[str, Any]


class MetaGraphInsights(InsightsCollector):
    """Reads posts' insights in batch requests of 50, sent concurrently; one request per post.

    An unknown post is reported missing; a throttled batch (or the items of it the platform
    throttled) is sent again once the platform has been held back, at most `THROTTLED_ATTEMPTS`
    times; any other error refuses the platform's part of the hour.
    """

    def __init__(
        self,
        graph_url: str,
        access_token: str,
        *,
        seconds_per_percent_over: float = SECONDS_PER_PERCENT_OVER,
    ) -> None:
        self._graph_url = graph_url.rstrip("/")
        self._access_token = access_token
        self._seconds_per_percent_over = seconds_per_percent_over
        self.api_version = self._graph_url.rsplit("/", 1)[-1]

    @abstractmethod
    def relative_url(self, post: PublishedPost) -> str:
        """The Graph request, relative to the version, that reads all of `post`'s counters."""

    @abstractmethod
    def readings(
        self, post: PublishedPost, body: Item, collected_at: datetime
    ) -> list[MetricReading]:
        """The counters in the answer to `relative_url(post)`."""

    def withheld(
        self, post: PublishedPost, error: Item, collected_at: datetime
    ) -> list[MetricReading] | None:
        """The readings of a post whose counters the platform withholds with `error`, if that
        is what `error` means."""
        return None

    def pause_for(self, response: httpx.Response) -> float | None:
        """Held while Meta reports 90 % or more of any usage count, or throttles: for the
        `estimated_time_to_regain_access` it gives (minutes), else (usage - 89) times
        `seconds_per_percent_over`, a throttling error counting as 100 %."""
        usage = max(_usage_percents(response.headers), default=0)
        if response.status_code == 400 and _error_code(response) in THROTTLING_CODES:
            usage = max(usage, 100)
        pauses = [
            retry_after_seconds(response) or 0.0,
            _regain_minutes(response.headers) * 60.0,
        ]
        if usage >= HOLD_AT_PERCENT:
            pauses.append((usage - HOLD_AT_PERCENT + 1) * self._seconds_per_percent_over)
        return max(pauses) or None

    async def collect(
        self, client: PlatformClient, posts: list[PublishedPost], hour_end: datetime
    ) -> Collected:
        collected = Collected()
        for part in await asyncio.gather(
            *(self._collect_batch(client, batch) for batch in in_batches(posts, BATCH_SIZE))
        ):
            collected.add(part)
        return collected

    async def _collect_batch(self, client: PlatformClient, posts: list[PublishedPost]) -> Collected:
        collected = Collected()
        pending, refusal = posts, ""
        for _ in range(THROTTLED_ATTEMPTS):
            response = await client.post(
                f"{self._graph_url}/",
                data={
                    "access_token": self._access_token,
                    "batch": json.dumps(
                        [{"method": "GET", "relative_url": self.relative_url(p)} for p in pending]
                    ),
                    "include_headers": "false",
                },
            )
            if response.status_code != 200:
                error = _error(response)
                if error.get("code") not in THROTTLING_CODES:
                    raise refusal_of(self.platform, error)
                refusal = describe(error)
                continue
            collected_at = observed_at(response)
            throttled = []
            for post, item in zip(pending, response.json(), strict=True):
                error = self._read_item(post, item, collected_at, collected)
                if error is not None:
                    throttled.append(post)
                    refusal = describe(error)
            if not throttled:
                return collected
            pending = throttled
        raise ServiceUnavailable(
            f"{self.platform}: still throttled after {THROTTLED_ATTEMPTS} attempts: {refusal}"
        )

    def _read_item(
        self, post: PublishedPost, item: Item | None, collected_at: datetime, into: Collected
    ) -> Item | None:
        """Adds what `item` says of `post` to `into`; the error if the platform throttled it
        (or did not complete it: a null item) and it is to be asked again."""
        if item is None:
            return {"message": "the request did not complete in the batch"}
        body = json.loads(item["body"]) if item.get("body") else {}
        if item["code"] == 200:
            into.readings += self.readings(post, body, collected_at)
            return None
        error = body.get("error", {})
        if error.get("code") in THROTTLING_CODES:
            return error
        if (error.get("code"), error.get("error_subcode")) == UNKNOWN_OBJECT:
            into.missing.append(post.external_post_id)
            return None
        withheld = self.withheld(post, error, collected_at)
        if withheld is None:
            raise refusal_of(self.platform, error)
        into.readings += withheld
        return None


def insight_readings(
    post: PublishedPost, data: list[Item], collected_at: datetime
) -> list[MetricReading]:
    """Lifetime insights in Graph's `/insights` shape; an object value (counts by type) becomes
    one reading per key, named `<metric>.<key>`."""
    readings = []
    for metric in data:
        value = metric["values"][-1].get("value") if metric.get("values") else None
        values = (
            {f"{metric['name']}.{key}": count for key, count in value.items()}
            if isinstance(value, dict)
            else {metric["name"]: value}
        )
        readings += [
            MetricReading(post.publication_id, post.external_post_id, name, count, collected_at)
            for name, count in values.items()
        ]
    return readings


def refusal_of(platform: str, error: Item) -> PlatformRefused:
    """A Graph error as a refusal: of the token (invalid, expired, revoked: code 190 and 102; a
    permission it lacks: 10 and 200 to 299) or of the request."""
    code = error.get("code")
    token_refused = code in TOKEN_CODES or (isinstance(code, int) and 200 <= code < 300)
    kind = CredentialRefused if token_refused else PlatformRefused
    return kind(f"{platform}: {describe(error)}")


def describe(error: Item) -> str:
    subcode = f", subcode {error['error_subcode']}" if "error_subcode" in error else ""
    return (
        f"Graph API error {error.get('code')} ({error.get('type', 'unknown type')}{subcode}): "
        f"{error.get('message')}"
    )


def _error(response: httpx.Response) -> Item:
    try:
        error = response.json().get("error")
    except (json.JSONDecodeError, AttributeError):
        error = None
    return error or {"message": f"HTTP {response.status_code}: {response.text[:200]}"}


def _error_code(response: httpx.Response) -> int | None:
    return _error(response).get("code")


def _usage_percents(headers: httpx.Headers) -> list[float]:
    usages = [_json_header(headers, name) for name in USAGE_HEADERS] + _business_usages(headers)
    return [
        float(usage[count])
        for usage in usages
        for count in USAGE_COUNTS
        if isinstance(usage.get(count), int | float)
    ]


def _regain_minutes(headers: httpx.Headers) -> float:
    minutes = [usage.get("estimated_time_to_regain_access") for usage in _business_usages(headers)]
    return max((float(value) for value in minutes if isinstance(value, int | float)), default=0.0)


def _json_header(headers: httpx.Headers, name: str) -> dict[str, Any]:
    try:
        value = json.loads(headers.get(name) or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _business_usages(headers: httpx.Headers) -> list[Item]:
    """`X-Business-Use-Case-Usage`: per business object id, a list of usages by type."""
    return [
        usage
        for usages in _json_header(headers, BUSINESS_USAGE_HEADER).values()
        if isinstance(usages, list)
        for usage in usages
        if isinstance(usage, dict)
    ]

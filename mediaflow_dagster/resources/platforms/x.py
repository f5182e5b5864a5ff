"""X tweet metrics (API v2 tweets lookup, 100 ids a request): public metrics of every tweet, and
the non-public ones (link and profile clicks) of recent tweets, the only ones X serves them for.

X refuses the whole request when one tweet in it is too old for non-public metrics, so old and
recent tweets go in separate requests, and "recent" stops a day short of X's 30 days: a
collection running late still never asks for what X no longer serves.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

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

IDS_PER_REQUEST = 100
PUBLIC_METRICS = (
    "impression_count",
    "like_count",
    "retweet_count",
    "reply_count",
    "quote_count",
    "bookmark_count",
)
NON_PUBLIC_METRICS = ("url_link_clicks", "user_profile_clicks")
NON_PUBLIC_METRICS_AGE = timedelta(days=29)
PUBLIC_FIELDS = "public_metrics,created_at"
WITH_NON_PUBLIC_FIELDS = "public_metrics,non_public_metrics,created_at"
RATE_LIMIT_WINDOW_SECONDS = 15 * 60


class XInsights(InsightsCollector):
    platform = "x"

    def __init__(self, api_url: str, bearer_token: str) -> None:
        self.api_version = "2"
        self._api_url = api_url.rstrip("/")
        self._bearer_token = bearer_token

    def pause_for(self, response: httpx.Response) -> float | None:
        """Until X's rate-limit window resets, once it is used up: the reset is an epoch second
        on X's clock, so it is measured from the response's `Date`, not from ours."""
        limited = (
            response.status_code == 429 or response.headers.get("x-rate-limit-remaining") == "0"
        )
        reset = response.headers.get("x-rate-limit-reset", "")
        if not limited or not reset.isdigit():
            return retry_after_seconds(response) if limited else None
        seconds = int(reset) - observed_at(response).replace(tzinfo=UTC).timestamp()
        return min(max(seconds, 1.0), RATE_LIMIT_WINDOW_SECONDS)

    async def collect(
        self, client: PlatformClient, posts: list[PublishedPost], hour_end: datetime
    ) -> Collected:
        """An id that is not a number is no tweet X could know: missing, without asking."""
        tweets = [post for post in posts if post.external_post_id.isdigit()]
        recent = [post for post in tweets if hour_end - post.published_at < NON_PUBLIC_METRICS_AGE]
        older = [post for post in tweets if hour_end - post.published_at >= NON_PUBLIC_METRICS_AGE]
        reads = [
            self._lookup(client, batch, with_non_public)
            for with_non_public, group in ((True, recent), (False, older))
            for batch in in_batches(group, IDS_PER_REQUEST)
        ]
        collected = Collected(
            missing=[post.external_post_id for post in posts if not post.external_post_id.isdigit()]
        )
        for part in await asyncio.gather(*reads):
            collected.add(part)
        return collected

    async def _lookup(
        self, client: PlatformClient, posts: list[PublishedPost], with_non_public: bool
    ) -> Collected:
        by_id = {post.external_post_id: post for post in posts}
        fields = WITH_NON_PUBLIC_FIELDS if with_non_public else PUBLIC_FIELDS
        response = await client.get(
            f"{self._api_url}/tweets",
            params={"ids": ",".join(by_id), "tweet.fields": fields},
            headers={"Authorization": f"Bearer {self._bearer_token}"},
        )
        tweets = _answer(response).get("data", [])
        collected_at = observed_at(response)
        readings = []
        for tweet in tweets:
            post = by_id[tweet["id"]]
            values = {**tweet.get("non_public_metrics", {}), **tweet.get("public_metrics", {})}
            names = PUBLIC_METRICS + NON_PUBLIC_METRICS if with_non_public else PUBLIC_METRICS
            readings += [
                MetricReading(
                    post.publication_id, post.external_post_id, name, values.get(name), collected_at
                )
                for name in names
            ]
        found = {tweet["id"] for tweet in tweets}
        return Collected(
            readings=readings, missing=[tweet_id for tweet_id in by_id if tweet_id not in found]
        )


def _answer(response: httpx.Response) -> dict[str, Any]:
    """The response's body; an error for the whole request (bad token, invalid request) is a
    refusal, with what X said about it."""
    if response.is_success:
        return response.json()
    try:
        body = response.json()
    except ValueError:
        body = {}
    details = [body.get("detail") or response.reason_phrase] + [
        error["message"] for error in body.get("errors", []) if "message" in error
    ]
    kind = CredentialRefused if response.status_code in (401, 403) else PlatformRefused
    raise kind(
        f"X API error {response.status_code} ({body.get('title', '')}): {'; '.join(details)}"
    )

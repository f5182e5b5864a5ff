"""The X API v2 tweets lookup (`GET /2/tweets?ids=`), with X's per-token rate-limit window.

Every authorized answer carries `x-rate-limit-limit`, `-remaining` and `-reset`; the reset is an
epoch second on the simulated clock, as far ahead of its `Date` as the window has left to run.
Non-public metrics exist only for tweets at most 30 days old: asking them of an older tweet
fails the whole request.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_sandbox.account_tokens import Access, AccountTokens
from mediaflow_sandbox.addresses import X_PREFIX
from mediaflow_sandbox.clock import SimulatedClock
from mediaflow_sandbox.platforms import PlatformStore, Post

MAX_IDS = 100
DEFAULT_REQUESTS_PER_WINDOW = 900
DEFAULT_WINDOW_SECONDS = 15 * 60
NON_PUBLIC_METRICS_AGE = timedelta(days=30)
TWEET_FIELDS = frozenset(
    {
        "id",
        "text",
        "author_id",
        "created_at",
        "edit_history_tweet_ids",
        "public_metrics",
        "non_public_metrics",
    }
)
PUBLIC_METRICS = (
    "retweet_count",
    "reply_count",
    "like_count",
    "quote_count",
    "bookmark_count",
    "impression_count",
)
NON_PUBLIC_METRICS = ("impression_count", "url_link_clicks", "user_profile_clicks")
INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"


@dataclass(frozen=True)
class WindowState:
    admitted: bool
    remaining: int
    seconds_left: float


class FixedWindows:
    """`requests` per window of `window_seconds` per key; a key's window opens with its first
    request (real time, so a frozen simulated clock still sees windows end)."""

    def __init__(self, requests: int, window_seconds: float) -> None:
        self.requests = requests
        self._window_seconds = window_seconds
        self._windows: dict[str, tuple[float, int]] = {}

    def take(self, key: str) -> WindowState:
        now = time.monotonic()
        opened, used = self._windows.get(key, (now, 0))
        if now >= opened + self._window_seconds:
            opened, used = now, 0
        admitted = used < self.requests
        used += admitted
        self._windows[key] = (opened, used)
        return WindowState(admitted, self.requests - used, opened + self._window_seconds - now)


class XApi:
    def __init__(
        self,
        tokens: AccountTokens,
        platforms: PlatformStore,
        clock: SimulatedClock,
        windows: FixedWindows | None = None,
    ) -> None:
        self._tokens = tokens
        self._platforms = platforms
        self._clock = clock
        self._windows = windows or FixedWindows(DEFAULT_REQUESTS_PER_WINDOW, DEFAULT_WINDOW_SECONDS)

    def routes(self) -> list[Route]:
        return [Route(f"{X_PREFIX}/tweets", self.tweets)]

    async def tweets(self, request: Request) -> JSONResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        access = self._tokens.access("x", token)
        if access.refusal == "scope":
            return problem(403, "Forbidden")
        if access.refusal is not None:
            return problem(401, "Unauthorized")
        window = self._windows.take(token)
        headers = self._rate_limit_headers(window)
        if not window.admitted:
            return problem(429, "Too Many Requests", headers)
        try:
            body = self._lookup(request.query_params, access)
        except InvalidRequest as error:
            return invalid_request(error.parameter, error.values, str(error), headers)
        return JSONResponse(body, headers=headers)

    def _lookup(self, params: Any, access: Access) -> dict[str, Any]:
        """The tweets of `ids`; a user-context token reads its own user's tweets only (others'
        non-public metrics are not its to see: here they are not found)."""
        ids = [tweet_id for tweet_id in params.get("ids", "").split(",") if tweet_id]
        if not 1 <= len(ids) <= MAX_IDS:
            raise InvalidRequest(
                "ids",
                ids,
                f"The number of values in the `ids` query parameter list [{len(ids)}] is not "
                f"between 1 and {MAX_IDS}",
            )
        if malformed := [tweet_id for tweet_id in ids if not tweet_id.isdigit()]:
            raise InvalidRequest(
                "ids", malformed, f"The `ids` query parameter value [{malformed[0]}] is not valid"
            )
        fields = [name for name in params.get("tweet.fields", "").split(",") if name]
        if unknown := [name for name in fields if name not in TWEET_FIELDS]:
            raise InvalidRequest(
                "tweet.fields",
                unknown,
                f"The `tweet.fields` query parameter value [{unknown[0]}] is not one of "
                f"[{', '.join(sorted(TWEET_FIELDS))}]",
            )
        found = {tweet_id: self._platforms.find("x", tweet_id) for tweet_id in ids}
        found = {
            tweet_id: post if post is not None and access.reads(post.account_id) else None
            for tweet_id, post in found.items()
        }
        tweets = [post for post in found.values() if post is not None]
        now = self._clock.now()
        if "non_public_metrics" in fields and any(
            now - post.published_at > NON_PUBLIC_METRICS_AGE for post in tweets
        ):
            raise InvalidRequest(
                "tweet.fields",
                ["non_public_metrics"],
                "Tweet metrics for non_public_metrics are only available for Tweets created "
                "within the last 30 days",
            )
        body: dict[str, Any] = {}
        if tweets:
            body["data"] = [_tweet(post, fields, post.metrics(now)) for post in tweets]
        if missing := [tweet_id for tweet_id, post in found.items() if post is None]:
            body["errors"] = [_not_found(tweet_id) for tweet_id in missing]
        return body

    def _rate_limit_headers(self, window: WindowState) -> dict[str, str]:
        reset = math.floor(self._clock.now().timestamp()) + math.ceil(window.seconds_left)
        return {
            "x-rate-limit-limit": str(self._windows.requests),
            "x-rate-limit-remaining": str(window.remaining),
            "x-rate-limit-reset": str(reset),
        }


def _tweet(post: Post, fields: list[str], metrics: dict[str, int]) -> dict[str, Any]:
    tweet: dict[str, Any] = {
        "id": post.external_id,
        "text": post.message,
        "edit_history_tweet_ids": [post.external_id],
    }
    if "author_id" in fields:
        tweet["author_id"] = post.account_id
    if "created_at" in fields:
        tweet["created_at"] = post.published_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if "public_metrics" in fields:
        tweet["public_metrics"] = {name: metrics[name] for name in PUBLIC_METRICS}
    if "non_public_metrics" in fields:
        tweet["non_public_metrics"] = {name: metrics[name] for name in NON_PUBLIC_METRICS}
    return tweet


def _not_found(tweet_id: str) -> dict[str, str]:
    return {
        "value": tweet_id,
        "detail": f"Could not find tweet with ids: [{tweet_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": "ids",
        "resource_id": tweet_id,
        "type": NOT_FOUND,
    }


class InvalidRequest(ValueError):
    def __init__(self, parameter: str, values: list[str], message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.values = values


def invalid_request(
    parameter: str, values: list[str], message: str, headers: dict[str, str]
) -> JSONResponse:
    return JSONResponse(
        {
            "errors": [{"parameters": {parameter: values}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": INVALID_REQUEST,
        },
        status_code=400,
        headers=headers,
    )


def problem(status: int, title: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """X's answer to an unauthorized or rate-limited request: a bare problem document."""
    return JSONResponse(
        {"title": title, "detail": title, "type": "about:blank", "status": status},
        status_code=status,
        headers=headers,
    )

"""The YouTube Analytics API v2 `reports` endpoint: per-day, per-video metrics of the channel.

A day's value is what the video's lifetime counters gained over that UTC day (from its publish,
for the day it went live); only days that have fully ended on the simulated clock have data.
Watch time and subscribers gained come from a per-video viewing habit drawn from its id.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_sandbox.account_tokens import Access, AccountTokens
from mediaflow_sandbox.addresses import YOUTUBE_ANALYTICS_PREFIX
from mediaflow_sandbox.clock import SimulatedClock
from mediaflow_sandbox.metrics import counters
from mediaflow_sandbox.platforms import PlatformStore, Post
from mediaflow_sandbox.youtube import youtube_error

METRICS = (
    "views",
    "estimatedMinutesWatched",
    "averageViewDuration",
    "likes",
    "comments",
    "shares",
    "subscribersGained",
)
DIMENSIONS = ("day", "video")
MAX_FILTER_VIDEOS = 500
CHANNEL_OF_TOKEN = "channel==MINE"


@dataclass(frozen=True)
class ViewingHabit:
    average_view_seconds: int
    subscribers_per_thousand_views: int

    @classmethod
    def of(cls, video_id: str) -> ViewingHabit:
        digest = hashlib.sha256(f"youtube-viewing:{video_id}".encode()).digest()
        return cls(
            average_view_seconds=30 + int.from_bytes(digest[:4], "big") % 271,
            subscribers_per_thousand_views=1 + digest[4] % 10,
        )


@dataclass(frozen=True)
class Lifetime:
    views: int
    likes: int
    comments: int
    shares: int

    @classmethod
    def at(cls, post: Post, instant: datetime) -> Lifetime:
        statistics = post.metrics(instant)
        return cls(
            views=statistics["viewCount"],
            likes=statistics["likeCount"],
            comments=statistics["commentCount"],
            shares=counters(post.platform, post.external_id, post.minutes_live(instant)).shares,
        )


def day_report(post: Post, day: date) -> dict[str, int]:
    """What the video gained over `day` (UTC)."""
    start = datetime.combine(day, time(), UTC)
    before = Lifetime.at(post, max(start, post.published_at))
    after = Lifetime.at(post, start + timedelta(days=1))
    views = after.views - before.views
    habit = ViewingHabit.of(post.external_id)
    return {
        "views": views,
        "estimatedMinutesWatched": round(views * habit.average_view_seconds / 60),
        "averageViewDuration": habit.average_view_seconds if views else 0,
        "likes": after.likes - before.likes,
        "comments": after.comments - before.comments,
        "shares": after.shares - before.shares,
        "subscribersGained": math.floor(views * habit.subscribers_per_thousand_views / 1000),
    }


class InvalidQuery(ValueError):
    pass


@dataclass(frozen=True)
class ReportQuery:
    start: date
    end: date
    metrics: list[str]
    video_ids: list[str]

    @classmethod
    def parse(cls, params: Any) -> ReportQuery:
        for name in ("ids", "startDate", "endDate", "metrics"):
            if not params.get(name):
                raise InvalidQuery(f"Required parameter: {name}")
        if params["ids"] != CHANNEL_OF_TOKEN:
            raise InvalidQuery(
                f"Invalid value '{params['ids']}'. Value must be {CHANNEL_OF_TOKEN}."
            )
        start, end = _date(params, "startDate"), _date(params, "endDate")
        if end < start:
            raise InvalidQuery("The start date must be on or before the end date.")
        metrics = params["metrics"].split(",")
        if unknown := [metric for metric in metrics if metric not in METRICS]:
            raise InvalidQuery(
                f"Unknown identifier ({unknown[0]}) given in field parameters.metrics."
            )
        if params.get("dimensions") != ",".join(DIMENSIONS) or params.get("sort", "day") != "day":
            raise InvalidQuery("The query is not supported.")
        kind, _, videos = params.get("filters", "").partition("==")
        if kind != "video" or not videos:
            raise InvalidQuery("The query is not supported.")
        video_ids = list(dict.fromkeys(videos.split(",")))
        if len(video_ids) > MAX_FILTER_VIDEOS:
            raise InvalidQuery(
                f"The filter contains {len(video_ids)} videos; "
                f"at most {MAX_FILTER_VIDEOS} can be asked for."
            )
        return cls(start, end, metrics, video_ids)


def _date(params: Any, name: str) -> date:
    try:
        return date.fromisoformat(params[name])
    except ValueError as error:
        raise InvalidQuery(
            f"Invalid value '{params[name]}' for {name}: expected YYYY-MM-DD."
        ) from error


class YouTubeAnalyticsApi:
    def __init__(
        self, tokens: AccountTokens, platforms: PlatformStore, clock: SimulatedClock
    ) -> None:
        self._tokens = tokens
        self._platforms = platforms
        self._clock = clock

    def routes(self) -> list[Route]:
        return [Route(f"{YOUTUBE_ANALYTICS_PREFIX}/reports", self.reports)]

    async def reports(self, request: Request) -> JSONResponse:
        authorization = request.headers.get("authorization", "")
        if not authorization:
            return unauthenticated("Login Required.", "required")
        access = self._tokens.access("youtube", authorization.removeprefix("Bearer "))
        if access.refusal == "scope":
            return youtube_error(
                403,
                "insufficientPermissions",
                "Request had insufficient authentication scopes.",
                "PERMISSION_DENIED",
            )
        if access.refusal is not None:
            return unauthenticated("Invalid Credentials", "authError")
        try:
            query = ReportQuery.parse(request.query_params)
        except InvalidQuery as error:
            return youtube_error(400, "badRequest", str(error), "INVALID_ARGUMENT")
        rows = self._rows(query, access)
        body: dict[str, Any] = {
            "kind": "youtubeAnalytics#resultTable",
            "columnHeaders": [
                *(
                    {"name": name, "columnType": "DIMENSION", "dataType": "STRING"}
                    for name in DIMENSIONS
                ),
                *(
                    {"name": metric, "columnType": "METRIC", "dataType": "INTEGER"}
                    for metric in query.metrics
                ),
            ],
        }
        if rows:
            body["rows"] = rows
        return JSONResponse(body)

    def _rows(self, query: ReportQuery, access: Access) -> list[list[Any]]:
        """A row per day and known video live that day, by day; days not yet over have none;
        a channel's token reads its own channel's videos only."""
        last_ended_day = self._clock.now().date() - timedelta(days=1)
        posts = [self._platforms.find("youtube", video_id) for video_id in query.video_ids]
        rows = []
        for day in _days(query.start, min(query.end, last_ended_day)):
            for post in posts:
                if (
                    post is not None
                    and access.reads(post.account_id)
                    and post.published_at.date() <= day
                ):
                    report = day_report(post, day)
                    values = [report[metric] for metric in query.metrics]
                    rows.append([day.isoformat(), post.external_id, *values])
        return rows


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def unauthenticated(detail: str, reason: str) -> JSONResponse:
    return youtube_error(
        401,
        reason,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "UNAUTHENTICATED",
        detail=detail,
        location="Authorization",
        locationType="header",
    )

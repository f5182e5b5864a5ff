"""The YouTube Data API v3 `videos.list` endpoint: statistics and snippets by video id, each
call spending one unit of the key's daily quota (which resets at midnight Pacific time)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_sandbox.addresses import YOUTUBE_PREFIX
from mediaflow_sandbox.clock import SimulatedClock, iso_z
from mediaflow_sandbox.platforms import PlatformStore, Post

API_KEY_HEADER = "x-goog-api-key"
"""Google takes an API key in this header or in the `key` query parameter."""
MAX_IDS = 50
PARTS = frozenset({"id", "snippet", "statistics"})
DEFAULT_DAILY_QUOTA_UNITS = 10_000
QUOTA_DAY_ZONE = ZoneInfo("America/Los_Angeles")


class DailyQuota:
    """Units a key may spend per Pacific day, counted on the simulated clock."""

    def __init__(self, units: int, clock: SimulatedClock) -> None:
        self._units = units
        self._clock = clock
        self._spent: Counter[tuple[str, date]] = Counter()

    def spend(self, key: str, units: int = 1) -> bool:
        """False, spending nothing, when `key` has not that many units left today."""
        today = (key, self._clock.now().astimezone(QUOTA_DAY_ZONE).date())
        if self._spent[today] + units > self._units:
            return False
        self._spent[today] += units
        return True


class YouTubeDataApi:
    def __init__(
        self,
        api_key: str,
        platforms: PlatformStore,
        clock: SimulatedClock,
        daily_quota_units: int = DEFAULT_DAILY_QUOTA_UNITS,
    ) -> None:
        self._api_key = api_key
        self._platforms = platforms
        self._clock = clock
        self._quota = DailyQuota(daily_quota_units, clock)

    def routes(self) -> list[Route]:
        return [Route(f"{YOUTUBE_PREFIX}/videos", self.list_videos)]

    async def list_videos(self, request: Request) -> JSONResponse:
        query = request.query_params
        key = request.headers.get(API_KEY_HEADER, query.get("key"))
        if key is None:
            return youtube_error(
                403,
                "forbidden",
                "Method doesn't allow unregistered callers (callers without "
                "established identity). Please use API Key or other form of API consumer "
                "identity to call this API.",
                "PERMISSION_DENIED",
            )
        if key != self._api_key:
            return youtube_error(
                400,
                "keyInvalid",
                "API key not valid. Please pass a valid API key.",
                "INVALID_ARGUMENT",
                domain="usageLimits",
            )
        parts = [part for part in query.get("part", "").split(",") if part]
        if not parts:
            return youtube_error(400, "required", "Required parameter: part", "INVALID_ARGUMENT")
        if unknown := [part for part in parts if part not in PARTS]:
            return youtube_error(
                400, "unknownPart", f"'{unknown[0]}'", "INVALID_ARGUMENT", domain="youtube.part"
            )
        ids = list(
            dict.fromkeys(video_id for video_id in query.get("id", "").split(",") if video_id)
        )
        if len(ids) > MAX_IDS:
            return youtube_error(
                400,
                "invalidFilters",
                "The request specifies more than 50 video ids.",
                "INVALID_ARGUMENT",
                domain="youtube.parameter",
            )
        if not self._quota.spend(self._api_key):
            return youtube_error(
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your "
                '<a href="/youtube/v3/getting-started#quota">quota</a>.',
                "PERMISSION_DENIED",
                domain="youtube.quota",
            )
        posts = [self._platforms.find("youtube", video_id) for video_id in ids]
        items = [self._item(post, parts) for post in posts if post is not None]
        return JSONResponse(
            {
                "kind": "youtube#videoListResponse",
                "etag": etag(items),
                "items": items,
                "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
            }
        )

    def _item(self, post: Post, parts: list[str]) -> dict[str, Any]:
        resource: dict[str, Any] = {"id": post.external_id}
        if "snippet" in parts:
            resource["snippet"] = {
                "publishedAt": iso_z(post.published_at),
                "channelId": post.account_id,
                "title": post.message[:100],
                "description": post.message,
            }
        if "statistics" in parts:
            metrics = post.metrics(self._clock.now())
            resource["statistics"] = {name: str(value) for name, value in metrics.items()}
        return {"kind": "youtube#video", "etag": etag(resource), **resource}


def etag(resource: Any) -> str:
    digest = hashlib.sha1(json.dumps(resource, sort_keys=True).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def youtube_error(
    status: int,
    reason: str,
    message: str,
    grpc_status: str,
    *,
    domain: str = "global",
    detail: str | None = None,
    **where: str,
) -> JSONResponse:
    """Google's error shape; `detail` is the item's own message when it differs from the
    overall one, `where` its `location` and `locationType`."""
    item = {"message": detail or message, "domain": domain, "reason": reason, **where}
    return JSONResponse(
        {"error": {"code": status, "message": message, "errors": [item], "status": grpc_status}},
        status_code=status,
    )

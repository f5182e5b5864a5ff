"""The YouTube Data API v3 `videos.list` endpoint: statistics and snippets by video id."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_dagster.sandbox.addresses import YOUTUBE_PREFIX
from mediaflow_dagster.sandbox.clock import SimulatedClock, iso_z
from mediaflow_dagster.sandbox.platforms import PlatformStore, Post

MAX_IDS = 50
PARTS = frozenset({"id", "snippet", "statistics"})


class YouTubeDataApi:
    def __init__(self, api_key: str, platforms: PlatformStore, clock: SimulatedClock) -> None:
        self._api_key = api_key
        self._platforms = platforms
        self._clock = clock

    def routes(self) -> list[Route]:
        return [Route(f"{YOUTUBE_PREFIX}/videos", self.list_videos)]

    async def list_videos(self, request: Request) -> JSONResponse:
        query = request.query_params
        if "key" not in query:
            return youtube_error(
                403,
                "forbidden",
                "Method doesn't allow unregistered callers (callers without "
                "established identity). Please use API Key or other form of API consumer "
                "identity to call this API.",
                "PERMISSION_DENIED",
            )
        if query.get("key") != self._api_key:
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
    status: int, reason: str, message: str, grpc_status: str, *, domain: str = "global"
) -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": domain, "reason": reason}],
                "status": grpc_status,
            }
        },
        status_code=status,
    )

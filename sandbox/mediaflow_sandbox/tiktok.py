"""TikTok's Display API v2 `POST /video/query/`: a user's videos by id, with their counters.

Every answer wraps `data` and `error`; `error.code` is "ok" on success, and TikTok reports
some errors (a scope the user did not grant, malformed filters) with HTTP 200 all the same.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_sandbox.account_tokens import AccountTokens
from mediaflow_sandbox.addresses import TIKTOK_PREFIX
from mediaflow_sandbox.clock import SimulatedClock
from mediaflow_sandbox.platforms import PlatformStore, Post
from mediaflow_sandbox.rate_limit import RollingWindowLimit

MAX_VIDEO_IDS = 20
CALLS_PER_MINUTE = 600
USER_INFO_ONLY_TOKEN = "act.user-info-basic-only"
"""A token whose user granted `user.info.basic` but not `video.list`."""
COUNTER_FIELDS = frozenset({"view_count", "like_count", "comment_count", "share_count"})
VIDEO_FIELDS = COUNTER_FIELDS | {
    "id",
    "create_time",
    "title",
    "video_description",
    "share_url",
}


class TikTokDisplayApi:
    def __init__(
        self,
        tokens: AccountTokens,
        platforms: PlatformStore,
        clock: SimulatedClock,
        calls_per_minute: int = CALLS_PER_MINUTE,
    ) -> None:
        self._tokens = tokens
        self._platforms = platforms
        self._clock = clock
        self._limit = RollingWindowLimit(calls_per_minute, window_seconds=60)

    def routes(self) -> list[Route]:
        return [Route(f"{TIKTOK_PREFIX}/video/query/", self.query_videos, methods=["POST"])]

    async def query_videos(self, request: Request) -> JSONResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        access = self._tokens.access("tiktok", token)
        if access.refusal in ("invalid", "expired", "revoked") and token != USER_INFO_ONLY_TOKEN:
            return self._error(
                401,
                "access_token_invalid",
                "The access token is invalid or not found in the request.",
            )
        if self._limit.admit(token) is not None:
            return self._error(
                429, "rate_limit_exceeded", "API rate limit exceeded, please retry later."
            )
        if token == USER_INFO_ONLY_TOKEN or access.refusal == "scope":
            return self._error(
                200,
                "scope_not_authorized",
                "The user did not authorize the scope required for completing this request.",
            )
        fields = [name for name in request.query_params.get("fields", "").split(",") if name]
        if not fields or not set(fields) <= VIDEO_FIELDS:
            return self._error(400, "invalid_params", "Invalid fields: " + ",".join(fields))
        try:
            video_ids = json.loads(await request.body())["filters"]["video_ids"]
        except (ValueError, TypeError, KeyError):
            return self._error(400, "invalid_params", "The request body must hold filters.")
        if not isinstance(video_ids, list) or not all(isinstance(i, str) for i in video_ids):
            return self._error(200, "invalid_params", "filters.video_ids must be a list of ids.")
        if len(video_ids) > MAX_VIDEO_IDS:
            return self._error(
                400, "invalid_params", f"At most {MAX_VIDEO_IDS} video_ids are allowed."
            )
        posts = [self._platforms.find("tiktok", video_id) for video_id in dict.fromkeys(video_ids)]
        videos = [
            self._video(post, fields)
            for post in posts
            if post is not None and access.reads(post.account_id)
        ]
        return self._answer(200, {"videos": videos, "cursor": 0, "has_more": False}, "ok", "")

    def _video(self, post: Post, fields: list[str]) -> dict[str, Any]:
        counters = post.metrics(self._clock.now()) if COUNTER_FIELDS & set(fields) else {}
        video = {
            "id": post.external_id,
            "create_time": int(post.published_at.timestamp()),
            "title": post.message[:150],
            "video_description": post.message,
            "share_url": post.external_url,
            **counters,
        }
        return {name: video[name] for name in fields}

    def _error(self, status: int, code: str, message: str) -> JSONResponse:
        return self._answer(status, {}, code, message)

    def _answer(self, status: int, data: dict[str, Any], code: str, message: str) -> JSONResponse:
        log_id = self._clock.now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(9).upper()
        error = {"code": code, "message": message, "log_id": log_id}
        return JSONResponse({"data": data, "error": error}, status_code=status)

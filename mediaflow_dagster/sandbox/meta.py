"""The Facebook and Instagram Graph APIs: post and media nodes and their lifetime insights."""

from __future__ import annotations

import re
import secrets
from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_dagster.sandbox.clock import SimulatedClock
from mediaflow_dagster.sandbox.metrics import INSTAGRAM_INSIGHTS
from mediaflow_dagster.sandbox.platforms import PlatformStore, Post

FACEBOOK_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S+0000"
FIELD_MODIFIER = re.compile(r"\.(\w+)\(([^)]*)\)")


class MetaGraphApi(ABC):
    """One platform's nodes under its Graph API version prefix, read with its access token."""

    platform: ClassVar[str]
    node_type: ClassVar[str]
    default_fields: ClassVar[tuple[str, ...]]
    field_names: ClassVar[frozenset[str]]
    insight_texts: ClassVar[dict[str, tuple[str, str]]]

    def __init__(
        self, prefix: str, access_token: str, platforms: PlatformStore, clock: SimulatedClock
    ) -> None:
        self._prefix = prefix
        self._access_token = access_token
        self._platforms = platforms
        self._clock = clock

    def routes(self) -> list[Route]:
        return [
            Route(f"{self._prefix}/{{node_id}}/insights", self.insights),
            Route(f"{self._prefix}/{{node_id}}", self.node),
        ]

    async def insights(self, request: Request) -> JSONResponse:
        post = self._readable_post(request)
        if isinstance(post, JSONResponse):
            return post
        asked = [name for name in request.query_params.get("metric", "").split(",") if name]
        if not asked:
            return graph_error("(#100) The parameter metric is required", "OAuthException", 100)
        for index, name in enumerate(asked):
            if name not in self.insight_texts:
                return graph_error(self.invalid_metric_message(index), "OAuthException", 100)
        now = self._clock.now()
        metrics = post.metrics(now)
        return JSONResponse(
            {
                "data": [self._insight(post, name, metrics[name]) for name in asked],
                "paging": self._paging(request, now),
            }
        )

    async def node(self, request: Request) -> JSONResponse:
        post = self._readable_post(request)
        if isinstance(post, JSONResponse):
            return post
        fields = request.query_params.get("fields")
        expressions = split_fields(fields) if fields else list(self.default_fields)
        metrics = post.metrics(self._clock.now())
        answer: dict[str, Any] = {}
        for expression in expressions:
            name = re.split(r"[.{]", expression, maxsplit=1)[0]
            modifiers = dict(FIELD_MODIFIER.findall(expression))
            if name not in self.field_names:
                return graph_error(
                    f"(#100) Tried accessing nonexisting field ({name}) on node type "
                    f"({self.node_type})",
                    "OAuthException",
                    100,
                )
            value = self.field_value(name, modifiers, post, metrics)
            if value is not None:
                answer[name] = value
        answer.setdefault("id", post.external_id)
        return JSONResponse(answer)

    @abstractmethod
    def field_value(
        self, name: str, modifiers: dict[str, str], post: Post, metrics: dict[str, Any]
    ) -> Any:
        """The value of field `name` of `post`; None leaves the field out, as Graph does."""

    @abstractmethod
    def invalid_metric_message(self, index: int) -> str: ...

    def _readable_post(self, request: Request) -> Post | JSONResponse:
        token = request.query_params.get("access_token") or _bearer(request)
        if not token:
            return graph_error(
                "An access token is required to request this resource.", "OAuthException", 104
            )
        if token != self._access_token:
            return graph_error(
                "Invalid OAuth access token - Cannot parse access token", "OAuthException", 190
            )
        node_id = request.path_params["node_id"]
        post = self._platforms.find(self.platform, node_id)
        if post is None:
            return graph_error(
                f"Unsupported get request. Object with ID '{node_id}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation. Please "
                "read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
                "GraphMethodException",
                100,
                error_subcode=33,
            )
        return post

    def _insight(self, post: Post, name: str, value: Any) -> dict[str, Any]:
        title, description = self.insight_texts[name]
        return {
            "name": name,
            "period": "lifetime",
            "values": [{"value": value}],
            "title": title,
            "description": description,
            "id": f"{post.external_id}/insights/{name}/lifetime",
        }

    def _paging(self, request: Request, now: datetime) -> dict[str, str]:
        def window(start: datetime) -> str:
            end = start + timedelta(days=1)
            return str(
                request.url.include_query_params(
                    since=int(start.timestamp()), until=int(end.timestamp())
                )
            )

        return {"previous": window(now - timedelta(days=2)), "next": window(now)}


class FacebookGraphApi(MetaGraphApi):
    platform = "facebook"
    node_type = "PagePost"
    default_fields = ("created_time", "message", "id")
    field_names = frozenset(
        {"id", "created_time", "message", "permalink_url", "shares", "comments"}
    )
    insight_texts: ClassVar[dict[str, tuple[str, str]]] = {
        "post_media_view": (
            "Lifetime Post Media Views",
            "Lifetime: The number of times your post was on screen.",
        ),
        "post_total_media_view_unique": (
            "Lifetime Post Total Media Viewers",
            "Lifetime: The number of people who saw your post at least once.",
        ),
        "post_clicks": (
            "Lifetime Post Clicks",
            "Lifetime: The number of times people clicked on anywhere in your posts without "
            "generating a story.",
        ),
        "post_reactions_by_type_total": (
            "Lifetime Total post Reactions by Type.",
            "Lifetime: Total post reactions by type.",
        ),
    }

    def field_value(
        self, name: str, modifiers: dict[str, str], post: Post, metrics: dict[str, Any]
    ) -> Any:
        if name == "shares":
            return {"count": metrics["shares"]} if metrics["shares"] else None
        if name == "comments":
            if modifiers.get("summary") != "true":
                return {"data": []}
            summary = {"order": "ranked", "total_count": metrics["comments"], "can_comment": True}
            return {"data": [], "summary": summary}
        return {
            "id": post.external_id,
            "created_time": post.published_at.strftime(FACEBOOK_TIME_FORMAT),
            "message": post.message,
            "permalink_url": post.external_url,
        }[name]

    def invalid_metric_message(self, index: int) -> str:
        return "(#100) The value must be a valid insights metric"


class InstagramGraphApi(MetaGraphApi):
    platform = "instagram"
    node_type = "IGMedia"
    default_fields = ("id",)
    field_names = frozenset(
        {
            "id",
            "caption",
            "media_type",
            "media_url",
            "permalink",
            "timestamp",
            "like_count",
            "comments_count",
        }
    )
    insight_texts: ClassVar[dict[str, tuple[str, str]]] = {
        "views": ("Views", "The number of times your media was played or displayed."),
        "reach": ("Accounts reached", "The number of unique accounts that have seen your media."),
        "likes": ("Likes", "The number of likes on your post."),
        "comments": ("Comments", "The number of comments on your post."),
        "shares": ("Shares", "The number of shares of your post."),
        "saved": ("Saved", "The number of saves of your post."),
        "total_interactions": (
            "Interactions",
            "The number of likes, saves, comments and shares on your post, minus the number of "
            "unlikes, unsaves and deleted comments.",
        ),
    }

    def field_value(
        self, name: str, modifiers: dict[str, str], post: Post, metrics: dict[str, Any]
    ) -> Any:
        return {
            "id": post.external_id,
            "caption": post.message,
            "media_type": "VIDEO" if (post.media_type or "").startswith("video/") else "IMAGE",
            "media_url": post.media_url,
            "permalink": post.external_url,
            "timestamp": post.published_at.strftime(FACEBOOK_TIME_FORMAT),
            "like_count": metrics["likes"],
            "comments_count": metrics["comments"],
        }[name]

    def invalid_metric_message(self, index: int) -> str:
        return (
            f"(#100) metric[{index}] must be one of the following values: "
            f"{', '.join(INSTAGRAM_INSIGHTS)}"
        )


def split_fields(fields: str) -> list[str]:
    """`a,b.summary(true).limit(0),c{d,e}` into its top-level field expressions."""
    expressions, depth, start = [], 0, 0
    for index, character in enumerate(fields):
        depth += {"(": 1, "{": 1, ")": -1, "}": -1}.get(character, 0)
        if character == "," and depth == 0:
            expressions.append(fields[start:index])
            start = index + 1
    expressions.append(fields[start:])
    return [expression.strip() for expression in expressions if expression.strip()]


def graph_error(
    message: str, error_type: str, code: int, *, error_subcode: int | None = None
) -> JSONResponse:
    error: dict[str, Any] = {"message": message, "type": error_type, "code": code}
    if error_subcode is not None:
        error["error_subcode"] = error_subcode
    error["fbtrace_id"] = secrets.token_urlsafe(8)
    return JSONResponse({"error": error}, status_code=400)


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() in {"bearer", "oauth"} else ""

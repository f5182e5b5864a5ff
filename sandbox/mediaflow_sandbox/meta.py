"""The Facebook and Instagram Graph APIs: post and media nodes, their lifetime insights, batch
requests, and the usage headers and throttling errors of Meta's rate limiting.

Usage is counted per access token over a rolling window of real time (not the simulated clock), a
batch counting one call per request in it, as Meta does. Every response reports the usage, as
percentages of the budget, in `X-App-Usage` and, keyed by the accounts it touched,
`X-Business-Use-Case-Usage`. A request arriving at 100 % is refused with error 4 (the app's
limit); a batch request that runs past the budget has its remaining items refused with the
platform's business use case error (80001 for pages, 80002 for Instagram accounts).

Instagram withholds the insights of a media with fewer than 100 views (the sandbox's threshold):
`/insights` answers error 10, subcode 2108006, "Not enough viewers".
"""

from __future__ import annotations

import json
import re
import secrets
import time
from abc import ABC, abstractmethod
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_sandbox.account_tokens import INSIGHTS_SCOPES, AccountTokens
from mediaflow_sandbox.clock import SimulatedClock
from mediaflow_sandbox.metrics import INSTAGRAM_INSIGHTS
from mediaflow_sandbox.platforms import PlatformStore, Post

FACEBOOK_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S+0000"
FIELD_MODIFIER = re.compile(r"\.(\w+)\(([^)]*)\)")
VERSION_SEGMENT = re.compile(r"^v\d+\.\d+/")
MAX_BATCH_REQUESTS = 50
DEFAULT_CALL_BUDGET = 1_000_000
DEFAULT_BUDGET_WINDOW_SECONDS = 3600.0
INSTAGRAM_MINIMUM_VIEWS = 100
APP_LIMIT = (4, "(#4) Application request limit reached")
BATCH_ITEM_HEADERS = [{"name": "Content-Type", "value": "text/javascript; charset=UTF-8"}]


@dataclass(frozen=True)
class GraphAnswer:
    """What one Graph request answers, whether it came alone or in a batch."""

    status: int
    body: dict[str, Any]
    account_id: str | None = None


@dataclass(frozen=True)
class GraphCall:
    """One Graph request: its path under the version prefix, its parameters and full URL."""

    path: str
    params: Mapping[str, str]
    url: URL
    method: str = "GET"


class CallUsage:
    """Calls per access token over a rolling window, as percentages of a budget."""

    def __init__(self, budget: int, window_seconds: float) -> None:
        self._budget = budget
        self._window_seconds = window_seconds
        self._calls: defaultdict[str, deque[float]] = defaultdict(deque)

    def admit(self, token: str) -> bool:
        """Counts a call for `token` if the budget has room for it."""
        calls = self._current(token)
        if len(calls) >= self._budget:
            return False
        calls.append(time.monotonic())
        return True

    def exhausted(self, token: str) -> bool:
        return len(self._current(token)) >= self._budget

    def percent(self, token: str) -> int:
        return len(self._current(token)) * 100 // self._budget

    def minutes_to_regain(self, token: str) -> int:
        """Whole minutes (rounded down, as Meta reports them) until a call fits again."""
        calls = self._current(token)
        if len(calls) < self._budget:
            return 0
        return int((calls[0] + self._window_seconds - time.monotonic()) // 60)

    def headers(self, token: str, business_type: str, accounts: set[str]) -> dict[str, str]:
        """`call_count`; CPU and total time follow calls at fixed fractions."""
        calls = self.percent(token)
        usage = {"call_count": calls, "total_cputime": calls // 2, "total_time": calls * 3 // 4}
        headers = {"X-App-Usage": json.dumps(usage)}
        if accounts:
            business = {
                "type": business_type,
                **usage,
                "estimated_time_to_regain_access": self.minutes_to_regain(token),
            }
            headers["X-Business-Use-Case-Usage"] = json.dumps(
                {account: [business] for account in sorted(accounts)}
            )
        return headers

    def _current(self, token: str) -> deque[float]:
        calls = self._calls[token]
        while calls and calls[0] <= time.monotonic() - self._window_seconds:
            calls.popleft()
        return calls


class MetaGraphApi(ABC):
    """One platform's nodes under its Graph API version prefix, read with its access token,
    alone or in batch requests."""

    platform: ClassVar[str]
    node_type: ClassVar[str]
    business_type: ClassVar[str]
    business_limit: ClassVar[tuple[int, str]]
    default_fields: ClassVar[tuple[str, ...]]
    field_names: ClassVar[frozenset[str]]
    insight_texts: ClassVar[dict[str, tuple[str, str]]]

    def __init__(
        self,
        prefix: str,
        tokens: AccountTokens,
        platforms: PlatformStore,
        clock: SimulatedClock,
        *,
        call_budget: int = DEFAULT_CALL_BUDGET,
        budget_window_seconds: float = DEFAULT_BUDGET_WINDOW_SECONDS,
    ) -> None:
        self._prefix = prefix
        self._tokens = tokens
        self._platforms = platforms
        self._clock = clock
        self._usage = CallUsage(call_budget, budget_window_seconds)

    def routes(self) -> list[Route]:
        return [
            Route(f"{self._prefix}/", self.batch, methods=["POST"]),
            Route(f"{self._prefix}/{{path:path}}", self.single),
        ]

    async def single(self, request: Request) -> JSONResponse:
        token = request.query_params.get("access_token") or _bearer(request)
        call = GraphCall(request.path_params["path"], request.query_params, request.url)
        answer = self._refused(token) or self._counted(call, token, APP_LIMIT)
        accounts = {answer.account_id} if answer.account_id else set()
        return JSONResponse(
            answer.body, status_code=answer.status, headers=self._usage_headers(token, accounts)
        )

    async def batch(self, request: Request) -> JSONResponse:
        """`batch` (a JSON list of requests) and `access_token`, URL-encoded or JSON; one
        answer per request, in order, each with its status and its body as a JSON string."""
        params = await _batch_params(request)
        token = str(params.get("access_token") or _bearer(request))
        calls = self._batch_calls(request, params.get("batch"))
        if isinstance(calls, GraphAnswer):
            answer = calls
        else:
            answer = self._refused(token) or self._throttled(token)
        if answer is not None:
            return JSONResponse(
                answer.body, status_code=answer.status, headers=self._usage_headers(token, set())
            )
        answers = [self._batch_item(call, token) for call in calls]
        include_headers = str(params.get("include_headers", "true")).lower() != "false"
        return JSONResponse(
            [
                {
                    "code": answer.status,
                    **({"headers": BATCH_ITEM_HEADERS} if include_headers else {}),
                    "body": json.dumps(answer.body),
                }
                for answer in answers
            ],
            headers=self._usage_headers(
                token, {answer.account_id for answer in answers if answer.account_id}
            ),
        )

    def _batch_calls(self, request: Request, batch: Any) -> list[GraphCall] | GraphAnswer:
        try:
            items = json.loads(batch) if isinstance(batch, str) else batch
        except json.JSONDecodeError:
            items = None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            return graph_error("(#100) The parameter batch is required", "OAuthException", 100)
        if len(items) > MAX_BATCH_REQUESTS:
            return graph_error(
                "(#100) Too many requests in batch message. Maximum batch size is "
                f"{MAX_BATCH_REQUESTS}",
                "OAuthException",
                100,
            )
        base = str(request.base_url).rstrip("/")
        calls = []
        for item in items:
            relative = urlsplit(str(item.get("relative_url", "")))
            path = VERSION_SEGMENT.sub("", relative.path.lstrip("/"))
            calls.append(
                GraphCall(
                    path,
                    dict(parse_qsl(relative.query)),
                    URL(f"{base}{self._prefix}/{path}").replace(query=relative.query),
                    str(item.get("method", "GET")).upper(),
                )
            )
        return calls

    def _batch_item(self, call: GraphCall, token: str) -> GraphAnswer:
        token = call.params.get("access_token") or token
        return self._refused(token) or self._counted(call, token, self.business_limit)

    def _counted(self, call: GraphCall, token: str, limit: tuple[int, str]) -> GraphAnswer:
        """The call's answer if the token's budget has room for it, else the `limit` error."""
        if not self._usage.admit(token):
            code, message = limit
            return graph_error(message, "OAuthException", code)
        return self._answer(call, token)

    def _answer(self, call: GraphCall, token: str) -> GraphAnswer:
        node_id, _, edge = call.path.partition("/")
        if call.method != "GET":
            return unknown_object(node_id, call.method.lower())
        if edge not in ("", "insights"):
            return graph_error(f"Unknown path components: /{edge}", "OAuthException", 2500)
        post = self._platforms.find(self.platform, node_id)
        if post is None or not self._tokens.access(self.platform, token).reads(post.account_id):
            return unknown_object(node_id, "get")
        answer = self._insights(post, call) if edge == "insights" else self._node(post, call)
        return GraphAnswer(answer.status, answer.body, post.account_id)

    def _insights(self, post: Post, call: GraphCall) -> GraphAnswer:
        now = self._clock.now()
        data = self._insight_data(post, call.params.get("metric", ""), now)
        if isinstance(data, GraphAnswer):
            return data
        return GraphAnswer(200, {"data": data, "paging": _paging(call.url, now)})

    def _node(self, post: Post, call: GraphCall) -> GraphAnswer:
        fields = call.params.get("fields")
        expressions = split_fields(fields) if fields else list(self.default_fields)
        now = self._clock.now()
        metrics = post.metrics(now)
        answer: dict[str, Any] = {}
        for expression in expressions:
            name = re.split(r"[.{]", expression, maxsplit=1)[0]
            modifiers = dict(FIELD_MODIFIER.findall(expression))
            if name == "insights":
                data = self._insight_data(post, modifiers.get("metric", ""), now)
                if isinstance(data, GraphAnswer):
                    return data
                answer[name] = {"data": data}
                continue
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
        return GraphAnswer(200, answer)

    def _insight_data(
        self, post: Post, metric: str, now: datetime
    ) -> list[dict[str, Any]] | GraphAnswer:
        asked = [name for name in metric.split(",") if name]
        if not asked:
            return graph_error("(#100) The parameter metric is required", "OAuthException", 100)
        for index, name in enumerate(asked):
            if name not in self.insight_texts:
                return graph_error(self.invalid_metric_message(index), "OAuthException", 100)
        metrics = post.metrics(now)
        return self.withheld(metrics) or [
            self._insight(post, name, metrics[name]) for name in asked
        ]

    def withheld(self, metrics: dict[str, Any]) -> GraphAnswer | None:
        """The error the platform answers instead of the insights of a post, if it does."""
        return None

    @abstractmethod
    def field_value(
        self, name: str, modifiers: dict[str, str], post: Post, metrics: dict[str, Any]
    ) -> Any:
        """The value of field `name` of `post`; None leaves the field out, as Graph does."""

    @abstractmethod
    def invalid_metric_message(self, index: int) -> str: ...

    def _refused(self, token: str) -> GraphAnswer | None:
        if not token:
            return graph_error(
                "An access token is required to request this resource.", "OAuthException", 104
            )
        refusal = self._tokens.access(self.platform, token).refusal
        if refusal == "invalid":
            return graph_error(
                "Invalid OAuth access token - Cannot parse access token", "OAuthException", 190
            )
        if refusal == "expired":
            return graph_error(
                "Error validating access token: Session has expired.",
                "OAuthException",
                190,
                error_subcode=463,
            )
        if refusal == "revoked":
            return graph_error(
                "Error validating access token: The user has not authorized application.",
                "OAuthException",
                190,
                error_subcode=458,
            )
        if refusal == "scope":
            return graph_error(
                f"(#10) This endpoint requires the '{INSIGHTS_SCOPES[self.platform]}' permission.",
                "OAuthException",
                10,
            )
        return None

    def _throttled(self, token: str) -> GraphAnswer | None:
        if self._usage.exhausted(token):
            code, message = APP_LIMIT
            return graph_error(message, "OAuthException", code)
        return None

    def _usage_headers(self, token: str, accounts: set[str]) -> dict[str, str]:
        return self._usage.headers(token, self.business_type, accounts)

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


class FacebookGraphApi(MetaGraphApi):
    platform = "facebook"
    node_type = "PagePost"
    business_type = "pages"
    business_limit = (
        80001,
        "(#80001) There have been too many calls to this Page account. Wait a bit and try "
        "again. For more info, please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    )
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
    business_type = "instagram"
    business_limit = (
        80002,
        "(#80002) There have been too many calls to this Instagram account. Wait a bit and try "
        "again. For more info, please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    )
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

    def withheld(self, metrics: dict[str, Any]) -> GraphAnswer | None:
        if metrics["views"] >= INSTAGRAM_MINIMUM_VIEWS:
            return None
        return graph_error(
            "(#10) Not enough viewers for the media to show insights",
            "OAuthException",
            10,
            error_subcode=2108006,
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
) -> GraphAnswer:
    error: dict[str, Any] = {"message": message, "type": error_type, "code": code}
    if error_subcode is not None:
        error["error_subcode"] = error_subcode
    error["fbtrace_id"] = secrets.token_urlsafe(8)
    return GraphAnswer(400, {"error": error})


def unknown_object(node_id: str, method: str) -> GraphAnswer:
    return graph_error(
        f"Unsupported {method} request. Object with ID '{node_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation. Please read "
        "the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        "GraphMethodException",
        100,
        error_subcode=33,
    )


def _paging(url: URL, now: datetime) -> dict[str, str]:
    def window(start: datetime) -> str:
        end = start + timedelta(days=1)
        return str(
            url.include_query_params(since=int(start.timestamp()), until=int(end.timestamp()))
        )

    return {"previous": window(now - timedelta(days=2)), "next": window(now)}


async def _batch_params(request: Request) -> Mapping[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return {}
        return body if isinstance(body, dict) else {}
    return {**request.query_params, **dict(parse_qsl((await request.body()).decode()))}


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() in {"bearer", "oauth"} else ""

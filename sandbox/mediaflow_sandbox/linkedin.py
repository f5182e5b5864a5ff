"""LinkedIn's Community Management API: `organizationalEntityShareStatistics`, the lifetime
statistics of an organization's shares, read through the versioned REST API (Rest.li 2.0)."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_sandbox.account_tokens import AccountTokens
from mediaflow_sandbox.addresses import LINKEDIN_PREFIX
from mediaflow_sandbox.clock import SimulatedClock
from mediaflow_sandbox.platforms import PlatformStore, Post
from mediaflow_sandbox.rate_limit import RollingWindowLimit

MAX_ENTITIES = 20
"""Shares and ugcPosts one request may ask for, together."""
CALLS_PER_DAY = 100_000
ORGANIZATION_URN = re.compile(r"urn:li:organization:\d+")
ENTITY_URNS = {
    "shares": re.compile(r"urn:li:share:\d+"),
    "ugcPosts": re.compile(r"urn:li:ugcPost:\d+"),
}
ENTITY_KEYS = {"shares": "share", "ugcPosts": "ugcPost"}
RESTLI_LIST = re.compile(r"List\((.*)\)")


TOKEN_REFUSALS = {
    "invalid": (401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600),
    "expired": (401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired", 65601),
    "revoked": (
        401,
        "REVOKED_ACCESS_TOKEN",
        "The token used in the request has been revoked",
        65602,
    ),
    "scope": (
        403,
        "ACCESS_DENIED",
        "Not enough permissions to access: organizationalEntityShareStatistics",
        100,
    ),
}


class LinkedInShareStatistics:
    """Answers at the one LinkedIn-Version it plays; `calls_per_day` is the application's
    daily budget for the resource."""

    def __init__(
        self,
        tokens: AccountTokens,
        version: str,
        platforms: PlatformStore,
        clock: SimulatedClock,
        calls_per_day: int = CALLS_PER_DAY,
    ) -> None:
        self._tokens = tokens
        self._version = version
        self._platforms = platforms
        self._clock = clock
        self._limit = RollingWindowLimit(calls_per_day, window_seconds=86_400)

    def routes(self) -> list[Route]:
        return [
            Route(f"{LINKEDIN_PREFIX}/organizationalEntityShareStatistics", self.share_statistics)
        ]

    async def share_statistics(self, request: Request) -> JSONResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        access = self._tokens.access("linkedin", token)
        if refused := TOKEN_REFUSALS.get(access.refusal):
            return linkedin_error(*refused)
        version = request.headers.get("linkedin-version")
        if version is None:
            return linkedin_error(
                400,
                "VERSION_MISSING",
                "A version must be present. Please specify a version by adding the "
                "LinkedIn-Version header.",
            )
        if version != self._version:
            return linkedin_error(
                426, "NONEXISTENT_VERSION", f"Requested version {version} is not active"
            )
        if self._limit.admit("application") is not None:
            return linkedin_error(
                429,
                "TOO_MANY_REQUESTS",
                "Resource level throttle APPLICATION DAY limit for calls to this resource is "
                "reached.",
                101,
            )
        entities = self._entities(request)
        if isinstance(entities, JSONResponse):
            return entities
        organization = request.query_params["organizationalEntity"]
        if access.account_id is not None and organization_urn(access.account_id) != organization:
            return linkedin_error(
                403,
                "ACCESS_DENIED",
                "Not enough permissions to access: organizationalEntityShareStatistics",
                100,
            )
        elements = [
            self._element(organization, key, post)
            for key, urn in entities
            if (post := self._platforms.find("linkedin", urn)) is not None
            and organization_urn(post.account_id) == organization
        ]
        return JSONResponse(
            {"paging": {"start": 0, "count": 10, "links": []}, "elements": elements}
        )

    def _entities(self, request: Request) -> list[tuple[str, str]] | JSONResponse:
        """The (element key, URN) pairs asked for, or the error a malformed query gets."""
        query = request.query_params
        if (
            request.headers.get("x-restli-protocol-version") != "2.0.0"
            or b"urn:li:" in request.scope["query_string"]
        ):
            return illegal_argument("Rest.li 2.0.0 with URL-encoded URNs is required")
        if query.get("q") != "organizationalEntity":
            return illegal_argument(f"Unsupported finder q={query.get('q')}")
        if not ORGANIZATION_URN.fullmatch(query.get("organizationalEntity", "")):
            return illegal_argument("organizationalEntity must be an organization URN")
        entities = []
        for parameter, pattern in ENTITY_URNS.items():
            if parameter not in query:
                continue
            listed = RESTLI_LIST.fullmatch(query[parameter])
            urns = listed.group(1).split(",") if listed else []
            if not urns or not all(pattern.fullmatch(urn) for urn in urns):
                return illegal_argument(f"{parameter} must be a List of {pattern.pattern} URNs")
            entities += [(ENTITY_KEYS[parameter], urn) for urn in dict.fromkeys(urns)]
        if len(entities) > MAX_ENTITIES:
            return illegal_argument(f"At most {MAX_ENTITIES} shares and ugcPosts per request")
        return entities

    def _element(self, organization: str, key: str, post: Post) -> dict[str, Any]:
        counters = post.metrics(self._clock.now())
        impressions = counters["impressionCount"]
        engaged = sum(
            counters[name] for name in ("clickCount", "likeCount", "commentCount", "shareCount")
        )
        return {
            "organizationalEntity": organization,
            key: post.external_id,
            "totalShareStatistics": {
                **counters,
                "engagement": engaged / impressions if impressions else 0.0,
            },
        }


def organization_urn(account_id: str) -> str:
    """An organization given as a bare id or as its URN, as its URN."""
    return f"urn:li:organization:{account_id.removeprefix('urn:li:organization:')}"


def illegal_argument(message: str) -> JSONResponse:
    return linkedin_error(400, "ILLEGAL_ARGUMENT", message)


def linkedin_error(
    status: int, code: str, message: str, service_error_code: int | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"status": status}
    if service_error_code is not None:
        body["serviceErrorCode"] = service_error_code
    body |= {"code": code, "message": message}
    return JSONResponse(body, status_code=status)

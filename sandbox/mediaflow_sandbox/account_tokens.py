"""Per-account platform tokens, as the platforms hand them out: a Facebook page token per page,
an X user-context token per profile, TikTok, LinkedIn and Google (YouTube) tokens per member,
organization or channel. Each grant reads one account, carries scopes and an expiry on the
simulated clock, and can be expired or revoked from the control API. X, TikTok, LinkedIn and
Google refresh them at their OAuth token endpoints (`grant_type=refresh_token`, each with its
own path and, for TikTok, `client_key`); Meta's page tokens do not refresh.

The platform-wide tokens of `Credentials` still read every account of their platform: they are
what a deployment set before per-account credentials, and what `mediaflow credentials import`
copies into each account."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_sandbox.addresses import (
    CONTROL_PREFIX,
    GOOGLE_OAUTH_PREFIX,
    LINKEDIN_OAUTH_PREFIX,
    TIKTOK_PREFIX,
    X_PREFIX,
)
from mediaflow_sandbox.bodies import InvalidBody, parse_body
from mediaflow_sandbox.clock import SimulatedClock, iso_z

TokenPlatform = Literal["facebook", "instagram", "youtube", "linkedin", "tiktok", "x"]
Refusal = Literal["invalid", "expired", "revoked", "scope"]

INSIGHTS_SCOPES = {
    "facebook": "read_insights",
    "instagram": "instagram_manage_insights",
    "youtube": "https://www.googleapis.com/auth/yt-analytics.readonly",
    "linkedin": "r_organization_social",
    "tiktok": "video.list",
    "x": "tweet.read",
}
"""The scope each platform asks of a token that reads its insights."""

TOKEN_PATHS = {
    "x": f"{X_PREFIX}/oauth2/token",
    "tiktok": f"{TIKTOK_PREFIX}/oauth/token/",
    "linkedin": f"{LINKEDIN_OAUTH_PREFIX}/accessToken",
    "youtube": f"{GOOGLE_OAUTH_PREFIX}/token",
}
CLIENT_ID_FIELDS = {"tiktok": "client_key"}


@dataclass
class Grant:
    platform: str
    account_id: str
    access_token: str
    refresh_token: str | None
    scopes: frozenset[str]
    expires_at: datetime | None
    revoked: bool = False


@dataclass(frozen=True)
class Access:
    """Who a presented token reads for: one account, or (`account_id` None) every account."""

    account_id: str | None
    refusal: Refusal | None = None

    def reads(self, account_id: str) -> bool:
        return self.refusal is None and self.account_id in (None, account_id)


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: TokenPlatform
    account_id: str = Field(min_length=1)
    scopes: list[str] | None = None
    lifetime_seconds: int | None = Field(default=3600, gt=0)
    refreshable: bool = True


class TokenChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    access_token: str = Field(min_length=1)
    change: Literal["expire", "revoke", "revoke_refresh"]


class AccountTokens:
    def __init__(
        self,
        clock: SimulatedClock,
        platform_tokens: dict[str, str],
        clients: dict[str, tuple[str, str]],
    ) -> None:
        self._clock = clock
        self._platform_tokens = platform_tokens
        self._clients = clients
        self._by_access: dict[str, Grant] = {}
        self._by_refresh: dict[str, Grant] = {}

    @classmethod
    def platform_wide(cls, clock: SimulatedClock, platform: str, token: str) -> AccountTokens:
        """Only `token`, reading every account of `platform` (one platform's API alone)."""
        return cls(clock, {platform: token}, {})

    def issue(
        self,
        platform: str,
        account_id: str,
        scopes: list[str] | None = None,
        lifetime_seconds: int | None = 3600,
        refreshable: bool = True,
    ) -> dict:
        grant = Grant(
            platform=platform,
            account_id=account_id,
            access_token=f"{platform}-{secrets.token_urlsafe(18)}",
            refresh_token=(
                f"{platform}-r-{secrets.token_urlsafe(18)}"
                if refreshable and platform in TOKEN_PATHS
                else None
            ),
            scopes=frozenset(scopes if scopes is not None else [INSIGHTS_SCOPES[platform]]),
            expires_at=(
                self._clock.now() + timedelta(seconds=lifetime_seconds)
                if lifetime_seconds
                else None
            ),
        )
        self._keep(grant)
        return self._token_answer(grant)

    def access(self, platform: str, token: str, *, scope: str | None = None) -> Access:
        """What `token` may read on `platform`; a refusal says why it may read nothing."""
        if token and token == self._platform_tokens.get(platform):
            return Access(None)
        grant = self._by_access.get(token)
        if grant is None or grant.platform != platform:
            return Access(None, "invalid")
        if grant.revoked:
            return Access(grant.account_id, "revoked")
        if grant.expires_at is not None and grant.expires_at <= self._clock.now():
            return Access(grant.account_id, "expired")
        if (scope or INSIGHTS_SCOPES[platform]) not in grant.scopes:
            return Access(grant.account_id, "scope")
        return Access(grant.account_id)

    def change(self, access_token: str, change: str) -> bool:
        grant = self._by_access.get(access_token)
        if grant is None:
            return False
        if change == "expire":
            grant.expires_at = self._clock.now()
        elif change == "revoke":
            grant.revoked = True
        else:
            self._by_refresh.pop(grant.refresh_token or "", None)
        return True

    def routes(self) -> list[Route]:
        return [
            Route(path, self._token_endpoint(platform), methods=["POST"])
            for platform, path in TOKEN_PATHS.items()
        ] + [
            Route(f"{CONTROL_PREFIX}/account-tokens", self.issue_route, methods=["POST"]),
            Route(f"{CONTROL_PREFIX}/account-tokens/change", self.change_route, methods=["POST"]),
        ]

    async def issue_route(self, request: Request) -> JSONResponse:
        try:
            asked = parse_body(TokenRequest, await request.body())
        except InvalidBody as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse(
            self.issue(
                asked.platform,
                asked.account_id,
                asked.scopes,
                asked.lifetime_seconds,
                asked.refreshable,
            )
        )

    async def change_route(self, request: Request) -> JSONResponse:
        try:
            asked = parse_body(TokenChange, await request.body())
        except InvalidBody as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        if not self.change(asked.access_token, asked.change):
            return JSONResponse({"detail": "no such token"}, status_code=404)
        return JSONResponse({"changed": asked.change})

    def _token_endpoint(self, platform: str):
        async def endpoint(request: Request) -> JSONResponse:
            form = dict(parse_qsl((await request.body()).decode(errors="replace")))
            client_id, client_secret = self._clients[platform]
            sent_id = form.get(CLIENT_ID_FIELDS.get(platform, "client_id"))
            if sent_id != client_id or form.get("client_secret") != client_secret:
                return _oauth_error(401, "invalid_client", "Client authentication failed.")
            if form.get("grant_type") != "refresh_token":
                return _oauth_error(400, "unsupported_grant_type", "Only refresh_token here.")
            grant = self._by_refresh.get(str(form.get("refresh_token", "")))
            if grant is None or grant.platform != platform or grant.revoked:
                return _oauth_error(
                    400, "invalid_grant", "The refresh token is invalid, expired or revoked."
                )
            self._by_access.pop(grant.access_token, None)
            self._by_refresh.pop(grant.refresh_token or "", None)
            grant.access_token = f"{platform}-{secrets.token_urlsafe(18)}"
            grant.refresh_token = f"{platform}-r-{secrets.token_urlsafe(18)}"
            grant.expires_at = self._clock.now() + timedelta(hours=1)
            self._keep(grant)
            return JSONResponse(self._token_answer(grant))

        return endpoint

    def _keep(self, grant: Grant) -> None:
        self._by_access[grant.access_token] = grant
        if grant.refresh_token:
            self._by_refresh[grant.refresh_token] = grant

    def _token_answer(self, grant: Grant) -> dict:
        answer = {
            "access_token": grant.access_token,
            "token_type": "Bearer",
            "scope": " ".join(sorted(grant.scopes)),
            "account_id": grant.account_id,
        }
        if grant.expires_at is not None:
            answer["expires_in"] = int((grant.expires_at - self._clock.now()).total_seconds())
            answer["expires_at"] = iso_z(grant.expires_at)
        if grant.refresh_token:
            answer["refresh_token"] = grant.refresh_token
        return answer


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    """RFC 6749 §5.2, which X, TikTok, LinkedIn and Google all answer in."""
    return JSONResponse({"error": error, "error_description": description}, status_code=status)

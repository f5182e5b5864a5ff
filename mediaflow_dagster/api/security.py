"""Who is calling, and whether they may: an API key (machines) or an Entra ID sign-in token
(people), then the rate limit of that key or person, then the scope the route asks for.

A missing or wrong credential is 401, a missing scope 403, too many requests 429 with
`Retry-After`; none of them changes anything, and each refusal goes to the process log with the
credential's public part only (a key's prefix, a token's subject), never the secret.
"""

from __future__ import annotations

import logging
import math
import ssl
import time
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Connection

from mediaflow_dagster.api.middleware import SAFE_METHODS, RequestTransaction
from mediaflow_dagster.api.scopes import scopes_of
from mediaflow_dagster.cms.api_keys import find_key, is_key
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.settings import ApiSettings

log = logging.getLogger("mediaflow.api.access")
CLOCK_SKEW_SECONDS = 60
bearer = HTTPBearer(
    auto_error=False,
    description="A mediaflow API key (`mfk_…`, made with `mediaflow keys create`) or an "
    "Entra ID access token for the API.",
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: `actor` names them, `credential` the key or token they came with."""

    actor: str
    credential: str
    scopes: frozenset[str]


def transaction(request: Request) -> RequestTransaction:
    return request.scope["state"]["transaction"]


def connection(request: Request) -> Connection:
    """The ops store, in the request's one transaction (committed only on success)."""
    return transaction(request).connect()


class SignInTokens:
    """Entra ID access tokens, verified against the issuer's published keys (cached; fetched
    again when a token names a key not seen yet, which is how a rotation shows)."""

    def __init__(self, settings: ApiSettings) -> None:
        self._issuer = settings.oidc_issuer
        self._audience = settings.oidc_audience
        context = ssl.create_default_context(
            cafile=str(settings.ca_bundle) if settings.ca_bundle else None
        )
        self._keys = jwt.PyJWKClient(
            settings.oidc_jwks_url,
            cache_keys=True,
            lifespan=3600,
            timeout=10,
            ssl_context=context,
            cooldown_duration=settings.oidc_keys_cooldown_seconds,
        )

    def principal(self, token: str) -> Principal:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as error:
            raise HTTPException(503, "the sign-in keys cannot be fetched; try again") from error
        except jwt.PyJWTError as error:
            raise _unauthorized(f"the token's signing key is unknown: {error}") from error
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "nbf", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise _unauthorized(f"the token is not valid here: {error}") from error
        subject = str(claims.get("oid") or claims.get("sub") or "")
        name = claims.get("preferred_username") or claims.get("upn") or claims.get("email")
        roles = claims.get("roles")
        return Principal(
            actor=f"user:{name or subject}",
            credential=f"oidc:{subject}",
            scopes=scopes_of(roles if isinstance(roles, list) else []),
        )


class Gate:
    """Authentication and rate limiting, shared by every protected route of one app."""

    def __init__(self, settings: ApiSettings) -> None:
        self._tokens = SignInTokens(settings) if settings.oidc_issuer else None
        self._limit = parse(settings.rate_limit)
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage))

    def authenticate(self, request: Request, presented: str | None) -> Principal:
        if not presented:
            raise _unauthorized("no credential: send `Authorization: Bearer <key or token>`")
        if is_key(presented):
            key = find_key(connection(request), presented, utcnow())
            if key is None:
                prefix = presented.split("_")[1] if presented.count("_") >= 2 else "?"
                raise _unauthorized(f"API key {prefix} is unknown, expired or revoked")
            return Principal(
                actor=f"key:{key['name']}",
                credential=f"api-key:{key['prefix']}",
                scopes=frozenset(key["scopes"]),
            )
        if self._tokens is None:
            raise _unauthorized("sign-in tokens are not accepted here: use an API key")
        return self._tokens.principal(presented)

    def admit(self, principal: Principal) -> None:
        """Count the request against the principal's limit; 429 past it."""
        if self._limiter.hit(self._limit, principal.credential):
            return
        reset_at = self._limiter.get_window_stats(self._limit, principal.credential).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise HTTPException(
            429,
            f"more than {self._limit} requests: try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def require(scope: str) -> Any:
    """The type of a route parameter admitting callers whose credential carries `scope` (the
    caller, as a `Principal`); it records who they are for the audit of what they change."""

    def admitted(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        gate: Gate = request.app.state.gate
        try:
            principal = gate.authenticate(request, credentials.credentials if credentials else None)
            gate.admit(principal)
        except HTTPException as refusal:
            _log_refusal(request, refusal, "someone")
            raise
        if scope not in principal.scopes:
            refusal = HTTPException(403, f"{principal.actor} lacks the scope {scope}")
            _log_refusal(request, refusal, principal.credential)
            raise refusal
        if request.method not in SAFE_METHODS:
            transaction(request).audited = (principal.actor, principal.credential)
        return principal

    return Annotated[Principal, Depends(admitted)]


def _log_refusal(request: Request, refusal: HTTPException, who: str) -> None:
    log.warning(
        "refused %s %s for %s: %s %s",
        request.method,
        request.url.path,
        who,
        refusal.status_code,
        refusal.detail,
    )

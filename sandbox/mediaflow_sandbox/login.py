"""The Microsoft identity platform: tenant discovery, the client-credentials token endpoint, and
the sign-in tokens of people (RS256 JWTs with their app roles, signed with keys published at the
tenant's JWKS address and rotated on demand) that mediaflow's API accepts."""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_sandbox.addresses import CONTROL_PREFIX, TENANT, https_base_url
from mediaflow_sandbox.bodies import InvalidBody, parse_body
from mediaflow_sandbox.clock import SimulatedClock
from mediaflow_sandbox.settings import SandboxSettings

TOKEN_LIFETIME_SECONDS = 3599
DEFAULT_SCOPE_SUFFIX = "/.default"


@dataclass(frozen=True)
class IssuedToken:
    resource: str
    expires_at: float


class AccessTokens:
    """Opaque bearer tokens; they expire in real time, whatever the simulated clock says."""

    def __init__(self) -> None:
        self._issued: dict[str, IssuedToken] = {}

    def issue(self, resource: str) -> str:
        token = secrets.token_urlsafe(48)
        self._issued[token] = IssuedToken(resource, time.monotonic() + TOKEN_LIFETIME_SECONDS)
        return token

    def refusal(self, token: str, resources: frozenset[str]) -> str | None:
        """Why `token` does not open `resources`, or None when it does."""
        issued = self._issued.get(token)
        if issued is None:
            return "IDX14100: JWT is not well formed, there are no dots (.)."
        if issued.expires_at <= time.monotonic():
            return "Lifetime validation failed, the token is expired."
        if issued.resource not in resources:
            return "Invalid audience."
        return None


class SigningKeys:
    """The tenant's RSA signing keys: the current one signs; the one before stays published until
    the next rotation, as Entra ID keeps a retired key a while."""

    def __init__(self) -> None:
        self._keys = [self._new()]

    @staticmethod
    def _new() -> tuple[str, rsa.RSAPrivateKey]:
        return secrets.token_hex(8), rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def rotate(self) -> str:
        self._keys = [self._new(), self._keys[0]]
        return self._keys[0][0]

    def sign(self, claims: dict[str, Any]) -> str:
        kid, key = self._keys[0]
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    def published(self) -> list[dict[str, Any]]:
        return [
            {
                **jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True),
                "kid": kid,
                "use": "sig",
                "alg": "RS256",
            }
            for kid, key in self._keys
        ]


class SignIn(BaseModel):
    """A person signed in to the tenant, for the API `audience`, with these app roles; the
    lifetime and the not-before delay make expired and not-yet-valid tokens for tests."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1)
    roles: list[str] = []
    audience: str | None = None
    lifetime_seconds: int = TOKEN_LIFETIME_SECONDS
    not_before_seconds: int = 0


class MicrosoftIdentity:
    def __init__(
        self, settings: SandboxSettings, tokens: AccessTokens, clock: SimulatedClock
    ) -> None:
        self._client_id = settings.microsoft_client_id
        self._client_secret = settings.credentials().microsoft_client_secret
        self._tokens = tokens
        self._clock = clock
        self._issuer = issuer(settings)
        self._audience = settings.api_audience
        self._keys = SigningKeys()

    def routes(self) -> list[Route]:
        return [
            Route("/{tenant}/v2.0/.well-known/openid-configuration", self.openid_configuration),
            Route("/{tenant}/discovery/v2.0/keys", self.signing_keys),
            Route("/{tenant}/oauth2/v2.0/token", self.token, methods=["POST"]),
            Route(f"{CONTROL_PREFIX}/login/sign-in", self.sign_in, methods=["POST"]),
            Route(f"{CONTROL_PREFIX}/login/rotate", self.rotate, methods=["POST"]),
        ]

    async def sign_in(self, request: Request) -> JSONResponse:
        """An access token for the API, as Entra ID issues one to a signed-in person (real
        time: the API checks `exp` and `nbf` against its own clock)."""
        try:
            person = parse_body(SignIn, await request.body())
        except InvalidBody as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        now = int(time.time())
        subject = str(uuid.uuid5(uuid.NAMESPACE_URL, person.username))
        token = self._keys.sign(
            {
                "iss": self._issuer,
                "aud": person.audience or self._audience,
                "sub": subject,
                "oid": subject,
                "tid": TENANT,
                "preferred_username": person.username,
                "roles": person.roles,
                "iat": now,
                "nbf": now + person.not_before_seconds,
                "exp": now + person.not_before_seconds + person.lifetime_seconds,
                "ver": "2.0",
            }
        )
        return JSONResponse({"token_type": "Bearer", "access_token": token})

    async def rotate(self, request: Request) -> JSONResponse:
        return JSONResponse({"kid": self._keys.rotate()})

    async def openid_configuration(self, request: Request) -> JSONResponse:
        tenant = request.path_params["tenant"]
        if tenant != TENANT:
            return self._unknown_tenant(request, tenant)
        authority = f"{_origin(request)}/{tenant}"
        return JSONResponse(
            {
                "issuer": f"{authority}/v2.0",
                "authorization_endpoint": f"{authority}/oauth2/v2.0/authorize",
                "token_endpoint": f"{authority}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{authority}/oauth2/v2.0/devicecode",
                "jwks_uri": f"{authority}/discovery/v2.0/keys",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "response_modes_supported": ["query", "fragment", "form_post"],
                "grant_types_supported": ["authorization_code", "client_credentials"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
            }
        )

    async def signing_keys(self, request: Request) -> JSONResponse:
        return JSONResponse({"keys": self._keys.published()})

    async def token(self, request: Request) -> JSONResponse:
        tenant = request.path_params["tenant"]
        if tenant != TENANT:
            return self._unknown_tenant(request, tenant)
        form = dict(parse_qsl((await request.body()).decode()))
        client_id, client_secret = _client_credentials(request, form)
        if form.get("grant_type") != "client_credentials":
            return self._error(
                request,
                400,
                "unsupported_grant_type",
                70003,
                "The app requested an unsupported grant type.",
            )
        if client_id != self._client_id:
            return self._error(
                request,
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{tenant}'.",
            )
        if client_secret != self._client_secret:
            return self._error(
                request,
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                "the client secret value, not the client secret ID, for a secret added to app "
                f"'{client_id}'.",
            )
        scope = form.get("scope", "")
        if " " in scope or not scope.endswith(DEFAULT_SCOPE_SUFFIX):
            return self._error(
                request,
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {scope} is not valid. Client credential flows must "
                "have a scope value with /.default suffixed to the resource identifier "
                "(application ID URI).",
            )
        resource = scope.removesuffix(DEFAULT_SCOPE_SUFFIX)
        return JSONResponse(
            {
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_SECONDS,
                "ext_expires_in": TOKEN_LIFETIME_SECONDS,
                "access_token": self._tokens.issue(resource),
            }
        )

    def _unknown_tenant(self, request: Request, tenant: str) -> JSONResponse:
        return self._error(
            request,
            400,
            "invalid_tenant",
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
            "are signing into the correct cloud.",
        )

    def _error(
        self, request: Request, status: int, error: str, code: int, description: str
    ) -> JSONResponse:
        timestamp = self._clock.now().strftime("%Y-%m-%d %H:%M:%SZ")
        trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
        return JSONResponse(
            {
                "error": error,
                "error_description": (
                    f"AADSTS{code}: {description} Trace ID: {trace_id} "
                    f"Correlation ID: {correlation_id} Timestamp: {timestamp}"
                ),
                "error_codes": [code],
                "timestamp": timestamp,
                "trace_id": trace_id,
                "correlation_id": correlation_id,
                "error_uri": f"{_origin(request)}/error?code={code}",
            },
            status_code=status,
        )


def issuer(settings: SandboxSettings) -> str:
    """The issuer of the tenant's tokens, as its TLS discovery document names it."""
    return f"{https_base_url(settings)}/{TENANT}/v2.0"


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """From the form (client_secret_post) or the Basic header (client_secret_basic)."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return "", ""
        return unquote_plus(client_id), unquote_plus(client_secret)
    return form.get("client_id", ""), form.get("client_secret", "")

"""What an account's read credential must be to read its insights, and how it is kept fresh:
the scope each platform asks for, and the OAuth 2.0 refresh (RFC 6749 §6) at the token endpoint
of the platforms that refresh (X, TikTok, LinkedIn, Google for YouTube). Meta's page tokens do
not refresh: an expired one needs the account reconnected."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from mediaflow_dagster.cms.credentials import ReadCredential
from mediaflow_dagster.resources.http import ServiceUnavailable
from mediaflow_dagster.resources.platforms.readings import CredentialRefused

INSIGHTS_SCOPES = {
    "facebook": "read_insights",
    "instagram": "instagram_manage_insights",
    "youtube": "https://www.googleapis.com/auth/yt-analytics.readonly",
    "linkedin": "r_organization_social",
    "tiktok": "video.list",
    "x": "tweet.read",
}
"""The scope a platform's token needs for the insights mediaflow reads."""

REFRESH_AHEAD = timedelta(minutes=10)
"""A token expiring sooner than this is refreshed before it is used."""


@dataclass(frozen=True)
class TokenEndpoint:
    url: str
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    client_id_field: str = "client_id"


@dataclass(frozen=True)
class Refreshed:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None


def missing_scope(credential: ReadCredential) -> str | None:
    """Why the credential cannot read insights for lack of a scope, if it cannot."""
    needed = INSIGHTS_SCOPES.get(credential.platform)
    if needed and needed not in credential.scopes:
        return f"the credential lacks the scope {needed!r} insights need: reconnect the account"
    return None


def needs_refresh(credential: ReadCredential, now: datetime) -> bool:
    return credential.expires_at is not None and credential.expires_at - REFRESH_AHEAD <= now


def expired(credential: ReadCredential, now: datetime) -> bool:
    return credential.expires_at is not None and credential.expires_at <= now


async def refresh(
    client: httpx.AsyncClient, endpoint: TokenEndpoint, credential: ReadCredential
) -> Refreshed:
    """A new access token for `credential` (and a new refresh token, where the platform rotates
    them). A refusal (`invalid_grant`, a bad client) is `CredentialRefused`; the endpoint not
    answering is `ServiceUnavailable`, for the next hour to try again."""
    if not credential.refresh_token:
        raise CredentialRefused("the credential expired and has no refresh token")
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        response = await client.post(
            endpoint.url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": credential.refresh_token,
                endpoint.client_id_field: endpoint.client_id,
                "client_secret": endpoint.client_secret,
            },
        )
    except httpx.TransportError as error:
        raise ServiceUnavailable(f"refreshing the token: {error!r}") from error
    if response.status_code >= 500 or response.status_code == 429:
        raise ServiceUnavailable(f"refreshing the token: HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not response.is_success or "access_token" not in body:
        reason = body.get("error") or f"HTTP {response.status_code}"
        raise CredentialRefused(f"the platform refused to refresh the token ({reason})")
    expires_in = body.get("expires_in")
    return Refreshed(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token"),
        expires_at=now + timedelta(seconds=int(expires_in)) if expires_in else None,
    )

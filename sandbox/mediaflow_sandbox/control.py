"""How other processes use the sandbox: the settings that aim clients at it, and its control API."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from mediaflow_dagster.settings import MAKE_HOOK_ORIGINS
from mediaflow_sandbox.account_tokens import TOKEN_PATHS
from mediaflow_sandbox.addresses import (
    CONTROL_PREFIX,
    FACEBOOK_PREFIX,
    FEEDS_PREFIX,
    GRAPH_PREFIX,
    INSTAGRAM_PREFIX,
    LINKEDIN_PREFIX,
    MAKE_API_PREFIX,
    MAKE_HOOK_PREFIX,
    MAKE_OAUTH_PREFIX,
    MEILISEARCH_PREFIX,
    N8N_WEBHOOK_PREFIX,
    OPENAI_PREFIX,
    PEXELS_PREFIX,
    SMS_PREFIX,
    TENANT,
    TIKTOK_PREFIX,
    UNSPLASH_PREFIX,
    X_PREFIX,
    YOUTUBE_ANALYTICS_PREFIX,
    YOUTUBE_PREFIX,
    http_base_url,
    https_base_url,
)
from mediaflow_sandbox.clock import iso_z
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.feeds import FEEDS
from mediaflow_sandbox.login import issuer
from mediaflow_sandbox.metrics import as_utc
from mediaflow_sandbox.platforms import PostSeed
from mediaflow_sandbox.processes import background_service
from mediaflow_sandbox.settings import SandboxSettings

READY_POLL_SECONDS = 0.1


def client_environment(sandbox: SandboxSettings) -> dict[str, str]:
    """The MEDIAFLOW_* variables that point every mediaflow client at this sandbox, with the
    credentials it accepts."""
    base = http_base_url(sandbox)
    credentials = {
        f"MEDIAFLOW_{name.upper()}": value
        for name, value in sandbox.credentials().model_dump().items()
    }
    return credentials | {
        "MEDIAFLOW_N8N_WEBHOOK_BASE_URL": f"{base}{N8N_WEBHOOK_PREFIX}",
        "MEDIAFLOW_MICROSOFT_AUTHORITY": f"{https_base_url(sandbox)}/{TENANT}",
        "MEDIAFLOW_MICROSOFT_INSTANCE_DISCOVERY": "false",
        "MEDIAFLOW_MICROSOFT_CLIENT_ID": sandbox.microsoft_client_id,
        "MEDIAFLOW_X_CLIENT_ID": sandbox.x_client_id,
        "MEDIAFLOW_TIKTOK_CLIENT_KEY": sandbox.tiktok_client_key,
        "MEDIAFLOW_LINKEDIN_CLIENT_ID": sandbox.linkedin_client_id,
        "MEDIAFLOW_GOOGLE_CLIENT_ID": sandbox.google_client_id,
        "MEDIAFLOW_CA_BUNDLE": str((sandbox.home / "ca.pem").resolve()),
        "MEDIAFLOW_GRAPH_BASE_URL": f"{base}{GRAPH_PREFIX}",
        "MEDIAFLOW_SHAREPOINT_DRIVE_ID": sandbox.sharepoint_drive_id,
        "MEDIAFLOW_FACEBOOK_GRAPH_URL": f"{base}{FACEBOOK_PREFIX}",
        "MEDIAFLOW_INSTAGRAM_GRAPH_URL": f"{base}{INSTAGRAM_PREFIX}",
        "MEDIAFLOW_YOUTUBE_DATA_URL": f"{base}{YOUTUBE_PREFIX}",
        "MEDIAFLOW_YOUTUBE_ANALYTICS_URL": f"{base}{YOUTUBE_ANALYTICS_PREFIX}",
        "MEDIAFLOW_LINKEDIN_API_URL": f"{base}{LINKEDIN_PREFIX}",
        "MEDIAFLOW_LINKEDIN_VERSION": sandbox.linkedin_version,
        "MEDIAFLOW_TIKTOK_API_URL": f"{base}{TIKTOK_PREFIX}",
        "MEDIAFLOW_X_API_URL": f"{base}{X_PREFIX}",
        **{
            f"MEDIAFLOW_{TOKEN_URL_SETTINGS[platform]}": f"{base}{path}"
            for platform, path in TOKEN_PATHS.items()
        },
        "MEDIAFLOW_MAKE_API_URL": f"{base}{MAKE_API_PREFIX}",
        "MEDIAFLOW_MAKE_AUTHORIZE_URL": (
            f"{base}{MAKE_OAUTH_PREFIX}/connections/{{connection_id}}/authorize"
        ),
        "MEDIAFLOW_MAKE_TEAM_ID": str(sandbox.make_team_id),
        "MEDIAFLOW_MODEL_API_URL": f"{base}{OPENAI_PREFIX}",
        "MEDIAFLOW_MEILISEARCH_URL": f"{base}{MEILISEARCH_PREFIX}",
        "MEDIAFLOW_UNSPLASH_API_URL": f"{base}{UNSPLASH_PREFIX}",
        "MEDIAFLOW_PEXELS_API_URL": f"{base}{PEXELS_PREFIX}",
        "MEDIAFLOW_CONTENT_FEED_URLS": json.dumps(
            [f"{base}{FEEDS_PREFIX}/{name}.xml" for name in FEEDS]
        ),
        "MEDIAFLOW_OIDC_ISSUER": issuer(sandbox),
        "MEDIAFLOW_OIDC_AUDIENCE": sandbox.api_audience,
        "MEDIAFLOW_OIDC_JWKS_URL": f"{https_base_url(sandbox)}/{TENANT}/discovery/v2.0/keys",
        "MEDIAFLOW_MAKE_HOOK_ORIGINS": json.dumps([*MAKE_HOOK_ORIGINS, base]),
        "MEDIAFLOW_SMS_API_URL": f"{base}{SMS_PREFIX}",
    }


TOKEN_URL_SETTINGS = {
    "x": "X_TOKEN_URL",
    "tiktok": "TIKTOK_TOKEN_URL",
    "linkedin": "LINKEDIN_TOKEN_URL",
    "youtube": "GOOGLE_TOKEN_URL",
}


def make_hook_url(sandbox: SandboxSettings, token: str) -> str:
    """A Make scenario webhook URL stand-in for the scenario known by `token`."""
    return f"{http_base_url(sandbox)}{MAKE_HOOK_PREFIX}/{token}"


class SandboxControl:
    def __init__(self, base_url: str, timeout_seconds: float = 10.0) -> None:
        self._client = httpx.Client(
            base_url=f"{base_url.rstrip('/')}{CONTROL_PREFIX}", timeout=timeout_seconds
        )

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def set_clock(self, now: datetime | None) -> datetime:
        """Freeze the simulated clock at `now`; None goes back to real time."""
        answer = self._call("POST", "/clock", json={"now": now.isoformat() if now else None})
        return datetime.fromisoformat(answer["now"])

    def clock(self) -> datetime:
        return datetime.fromisoformat(self._call("GET", "/clock")["now"])

    def seed_posts(self, posts: Iterable[PostSeed]) -> list[dict[str, Any]]:
        """Put posts straight on their platforms (no Make, no media); each one's platform,
        external_id, external_url, publish_id, account_id, publication_id and published_at."""
        body = {"posts": [post.model_dump(mode="json", exclude_none=True) for post in posts]}
        return self._call("POST", "/posts", json=body)["posts"]

    def restate(
        self,
        platform: str,
        external_id: str,
        metric: str,
        *,
        since: datetime,
        factor: float | None = None,
        minus: int | None = None,
    ) -> None:
        """The platform corrects `metric` (a native name, `parent.child`, or "all") of a post
        downwards from `since` on: times `factor`, or less `minus`."""
        body = {
            "platform": platform,
            "external_id": external_id,
            "metric": metric,
            "from": _iso(since),
            "factor": factor,
            "minus": minus,
        }
        self._call("POST", "/restatements", json=body)

    def ground_truth(self, at: datetime | None = None) -> dict[str, Any]:
        """Every post with its native counters at `at` (default: the sandbox's clock)."""
        return self._call("GET", "/ground-truth", params={"at": _iso(at)} if at else None)

    def hourly_ground_truth(
        self, start: datetime, end: datetime, platform: str | None = None
    ) -> dict[str, Any]:
        """One row per post and whole hour from `start` to `end`: its counters at the hour."""
        params = {"from": _iso(start), "to": _iso(end)}
        if platform is not None:
            params["platform"] = platform
        return self._call("GET", "/ground-truth/hourly", params=params)

    def set_faults(self, *rules: FaultRule, seed: int = 0) -> None:
        body = {"rules": [rule.model_dump() for rule in rules], "seed": seed}
        self._call("POST", "/faults", json=body)

    def sent_sms(self) -> list[dict[str, Any]]:
        """Every SMS the provider took, in order: sid, to, body, segments."""
        return self._call("GET", "/sms/messages")

    def text_back(self, sender: str, body: str, webhook_url: str) -> int:
        """The contact at `sender` answers `body`; the status mediaflow's webhook gave."""
        answer = self._call(
            "POST", "/sms/inbound", json={"from": sender, "body": body, "url": webhook_url}
        )
        return answer["status"]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def sign_in(self, username: str, *roles: str, **claims: Any) -> str:
        """An Entra ID access token for mediaflow's API, of `username` with these app roles
        (`audience`, `lifetime_seconds`, `not_before_seconds` bend it for tests)."""
        body = {"username": username, "roles": list(roles), **claims}
        return self._call("POST", "/login/sign-in", json=body)["access_token"]

    def rotate_signing_key(self) -> str:
        """The tenant signs with a new key from now on; returns its id."""
        return self._call("POST", "/login/rotate")["kid"]

    def authorize_connection(self, connection_id: int) -> None:
        """What the agent's browser visit to the authorize URL does."""
        self._call("POST", f"/make/connections/{connection_id}/authorize")

    def expire_connection(self, connection_id: int) -> None:
        """The connection's token expires at the platform."""
        self._call("POST", f"/make/connections/{connection_id}/expire")

    def revoke_connection(self, connection_id: int) -> None:
        """The account's owner revokes Make's access on the platform."""
        self._call("POST", f"/make/connections/{connection_id}/revoke")

    def issue_account_token(
        self,
        platform: str,
        account_id: str,
        *,
        scopes: list[str] | None = None,
        lifetime_seconds: int | None = 3600,
        refreshable: bool = True,
    ) -> dict[str, Any]:
        """What the platform's OAuth gives the account's owner: `access_token`, `scope`,
        `expires_in` / `expires_at` (unless it does not expire) and, where the platform
        refreshes, `refresh_token`. Scopes default to the one insights need."""
        body = {
            "platform": platform,
            "account_id": account_id,
            "scopes": scopes,
            "lifetime_seconds": lifetime_seconds,
            "refreshable": refreshable,
        }
        return self._call("POST", "/account-tokens", json=body)

    def expire_account_token(self, access_token: str) -> None:
        self._call("POST", "/account-tokens/change", json=_change(access_token, "expire"))

    def revoke_account_token(self, access_token: str) -> None:
        """The owner withdrew the token (its refresh token still refreshes nothing)."""
        self._call("POST", "/account-tokens/change", json=_change(access_token, "revoke"))

    def revoke_refresh_token(self, access_token: str) -> None:
        """The refresh token of the grant of `access_token` stops working."""
        self._call("POST", "/account-tokens/change", json=_change(access_token, "revoke_refresh"))

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._client.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()


def _change(access_token: str, change: str) -> dict[str, str]:
    return {"access_token": access_token, "change": change}


def _iso(instant: datetime) -> str:
    """`instant` as the sandbox reads it; a naive one is UTC."""
    return iso_z(as_utc(instant))


@contextmanager
def running_sandbox(
    sandbox: SandboxSettings, timeout: float = 30.0, log_path: Path | None = None
) -> Iterator[SandboxControl]:
    """The sandbox in a child process for the `with` block, with a control client on it."""
    health_url = f"{http_base_url(sandbox)}{CONTROL_PREFIX}/health"
    sandbox.credentials()  # made here, before the child process reads them
    with background_service(
        "mediaflow_sandbox.cli",
        "serve",
        sandbox.environment(),
        health_url,
        log_path=log_path,
        timeout=timeout,
    ):
        control = SandboxControl(http_base_url(sandbox))
        try:
            yield control
        finally:
            control.close()

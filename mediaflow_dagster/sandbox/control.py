"""How other processes use the sandbox: the settings that aim clients at it, and its control API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from mediaflow_dagster.processes import background_service
from mediaflow_dagster.sandbox.addresses import (
    CONTROL_PREFIX,
    FACEBOOK_PREFIX,
    FEEDS_PREFIX,
    GRAPH_PREFIX,
    INSTAGRAM_PREFIX,
    MAKE_API_PREFIX,
    MAKE_HOOK_PREFIX,
    MAKE_OAUTH_PREFIX,
    N8N_WEBHOOK_PREFIX,
    OPENAI_PREFIX,
    PEXELS_PREFIX,
    TENANT,
    UNSPLASH_PREFIX,
    YOUTUBE_PREFIX,
    http_base_url,
    https_base_url,
)
from mediaflow_dagster.sandbox.faults import FaultRule
from mediaflow_dagster.sandbox.feeds import FEEDS
from mediaflow_dagster.settings import Settings

READY_POLL_SECONDS = 0.1


def client_environment(settings: Settings) -> dict[str, str]:
    """The MEDIAFLOW_* variables that point every production client at this sandbox."""
    base = http_base_url(settings)
    return {
        "MEDIAFLOW_N8N_WEBHOOK_BASE_URL": f"{base}{N8N_WEBHOOK_PREFIX}",
        "MEDIAFLOW_MICROSOFT_AUTHORITY": f"{https_base_url(settings)}/{TENANT}",
        "MEDIAFLOW_MICROSOFT_INSTANCE_DISCOVERY": "false",
        "MEDIAFLOW_CA_BUNDLE": str((settings.home / "sandbox" / "ca.pem").resolve()),
        "MEDIAFLOW_GRAPH_BASE_URL": f"{base}{GRAPH_PREFIX}",
        "MEDIAFLOW_FACEBOOK_GRAPH_URL": f"{base}{FACEBOOK_PREFIX}",
        "MEDIAFLOW_INSTAGRAM_GRAPH_URL": f"{base}{INSTAGRAM_PREFIX}",
        "MEDIAFLOW_YOUTUBE_DATA_URL": f"{base}{YOUTUBE_PREFIX}",
        "MEDIAFLOW_MAKE_API_URL": f"{base}{MAKE_API_PREFIX}",
        "MEDIAFLOW_MAKE_AUTHORIZE_URL": (
            f"{base}{MAKE_OAUTH_PREFIX}/connections/{{connection_id}}/authorize"
        ),
        "MEDIAFLOW_MODEL_API_URL": f"{base}{OPENAI_PREFIX}",
        "MEDIAFLOW_UNSPLASH_API_URL": f"{base}{UNSPLASH_PREFIX}",
        "MEDIAFLOW_PEXELS_API_URL": f"{base}{PEXELS_PREFIX}",
        "MEDIAFLOW_CONTENT_FEED_URLS": json.dumps(
            [f"{base}{FEEDS_PREFIX}/{name}.xml" for name in FEEDS]
        ),
    }


def aimed_at_sandbox(settings: Settings) -> Settings:
    """`settings` with every client pointed at the sandbox those settings describe."""
    aimed = {
        key.removeprefix("MEDIAFLOW_").lower(): value
        for key, value in client_environment(settings).items()
    }
    return Settings(**{**settings.model_dump(), **aimed})


def make_hook_url(settings: Settings, token: str) -> str:
    """A Make scenario webhook URL stand-in for the scenario known by `token`."""
    return f"{http_base_url(settings)}{MAKE_HOOK_PREFIX}/{token}"


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

    def ground_truth(self) -> dict[str, Any]:
        return self._call("GET", "/ground-truth")

    def set_faults(self, *rules: FaultRule, seed: int = 0) -> None:
        body = {"rules": [rule.model_dump() for rule in rules], "seed": seed}
        self._call("POST", "/faults", json=body)

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def authorize_connection(self, connection_id: int) -> None:
        """What the agent's browser visit to the authorize URL does."""
        self._call("POST", f"/make/connections/{connection_id}/authorize")

    def expire_connection(self, connection_id: int) -> None:
        """The connection's token expires at the platform."""
        self._call("POST", f"/make/connections/{connection_id}/expire")

    def revoke_connection(self, connection_id: int) -> None:
        """The account's owner revokes Make's access on the platform."""
        self._call("POST", f"/make/connections/{connection_id}/revoke")

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._client.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()


@contextmanager
def running_sandbox(
    settings: Settings, timeout: float = 30.0, log_path: Path | None = None
) -> Iterator[SandboxControl]:
    """The sandbox in a child process for the `with` block, with a control client on it."""
    health_url = f"{http_base_url(settings)}{CONTROL_PREFIX}/health"
    with background_service("sandbox", settings, health_url, log_path=log_path, timeout=timeout):
        control = SandboxControl(http_base_url(settings))
        try:
            yield control
        finally:
            control.close()

"""Publishing through Make.com: each social account has its own scenario, triggered by a webhook.

The scenario also answers a synchronous lookup by idempotency key (its data store), which is how
a publication whose outcome is unknown is reconciled before anything is sent again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field

from mediaflow_dagster.resources.http import HttpResource, post_json
from mediaflow_dagster.settings import MAKE_HOOK_ORIGINS

DEFAULT_PORTS = {"http": 80, "https": 443}


def hook_refusal(url: str, origins: Iterable[str]) -> str | None:
    """Why mediaflow must not post to the webhook `url`, or None when its origin is one of
    `origins` (Make's, as configured): another host, an IP literal, a loopback or private
    address, a user in the URL or plain http are all refused unless that very origin is listed."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port and parts.port != DEFAULT_PORTS.get(parts.scheme) else ""
    origin = f"{parts.scheme}://{parts.hostname}{port}"
    if parts.username is not None or parts.password is not None:
        return "a webhook URL carries no user or password"
    if origin not in {allowed.rstrip("/") for allowed in origins}:
        return f"{origin} is not a Make webhook origin (allowed: {', '.join(origins)})"
    return None


class ScenarioRefused(RuntimeError):
    """The scenario's webhook answered with a client error (scenario off, payload refused)."""


class MakeScenarios(HttpResource):
    """Posts only to webhook URLs of `make_hook_origins`: a URL stored by any other path than
    the API's checks (Make's own answer, an old row) is refused before anything is sent."""

    callback_url: str
    make_hook_origins: list[str] = Field(default=MAKE_HOOK_ORIGINS)

    def trigger(self, webhook_url: str, payload: dict[str, Any]) -> None:
        self._refuse_foreign(webhook_url)
        payload = {**payload, "callback_url": self.callback_url}
        response = post_json(
            webhook_url,
            payload,
            timeout_seconds=self.http_timeout_seconds,
            max_attempts=self.http_max_attempts,
        )
        if response.is_error:
            raise ScenarioRefused(f"HTTP {response.status_code}: {response.text[:300]}")

    def lookup(self, webhook_url: str, idempotency_key: str) -> dict[str, Any]:
        """What the scenario knows of a publication: status published / failed / processing /
        unknown (never received), with the post id or the error."""
        self._refuse_foreign(webhook_url)
        response = post_json(
            webhook_url,
            {"action": "lookup", "idempotency_key": idempotency_key},
            timeout_seconds=self.http_timeout_seconds,
            max_attempts=self.http_max_attempts,
            idempotent=True,
        )
        if response.is_error or "json" not in response.headers.get("content-type", ""):
            raise ScenarioRefused(
                f"lookup: HTTP {response.status_code} {response.text[:300]!r} "
                "(a scenario that is off queues the lookup instead of answering it)"
            )
        return response.json()

    def _refuse_foreign(self, webhook_url: str) -> None:
        if refusal := hook_refusal(webhook_url, self.make_hook_origins):
            raise ScenarioRefused(f"not sent: {refusal}")

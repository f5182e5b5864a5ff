"""Publishing through Make.com: each social account has its own scenario, triggered by a webhook.

The scenario also answers a synchronous lookup by idempotency key (its data store), which is how
a publication whose outcome is unknown is reconciled before anything is sent again.
"""

from __future__ import annotations

from typing import Any

from mediaflow_dagster.resources.http import HttpResource, post_json


class ScenarioRefused(RuntimeError):
    """The scenario's webhook answered with a client error (scenario off, payload refused)."""


class MakeScenarios(HttpResource):
    callback_url: str

    def trigger(self, webhook_url: str, payload: dict[str, Any]) -> None:
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

"""Publishing through Make.com: each social account has its own scenario, triggered by a webhook."""

from __future__ import annotations

from typing import Any

from dagster import ConfigurableResource

from mediaflow_dagster.resources.http import post_json


class ScenarioRefused(RuntimeError):
    """The scenario's webhook answered with a client error (scenario off, payload refused)."""


class MakeScenarios(ConfigurableResource):
    callback_url: str
    timeout_seconds: float = 10.0
    max_attempts: int = 4

    def trigger(self, webhook_url: str, payload: dict[str, Any]) -> None:
        payload = {**payload, "callback_url": self.callback_url}
        response = post_json(
            webhook_url,
            payload,
            timeout_seconds=self.timeout_seconds,
            max_attempts=self.max_attempts,
        )
        if response.is_error:
            raise ScenarioRefused(f"HTTP {response.status_code}: {response.text[:300]}")

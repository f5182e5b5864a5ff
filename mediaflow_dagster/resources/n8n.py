"""Asking n8n to generate content: one webhook-triggered workflow per kind of content."""

from __future__ import annotations

from typing import Any

from mediaflow_dagster.resources.http import HttpResource, post_json

WORKFLOW_PATHS = {
    "video": "generate-video",
    "image": "process-image",
    "text": "generate-text",
    "audio": "generate-audio",
}


class GenerationRefused(RuntimeError):
    """n8n answered the request with a client error: resending it will not help."""


class N8nClient(HttpResource):
    n8n_webhook_base_url: str = "http://127.0.0.1:5678/webhook"
    callback_url: str

    def request_generation(
        self,
        *,
        object_id: int,
        object_type: str,
        request_id: str,
        sources: list[Any],
        config: dict[str, Any],
    ) -> str | None:
        """Start the object's workflow; the n8n execution it started, when n8n says."""
        url = f"{self.n8n_webhook_base_url.rstrip('/')}/{WORKFLOW_PATHS[object_type]}"
        body = {
            "object_id": object_id,
            "object_type": object_type,
            "request_id": request_id,
            "sources": sources,
            "config": config,
            "callback_url": self.callback_url,
        }
        response = post_json(
            url,
            body,
            timeout_seconds=self.http_timeout_seconds,
            max_attempts=self.http_max_attempts,
        )
        if response.is_error:
            raise GenerationRefused(
                f"n8n refused object {object_id}: HTTP {response.status_code} {response.text[:300]}"
            )
        try:
            return str(response.json()["execution_id"])
        except (ValueError, KeyError, TypeError):
            return None

"""The scenarios' data store: what became of each idempotency key, as a lookup answers it."""

from __future__ import annotations

from typing import Any

LOOKUP_FIELDS = ("status", "external_id", "external_url", "publish_id", "published_at", "error")


class PublicationRecords:
    def __init__(self) -> None:
        self._answers: dict[str, dict[str, Any]] = {}

    def processing(self, idempotency_key: str) -> None:
        self._answers[idempotency_key] = {"status": "processing"}

    def settle(self, idempotency_key: str, event: dict[str, Any]) -> None:
        """Record the outcome a publication's callback reports."""
        self._answers[idempotency_key] = {
            name: event[name] for name in LOOKUP_FIELDS if name in event
        }

    def answer(self, idempotency_key: str) -> dict[str, Any]:
        return self._answers.get(idempotency_key, {"status": "unknown"})

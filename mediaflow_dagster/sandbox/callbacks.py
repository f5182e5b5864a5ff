"""Signed callbacks (Standard Webhooks), delivered with retries as n8n and Make deliver them."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks import Webhook

from mediaflow_dagster.sandbox.faults import FaultRule

logger = logging.getLogger(__name__)

DELIVERY_ATTEMPTS = 5
FIRST_RETRY_DELAY_SECONDS = 0.5


@dataclass(frozen=True)
class DeliveryPolicy:
    delay_seconds: float = 0.0
    duplicate: bool = False

    @classmethod
    def under(cls, rule: FaultRule | None) -> DeliveryPolicy:
        if rule is None:
            return cls()
        return cls(delay_seconds=rule.callback_delay_ms / 1000, duplicate=rule.duplicate_callbacks)


class SignedCallbacks:
    def __init__(self, secret: str, timeout_seconds: float) -> None:
        self._webhook = Webhook(secret)
        self._timeout_seconds = timeout_seconds

    async def deliver(self, url: str, event: dict[str, Any], policy: DeliveryPolicy) -> None:
        """POST `event` to `url`; a duplicate delivery reuses the event's webhook-id."""
        await asyncio.sleep(policy.delay_seconds)
        event_id = f"evt_{uuid.uuid4().hex}"
        body = json.dumps(event, separators=(",", ":"))
        async with httpx.AsyncClient(timeout=self._timeout_seconds) as client:
            for _ in range(2 if policy.duplicate else 1):
                await self._deliver_once(client, url, event_id, body)

    async def _deliver_once(
        self, client: httpx.AsyncClient, url: str, event_id: str, body: str
    ) -> None:
        for attempt in range(1, DELIVERY_ATTEMPTS + 1):
            try:
                response = await client.post(
                    url, content=body, headers=self._headers(event_id, body)
                )
            except httpx.TransportError as error:
                failure = repr(error)
            else:
                if response.status_code < 500:
                    if response.is_error:
                        logger.warning(
                            "callback %s to %s refused: HTTP %s",
                            event_id,
                            url,
                            response.status_code,
                        )
                    return
                failure = f"HTTP {response.status_code}"
            if attempt < DELIVERY_ATTEMPTS:
                await asyncio.sleep(FIRST_RETRY_DELAY_SECONDS * 2 ** (attempt - 1))
        logger.warning(
            "callback %s to %s abandoned after %d attempts: %s",
            event_id,
            url,
            DELIVERY_ATTEMPTS,
            failure,
        )

    def _headers(self, event_id: str, body: str) -> dict[str, str]:
        sent_at = datetime.now(UTC)
        return {
            "content-type": "application/json",
            "webhook-id": event_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": self._webhook.sign(event_id, sent_at, body),
        }

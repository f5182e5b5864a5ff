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

from mediaflow_sandbox.faults import Faults

logger = logging.getLogger(__name__)

DELIVERY_ATTEMPTS = 5
FIRST_RETRY_DELAY_SECONDS = 0.5


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the callbacks of one webhook (`channel`) go out under the fault rule in force."""

    channel: str
    delay_seconds: float = 0.0
    duplicate: bool = False
    drop: bool = False
    reorder_window_seconds: float | None = None

    @classmethod
    def for_webhook(cls, faults: Faults, path: str) -> DeliveryPolicy:
        """The policy for callbacks of the webhook at `path`, under the rule for that path."""
        rule = faults.rule_for(path)
        if rule is None:
            return cls(path)
        return cls(
            path,
            delay_seconds=rule.callback_delay_ms / 1000,
            duplicate=rule.duplicate_callbacks,
            drop=rule.drop_callbacks,
            reorder_window_seconds=(
                rule.reorder_window_ms / 1000 if rule.reorder_callbacks else None
            ),
        )


class SignedCallbacks:
    def __init__(self, secret: str, timeout_seconds: float) -> None:
        self._webhook = Webhook(secret)
        self._timeout_seconds = timeout_seconds
        self._held: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        """One client for every callback: a new one per callback costs a TLS context each."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout_seconds)
        return self._client

    async def deliver(self, url: str, event: dict[str, Any], policy: DeliveryPolicy) -> None:
        """POST `event` to `url`, unless the policy drops it; the first callback of a reordered
        channel waits out the window, then sends all the channel's callbacks, last one first."""
        if policy.drop:
            logger.info("callback %s to %s dropped", event.get("type"), url)
            return
        await asyncio.sleep(policy.delay_seconds)
        if policy.reorder_window_seconds is None:
            await self._send(url, event, policy.duplicate)
            return
        held = self._held.setdefault(policy.channel, [])
        held.append((url, event))
        if len(held) == 1:
            await asyncio.sleep(policy.reorder_window_seconds)
            for held_url, held_event in reversed(self._held.pop(policy.channel)):
                await self._send(held_url, held_event, policy.duplicate)

    async def _send(self, url: str, event: dict[str, Any], duplicate: bool) -> None:
        """A duplicate delivery reuses the event's webhook-id."""
        event_id = f"evt_{uuid.uuid4().hex}"
        body = json.dumps(event, separators=(",", ":"))
        for _ in range(2 if duplicate else 1):
            await self._deliver_once(self._http(), url, event_id, body)

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

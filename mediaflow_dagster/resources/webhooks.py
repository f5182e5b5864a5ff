"""Sending outbound webhooks: signed with the Standard Webhooks scheme, one attempt each (the
outbox decides when to try again), a bounded timeout, no redirects, and never to a private,
loopback or link-local address unless settings allow it.

The address is checked when the connection is made, not when the subscription was saved: the
receiver's name is resolved, every address it resolves to must be public, and the request goes
to the address that was checked (the name still travels as `Host` and as the TLS server name,
so certificates are checked against it). A name that resolves to a public address when saved
and to an internal one later is refused.

Each subscription signs with its own secret, derived from `webhook_signing_key` and the
subscription's id: nothing secret is stored, and the secret shown when subscribing is the one
used for every delivery. Changing the signing key changes every subscription's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import socket
from datetime import UTC, datetime
from typing import ClassVar

import httpx
from pydantic import Field
from standardwebhooks import Webhook

from mediaflow_dagster.cms.webhooks import Attempt, Due
from mediaflow_dagster.resources.http import HttpResource, shared_client


class AddressRefused(ValueError):
    """The receiver's address is not one mediaflow may send to."""


class OutboundWebhooks(HttpResource):
    secrets: ClassVar[tuple[str, ...]] = ("webhook_signing_key",)

    webhook_signing_key: str = Field(
        description="The key every subscription's signing secret is derived from (secret)."
    )
    webhook_private_addresses_allowed: bool = Field(
        default=False,
        description="Let webhooks go to private, loopback and link-local addresses (a receiver "
        "on the same network or machine).",
    )

    def secret_for(self, subscription_id: int) -> str:
        """The subscription's signing secret, `whsec_` and 32 bytes in base64."""
        digest = hmac.new(
            self.webhook_signing_key.encode(),
            f"webhook-subscription:{subscription_id}".encode(),
            hashlib.sha256,
        ).digest()
        return "whsec_" + base64.b64encode(digest).decode()

    def address_refusal(self, url: str) -> str | None:
        """Why `url` can never be a receiver (its scheme, a literal private address); None
        when it may be, which only the connection's own check settles."""
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL as error:
            return f"not a URL: {error}"
        if target.scheme not in ("http", "https") or not target.host:
            return "a receiver's URL is http:// or https:// with a host"
        try:
            literal = ipaddress.ip_address(target.host)
        except ValueError:
            return None
        return self._refusal(literal)

    def deliver(self, due: Due) -> Attempt:
        body = json.dumps(due.payload, separators=(",", ":"))
        sent_at = datetime.now(UTC)
        signature = Webhook(self.secret_for(due.subscription_id)).sign(
            due.message_id, sent_at, body
        )
        headers = {
            "content-type": "application/json",
            "webhook-id": due.message_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signature,
        }
        try:
            url, extensions = self._checked_target(httpx.URL(due.url), headers)
            response = shared_client(self.http_timeout_seconds).post(
                url, content=body, headers=headers, extensions=extensions
            )
        except AddressRefused as refused:
            return Attempt(status=None, error=str(refused))
        except httpx.HTTPError as error:
            return Attempt(status=None, error=f"{type(error).__name__}: {error}")
        return Attempt(status=response.status_code, error=_short(response))

    def _checked_target(self, url: httpx.URL, headers: dict[str, str]) -> tuple[httpx.URL, dict]:
        """The URL to connect to (the checked address in place of the name) and the request's
        extensions; the name goes in `headers` as `Host`."""
        if refusal := self.address_refusal(str(url)):
            raise AddressRefused(refusal)
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            resolved = socket.getaddrinfo(url.host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise AddressRefused(f"{url.host} does not resolve: {error}") from error
        addresses = [ipaddress.ip_address(entry[4][0]) for entry in resolved]
        for address in addresses:
            if refusal := self._refusal(address):
                raise AddressRefused(f"{url.host} resolves to {address}: {refusal}")
        headers["host"] = url.netloc.decode()
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        return url.copy_with(host=str(addresses[0]), port=port), extensions

    def _refusal(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
        if address.is_global or self.webhook_private_addresses_allowed:
            return None
        return (
            "private, loopback and link-local addresses are refused "
            "(MEDIAFLOW_WEBHOOK_PRIVATE_ADDRESSES_ALLOWED)"
        )


def _short(response: httpx.Response) -> str | None:
    if response.is_success:
        return None
    return f"HTTP {response.status_code}: {response.text[:200]}"

"""The links a message carries, signed so that nobody can make one for another contact or
message: the double opt-in confirmation, the one-click unsubscribe (RFC 8058), the click
redirect and the opens pixel. Each is a JWT (HS256) whose audience names what it is for, with
an expiry; the routes that take them need no login: the signature is the authority.

A link in a published post is short instead (a post's text has a length limit, and a post stays
up): the id of its `tracked_links` row and an HMAC of it, under the same key, with no expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

import jwt

Purpose = Literal["opt-in", "unsubscribe", "click", "open"]
ROUTES: dict[str, str] = {
    "opt-in": "/api/communication/opt-in",
    "unsubscribe": "/api/communication/unsubscribe",
    "click": "/api/communication/click",
    "open": "/api/communication/open.gif",
}
VISIT_ROUTE = "/api/communication/visit"
VISIT_TAG_LENGTH = 12


class BadLink(Exception):
    """A link that was not signed here, was signed for something else, or has expired."""


@dataclass(frozen=True)
class LinkSigner:
    key: str
    public_api_url: str
    lifetimes: dict[str, timedelta]

    def token(self, purpose: Purpose, claims: dict[str, Any]) -> str:
        expires = datetime.now(UTC) + self.lifetimes[purpose]
        body = {**claims, "aud": f"mediaflow:{purpose}", "exp": expires}
        return jwt.encode(body, self.key, algorithm="HS256")

    def url(self, purpose: Purpose, claims: dict[str, Any]) -> str:
        token = quote(self.token(purpose, claims), safe="")
        return f"{self.public_api_url.rstrip('/')}{ROUTES[purpose]}?token={token}"

    def claims(self, purpose: Purpose, token: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                self.key,
                algorithms=["HS256"],
                audience=f"mediaflow:{purpose}",
                options={"require": ["exp", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise BadLink(f"the {purpose} link is not valid: {error}") from error

    def visit_url(self, link_id: int) -> str:
        """The short address of a post's tracked link."""
        return (
            f"{self.public_api_url.rstrip('/')}{VISIT_ROUTE}/{link_id}.{self._visit_tag(link_id)}"
        )

    def visited_link(self, code: str) -> int:
        """The tracked link's id a short address names; `BadLink` unless it was made here."""
        link_id, _, tag = code.partition(".")
        if not link_id.isdecimal() or len(link_id) > 12:
            raise BadLink("the visit link is not valid: no link id")
        if not hmac.compare_digest(tag, self._visit_tag(int(link_id))):
            raise BadLink("the visit link is not valid: it was not signed here")
        return int(link_id)

    def _visit_tag(self, link_id: int) -> str:
        digest = hmac.new(self.key.encode(), f"visit:{link_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:VISIT_TAG_LENGTH]

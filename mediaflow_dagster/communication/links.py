"""The links a message carries, signed so that nobody can make one for another contact or
message: the double opt-in confirmation, the one-click unsubscribe (RFC 8058), the click
redirect and the opens pixel. Each is a JWT (HS256) whose audience names what it is for, with
an expiry; the routes that take them need no login: the signature is the authority."""

from __future__ import annotations

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

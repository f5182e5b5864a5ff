"""SMS through a Twilio-compatible provider: `POST /2010-04-01/Accounts/{sid}/Messages.json`
with HTTP Basic (account SID, auth token), each message asking for its status callbacks. 429 and
5xx answers are retried with backoff (Retry-After honoured, `resources/http.py`); a 4xx is
`SmsRefused` with the provider's code and message. The same auth token verifies the provider's
`X-Twilio-Signature` on the callbacks it sends (`twilio_signature`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, ClassVar

import httpx
from pydantic import Field

from mediaflow_dagster.resources.http import HttpResource, send, shared_client

STATUS_ROUTE = "/api/communication/sms/status"
INBOUND_ROUTE = "/api/communication/sms/inbound"


class SmsRefused(Exception):
    """The provider refused the message for good (an invalid number, a blocked sender…)."""


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """HMAC-SHA1 (base64) of the URL then each parameter's name and value in name order."""
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    return base64.b64encode(
        hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    ).decode()


def signed_by_provider(auth_token: str, url: str, params: dict[str, str], signature: str) -> bool:
    return hmac.compare_digest(twilio_signature(auth_token, url, params), signature)


class SmsProvider(HttpResource):
    secrets: ClassVar[tuple[str, ...]] = ("sms_account_sid", "sms_auth_token")

    sms_api_url: str = "https://api.twilio.com"
    sms_account_sid: str
    sms_auth_token: str
    sms_sender: str = Field(default="Mediaflow", description="The `From`: a number or a name.")
    public_api_url: str = Field(
        default="http://127.0.0.1:8000", description="Where the provider sends the callbacks."
    )
    ca_bundle: str | None = None

    @property
    def status_callback_url(self) -> str:
        return f"{self.public_api_url.rstrip('/')}{STATUS_ROUTE}"

    def check(self) -> None:
        """Raises unless the provider answers for the account with its credentials and the
        account is active (Twilio's account fetch; nothing of its answer is kept)."""
        url = f"{self.sms_api_url.rstrip('/')}/2010-04-01/Accounts/{self.sms_account_sid}.json"
        response = send(
            shared_client(self.http_timeout_seconds, self.ca_bundle),
            lambda client: client.get(
                url, auth=httpx.BasicAuth(self.sms_account_sid, self.sms_auth_token)
            ),
            max_attempts=self.http_max_attempts,
            idempotent=True,
        )
        if response.status_code >= 400:
            raise SmsRefused(f"the account check answered {response.status_code}")
        status = response.json().get("status")
        if status != "active":
            raise SmsRefused(f"the account is {status}")

    def send_sms(self, to: str, body: str) -> dict[str, Any]:
        """The provider's message (`sid`, `status`, `num_segments`)."""
        url = (
            f"{self.sms_api_url.rstrip('/')}/2010-04-01/Accounts/{self.sms_account_sid}"
            "/Messages.json"
        )
        form = {
            "To": to,
            "From": self.sms_sender,
            "Body": body,
            "StatusCallback": self.status_callback_url,
        }
        response = send(
            shared_client(self.http_timeout_seconds, self.ca_bundle),
            lambda client: client.post(
                url, data=form, auth=httpx.BasicAuth(self.sms_account_sid, self.sms_auth_token)
            ),
            max_attempts=self.http_max_attempts,
            idempotent=False,
        )
        if response.status_code >= 400:
            try:
                error = response.json()
            except ValueError:
                error = {}
            raise SmsRefused(
                f"{response.status_code} {error.get('code', '')} {error.get('message', '')}".strip()
            )
        return response.json()

"""A Twilio-shaped SMS provider: the account fetch (`GET /2010-04-01/Accounts/{sid}.json`), the
Messages resource (`POST /2010-04-01/Accounts/{sid}/
Messages.json`, HTTP Basic with the account SID and auth token, form-encoded), numbers checked
(E.164, error 21211 otherwise), the parts counted, and status callbacks `sent` then `delivered`
(`undelivered` for numbers ending in 0000) to the message's `StatusCallback`, signed with
`X-Twilio-Signature` as Twilio signs them. The control API lists what was sent and plays a
contact's answer (STOP) to the inbound webhook."""

from __future__ import annotations

import base64
import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_dagster.communication.phones import InvalidPhone, e164
from mediaflow_dagster.communication.sms_segments import segments
from mediaflow_dagster.resources.sms import twilio_signature
from mediaflow_sandbox.addresses import CONTROL_PREFIX, SMS_PREFIX
from mediaflow_sandbox.background import BackgroundWork

UNDELIVERABLE_SUFFIX = "0000"


@dataclass
class SentSms:
    sid: str
    to: str
    sender: str
    body: str
    segments: int
    status_callback: str | None


@dataclass
class SmsProvider:
    account_sid: str
    auth_token: str
    work: BackgroundWork
    sent: list[SentSms] = field(default_factory=list)

    def routes(self) -> list[Route]:
        return [
            Route(
                f"{SMS_PREFIX}/2010-04-01/Accounts/{{sid}}/Messages.json",
                self.create_message,
                methods=["POST"],
            ),
            Route(
                f"{SMS_PREFIX}/2010-04-01/Accounts/{{sid}}.json",
                self.fetch_account,
                methods=["GET"],
            ),
            Route(f"{CONTROL_PREFIX}/sms/messages", self.list_sent, methods=["GET"]),
            Route(f"{CONTROL_PREFIX}/sms/inbound", self.inbound, methods=["POST"]),
        ]

    async def fetch_account(self, request: Request) -> JSONResponse:
        if request.path_params["sid"] != self.account_sid or not self._authorized(request):
            return _error(401, 20003, "Authenticate")
        return JSONResponse(
            {
                "sid": self.account_sid,
                "friendly_name": "mediaflow sandbox",
                "status": "active",
                "type": "Full",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}.json",
            }
        )

    async def create_message(self, request: Request) -> JSONResponse:
        if request.path_params["sid"] != self.account_sid or not self._authorized(request):
            return _error(401, 20003, "Authenticate")
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        body, to = str(form.get("Body", "")), str(form.get("To", ""))
        if not body:
            return _error(400, 21602, "Message body is required.")
        try:
            to = e164(to)
        except InvalidPhone:
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        sms = SentSms(
            sid="SM" + secrets.token_hex(16),
            to=to,
            sender=str(form.get("From") or form.get("MessagingServiceSid") or ""),
            body=body,
            segments=segments(body).count,
            status_callback=str(form["StatusCallback"]) if form.get("StatusCallback") else None,
        )
        self.sent.append(sms)
        if sms.status_callback:
            self.work.start(self._report(sms), name=f"status of {sms.sid}")
        return JSONResponse(
            {
                "sid": sms.sid,
                "account_sid": self.account_sid,
                "to": sms.to,
                "from": sms.sender,
                "body": sms.body,
                "status": "queued",
                "num_segments": str(sms.segments),
                "direction": "outbound-api",
            },
            status_code=201,
        )

    async def list_sent(self, request: Request) -> JSONResponse:
        return JSONResponse(
            [
                {"sid": sms.sid, "to": sms.to, "body": sms.body, "segments": sms.segments}
                for sms in self.sent
            ]
        )

    async def inbound(self, request: Request) -> JSONResponse:
        """Play a contact's text (`{"from": …, "body": "STOP", "url": <webhook>}`) to mediaflow."""
        wanted = await request.json()
        params = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": self.account_sid,
            "From": wanted["from"],
            "To": wanted.get("to", "Mediaflow"),
            "Body": wanted["body"],
        }
        status = await self._post(wanted["url"], params)
        return JSONResponse({"status": status})

    async def _report(self, sms: SentSms) -> None:
        final = "undelivered" if sms.to.endswith(UNDELIVERABLE_SUFFIX) else "delivered"
        for status in ("sent", final):
            params = {
                "MessageSid": sms.sid,
                "MessageStatus": status,
                "AccountSid": self.account_sid,
                "To": sms.to,
            }
            if status == "undelivered":
                params["ErrorCode"] = "30003"
            await self._post(sms.status_callback, params)

    async def _post(self, url: str, params: dict[str, str]) -> int:
        headers = {"X-Twilio-Signature": twilio_signature(self.auth_token, url, params)}
        async with httpx.AsyncClient(timeout=10) as client:
            try:
                response = await client.post(url, data=params, headers=headers)
            except httpx.HTTPError:
                return 0
        return response.status_code

    def _authorized(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return hmac.compare_digest(request.headers.get("authorization", ""), f"Basic {expected}")


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "status": status, "more_info": ""},
        status_code=status,
    )

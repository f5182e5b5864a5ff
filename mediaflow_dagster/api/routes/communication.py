"""The routes a contact reaches from a message, without logging in: the signed link is the
authority. The double opt-in confirmation, and the unsubscribe link: a page with a button on
GET (a mail scanner following links must not unsubscribe anyone), and RFC 8058's one-click POST
(`List-Unsubscribe=One-Click`), which mail providers send on the contact's behalf."""

from __future__ import annotations

import base64
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from mediaflow_dagster.api.communication_models import Confirmed, Unsubscribed
from mediaflow_dagster.api.context import ApiContext, context
from mediaflow_dagster.api.problems import documented
from mediaflow_dagster.api.routes.common import ANY_REQUEST
from mediaflow_dagster.api.security import connection, transaction
from mediaflow_dagster.cms import attribution, contacts, notifications
from mediaflow_dagster.communication.links import BadLink
from mediaflow_dagster.communication.utm import is_link_preview
from mediaflow_dagster.resources.sms import INBOUND_ROUTE, STATUS_ROUTE, signed_by_provider

public = APIRouter(prefix="/api/communication", tags=["communication"])
Store = Annotated[Connection, Depends(connection)]
Api = Annotated[ApiContext, Depends(context)]
Token = Annotated[str, Query(min_length=1, max_length=2000)]
VisitCode = Annotated[str, Path(min_length=3, max_length=40)]
LINK_REFUSED = documented(*ANY_REQUEST, 403, 404)
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET"})


def claims(api: ApiContext, purpose: str, token: str) -> dict[str, Any]:
    try:
        return api.links.claims(purpose, token)
    except BadLink as error:
        raise HTTPException(403, str(error)) from error


@public.get("/opt-in", response_model=Confirmed, responses=LINK_REFUSED)
def confirm_opt_in(token: Token, request: Request, store: Store, api: Api) -> dict[str, Any]:
    """The contact confirms the consent the link was sent for (double opt-in)."""
    consent_id = claims(api, "opt-in", token)["consent"]
    transaction(request).audited = ("contact", "signed-link:opt-in")
    consent = contacts.confirm_consent(store, consent_id)
    return {"status": "confirmed", "channel": consent["channel"], "purpose": consent["purpose"]}


@public.get("/unsubscribe", response_class=HTMLResponse, responses=LINK_REFUSED)
def unsubscribe_page(token: Token, api: Api) -> HTMLResponse:
    """A page with the button that unsubscribes (nothing changes on GET)."""
    claims(api, "unsubscribe", token)
    return HTMLResponse(
        "<!doctype html><title>Unsubscribe</title>"
        '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        "<button>Unsubscribe</button></form>"
    )


@public.post("/unsubscribe", response_model=Unsubscribed, responses=LINK_REFUSED)
def unsubscribe(token: Token, request: Request, store: Store, api: Api) -> dict[str, Any]:
    """RFC 8058 one-click: the marketing consent of the link's channel is withdrawn and the
    address suppressed for marketing; no login, no confirmation asked."""
    signed = claims(api, "unsubscribe", token)
    transaction(request).audited = ("contact", "signed-link:unsubscribe")
    contacts.withdraw_consent(
        store, api.vault, signed["contact"], signed["channel"], source="one_click_unsubscribe"
    )
    notifications.record_unsubscribe(store, signed.get("message"))
    return {"status": "unsubscribed", "channel": signed["channel"]}


PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@public.get("/open.gif", response_class=Response, responses=LINK_REFUSED)
def opened(token: Token, store: Store, api: Api) -> Response:
    """The opens pixel: a one-pixel GIF, the open recorded."""
    signed = claims(api, "open", token)
    notifications.record_tracking(store, signed["message"], "opened")
    return Response(PIXEL, media_type="image/gif", headers={"cache-control": "no-store"})


@public.get("/click", status_code=302, response_class=RedirectResponse, responses=LINK_REFUSED)
def clicked(token: Token, store: Store, api: Api) -> RedirectResponse:
    """A link of a message: the click recorded, then on to where the link points. Only a link
    signed here redirects: this is no open redirect."""
    signed = claims(api, "click", token)
    notifications.record_tracking(store, signed["message"], "clicked")
    destination = attribution.message_click(store, signed["message"], signed["url"])
    return RedirectResponse(destination, status_code=302)


@public.get(
    "/visit/{code}", status_code=302, response_class=RedirectResponse, responses=LINK_REFUSED
)
def visited(code: VisitCode, request: Request, store: Store, api: Api) -> RedirectResponse:
    """A link of a published post: the click recorded under a new click id, then on to the
    UTM-tagged address with the click id (`mf_click`), which the CRM sends back with the
    conversion. A platform's robot fetching the link for its preview is sent on uncounted.
    Only a link made here redirects: this is no open redirect."""
    try:
        link_id = api.links.visited_link(code)
    except BadLink as error:
        raise HTTPException(403, str(error)) from error
    preview = is_link_preview(request.headers.get("user-agent", ""))
    destination = attribution.post_click(store, link_id, counted=not preview)
    if destination is None:
        raise HTTPException(404, f"there is no tracked link {link_id}")
    return RedirectResponse(destination, status_code=302)


async def provider_form(request: Request, api: ApiContext, route: str) -> dict[str, str]:
    """The form of an SMS provider callback, when its `X-Twilio-Signature` is the provider's
    over this route's public URL and the form (403 otherwise)."""
    form = dict(parse_qsl((await request.body()).decode(errors="replace"), keep_blank_values=True))
    url = f"{api.sms_provider.public_api_url.rstrip('/')}{route}"
    signature = request.headers.get("x-twilio-signature", "")
    if not signed_by_provider(api.sms_provider.sms_auth_token, url, form, signature):
        raise HTTPException(403, "the callback is not signed by the SMS provider")
    return form


@public.post("/sms/status", responses=LINK_REFUSED)
async def sms_status(request: Request, api: Api) -> Response:
    """The SMS provider's status callback (`MessageSid`, `MessageStatus`, `ErrorCode`)."""
    form = await provider_form(request, api, STATUS_ROUTE)
    if not form.get("MessageSid") or not form.get("MessageStatus"):
        raise HTTPException(422, "MessageSid and MessageStatus are required")
    await run_in_threadpool(
        _keep_status, request, form["MessageSid"], form["MessageStatus"], form.get("ErrorCode")
    )
    return Response(status_code=204)


def _keep_status(request: Request, sid: str, status: str, error_code: str | None) -> None:
    transaction(request).audited = ("sms-provider", "signature:status-callback")
    notifications.record_sms_status(connection(request), sid[:200], status[:30], error_code)


@public.post("/sms/inbound", responses=LINK_REFUSED)
async def sms_inbound(request: Request, api: Api) -> Response:
    """A contact's text: STOP (or its synonyms) withdraws their SMS marketing consent."""
    form = await provider_form(request, api, INBOUND_ROUTE)
    if form.get("Body", "").strip().upper() in STOP_WORDS and form.get("From"):
        await run_in_threadpool(_stop, request, api, form["From"])
    return Response(status_code=204)


def _stop(request: Request, api: ApiContext, sender: str) -> None:
    transaction(request).audited = ("sms-provider", "signature:inbound")
    store = connection(request)
    index = api.vault.address_index("sms", sender)
    contact_id = contacts.contact_by_index(store, "sms", index)
    if contact_id is not None:
        contacts.withdraw_consent(store, api.vault, contact_id, "sms", source="sms_stop")
    else:
        contacts.suppress(store, "sms", index, "withdrawal")

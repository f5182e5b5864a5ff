"""The routes a contact reaches from a message, without logging in: the signed link is the
authority. The double opt-in confirmation, and the unsubscribe link: a page with a button on
GET (a mail scanner following links must not unsubscribe anyone), and RFC 8058's one-click POST
(`List-Unsubscribe=One-Click`), which mail providers send on the contact's behalf."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from mediaflow_dagster.api.communication_models import Confirmed, Unsubscribed
from mediaflow_dagster.api.context import ApiContext, context
from mediaflow_dagster.api.problems import documented
from mediaflow_dagster.api.routes.common import ANY_REQUEST
from mediaflow_dagster.api.security import connection, transaction
from mediaflow_dagster.cms import contacts, notifications
from mediaflow_dagster.communication.links import BadLink

public = APIRouter(prefix="/api/communication", tags=["communication"])
Store = Annotated[Connection, Depends(connection)]
Api = Annotated[ApiContext, Depends(context)]
Token = Annotated[str, Query(min_length=1, max_length=2000)]
LINK_REFUSED = documented(*ANY_REQUEST, 403, 404)


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

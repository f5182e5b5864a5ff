"""Contacts, their consent, CSV imports and the suppression list. Every answer that shows a
contact's personal data is entered in the audit log with who read it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from sqlalchemy import Connection

from mediaflow_dagster.api.communication_models import (
    Consent,
    ConsentIn,
    Contact,
    ContactImport,
    ContactImportIn,
    ContactIn,
    Suppression,
    SuppressionIn,
    WithdrawalIn,
)
from mediaflow_dagster.api.context import ApiContext, context
from mediaflow_dagster.api.models import Page
from mediaflow_dagster.api.problems import documented
from mediaflow_dagster.api.routes.common import Cursor, Limit, PathId, protected_router
from mediaflow_dagster.api.security import Principal, connection, require
from mediaflow_dagster.cms import contact_imports, contacts
from mediaflow_dagster.cms.audit import record_change
from mediaflow_dagster.communication.contact_fields import Segment

router = protected_router(prefix="/api/contacts", tags=["contacts"])
Store = Annotated[Connection, Depends(connection)]
Api = Annotated[ApiContext, Depends(context)]
Reader = require("contacts:read")
Writer = require("contacts:write")


def record_read(store: Connection, request: Request, principal: Principal) -> None:
    """Personal data was shown: who, with which credential, which route and target."""
    route = request.scope.get("route")
    record_change(
        store,
        actor=principal.actor,
        credential=principal.credential,
        method=request.method,
        route=getattr(route, "path", request.url.path),
        target=request.url.path,
        status=200,
    )


@router.post("", status_code=201, response_model=Contact, responses=documented(409))
def create_contact(
    contact: ContactIn, response: Response, store: Store, api: Api, principal: Writer
) -> dict[str, Any]:
    """A contact, with the consents given when it was collected (marketing ones wait for the
    double opt-in: the confirmation message is queued)."""
    fields = contact.model_dump(exclude={"consents"})
    created = contacts.create_contact(store, api.vault, fields)
    for consent in contact.consents:
        contacts.record_consent(store, created, **consent.model_dump())
    response.headers["location"] = f"/api/contacts/{created['id']}"
    return contacts.get_contact(store, api.vault, created["id"])


@router.get("", response_model=Page[Contact])
def list_contacts(
    request: Request,
    store: Store,
    api: Api,
    principal: Reader,
    segment: Annotated[Segment | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    items, next_cursor = contacts.contacts_page(store, api.vault, cursor, limit, segment)
    record_read(store, request, principal)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{contact_id}", response_model=Contact, responses=documented(404))
def get_contact(
    contact_id: PathId, request: Request, store: Store, api: Api, principal: Reader
) -> dict[str, Any]:
    contact = contacts.get_contact(store, api.vault, contact_id)
    record_read(store, request, principal)
    return contact


@router.post(
    "/{contact_id}/consents",
    status_code=201,
    response_model=Consent,
    responses=documented(404, 409),
)
def record_consent(
    contact_id: PathId, consent: ConsentIn, store: Store, api: Api, _: Writer
) -> dict[str, Any]:
    """Consent as the contact gave it; marketing waits for the double opt-in."""
    contact = contacts.get_contact(store, api.vault, contact_id)
    return contacts.record_consent(store, contact, **consent.model_dump())


@router.post("/{contact_id}/withdrawals", response_model=Contact, responses=documented(404))
def withdraw_consent(
    contact_id: PathId, withdrawal: WithdrawalIn, store: Store, api: Api, principal: Writer
) -> dict[str, Any]:
    """The contact said they want no more of these messages (by phone, at the counter…)."""
    contacts.get_contact(store, api.vault, contact_id)
    contacts.withdraw_consent(
        store,
        api.vault,
        contact_id,
        withdrawal.channel,
        source=f"api:{principal.actor}"[:100],
        purposes=tuple(withdrawal.purposes),
    )
    return contacts.get_contact(store, api.vault, contact_id)


@router.post("/imports", status_code=202, response_model=ContactImport)
def import_contacts(
    wanted: ContactImportIn, response: Response, store: Store, api: Api, principal: Writer
) -> dict[str, Any]:
    """A CSV file of contacts, imported by the `contact_imports` run: follow it at the
    `location`. Every line is stored, or none when a line is bad (the errors name each)."""
    created = contact_imports.create_import(
        store,
        api.vault,
        content=wanted.csv,
        source=wanted.source,
        wording_version=wanted.wording_version,
        requested_by=principal.actor,
    )
    response.headers["location"] = f"/api/contacts/imports/{created['id']}"
    return created


@router.get("/imports/{import_id}", response_model=ContactImport, responses=documented(404))
def get_import(import_id: PathId, store: Store, _: Reader) -> dict[str, Any]:
    return contact_imports.get_import(store, import_id)


suppression_router = protected_router(prefix="/api/suppressions", tags=["contacts"])


@suppression_router.get("", response_model=Page[Suppression])
def list_suppressions(
    store: Store, _: Reader, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    items, next_cursor = contacts.suppressions_page(store, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@suppression_router.post("", status_code=201, response_model=Suppression)
def suppress(wanted: SuppressionIn, store: Store, api: Api, _: Writer) -> dict[str, Any]:
    """An address no message may go to (a complaint received by other means, …)."""
    index = api.vault.address_index(wanted.channel, wanted.address)
    contacts.suppress(store, wanted.channel, index, wanted.reason)
    return contacts.suppression(store, wanted.channel, index)

"""Menus: written and replaced by editors (each write a new version, rendered for every
platform at once; a menu with an item none of its platforms can show is a 422 naming it), read
with each platform's synchronisation; the website's feed is public."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from mediaflow_dagster.api.bodies import JsonRoute
from mediaflow_dagster.api.menu_models import MenuIn, MenuOut, MenuVersionOut
from mediaflow_dagster.api.models import INT32_MAX, Page
from mediaflow_dagster.api.problems import documented
from mediaflow_dagster.api.routes.common import (
    ANY_REQUEST,
    Cursor,
    Limit,
    PathId,
    protected_router,
)
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import menus as cms
from mediaflow_dagster.cms.errors import StaleVersion

router = protected_router(prefix="/api/communication/menus", tags=["menus"])
public = APIRouter(
    prefix="/api/communication/menus",
    tags=["menus"],
    route_class=JsonRoute,
    responses=documented(*ANY_REQUEST),
)
Store = Annotated[Connection, Depends(connection)]
Reader = require("campaigns:read")
Editor = require("campaigns:write")
Version = Annotated[int, Path(ge=1, le=INT32_MAX)]
IF_MATCH = re.compile(r'^(?:W/)?"menu-(\d{1,9})-v(\d{1,9})"$')
JSON_LD = "application/ld+json"


def etag(menu: dict[str, Any]) -> str:
    return f'"menu-{menu["id"]}-v{menu["version"]}"'


def _fields(wanted: MenuIn) -> dict[str, Any]:
    return {
        "menu": wanted.menu,
        "campaign_id": wanted.campaign_id,
        "platforms": list(wanted.platforms),
        "notify": wanted.notify.model_dump(mode="json") if wanted.notify else None,
    }


@router.post("", status_code=201, response_model=MenuOut, responses=documented(404))
def create_menu(wanted: MenuIn, response: Response, store: Store, editor: Editor) -> dict:
    """A new menu at version 1; its synchronisation starts at the next tick of the
    `menu_versions` sensor."""
    created = cms.create_menu(store, actor=editor.actor, **_fields(wanted))
    response.headers["location"] = f"/api/communication/menus/{created['id']}"
    response.headers["etag"] = etag(created)
    return created


@router.get("", response_model=Page[MenuOut])
def list_menus(store: Store, _: Reader, limit: Limit = 50, cursor: Cursor = None) -> dict:
    items, next_cursor = cms.list_menus(store, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{menu_id}", response_model=MenuOut, responses=documented(404))
def get_menu(menu_id: PathId, response: Response, store: Store, _: Reader) -> dict:
    """The menu at its latest version, with its `ETag` (send it back as `If-Match` to replace
    it) and each platform's status for its latest visible version."""
    menu = cms.get_menu(store, menu_id)
    response.headers["etag"] = etag(menu)
    return menu


@router.put("/{menu_id}", response_model=MenuOut, responses=documented(404, 412, 428))
def replace_menu(
    menu_id: PathId,
    wanted: MenuIn,
    response: Response,
    store: Store,
    editor: Editor,
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> dict:
    """The menu's next version, if the menu is still the one read (`If-Match`: 428 without
    one, 412 when it changed since). A version that changes no platform's document is kept
    but publishes nothing and notifies no one (`visible_change` false)."""
    if if_match is None:
        raise HTTPException(428, "send If-Match with the menu's ETag (GET it first)")
    matched = IF_MATCH.match(if_match.strip())
    if matched is None or int(matched.group(1)) != menu_id:
        cms.get_menu(store, menu_id)
        raise StaleVersion(f"If-Match {if_match!r} is not an ETag of menu {menu_id}")
    replaced = cms.replace_menu(
        store, menu_id, int(matched.group(2)), actor=editor.actor, **_fields(wanted)
    )
    response.headers["etag"] = etag(replaced)
    return replaced


@router.get(
    "/{menu_id}/versions/{version}", response_model=MenuVersionOut, responses=documented(404)
)
def get_version(menu_id: PathId, version: Version, store: Store, _: Reader) -> dict:
    """One version as written, with every platform's document made from it."""
    return cms.menu_version(store, menu_id, version)


@router.get("/{menu_id}/google-business-profile", responses=documented(404))
def google_business_document(menu_id: PathId, store: Store, _: Reader) -> dict[str, Any]:
    """The Google Business Profile `foodMenus` document of the latest synchronised version,
    with the item photos to upload beside it."""
    return cms.served_document(store, menu_id, "google_business")


@public.get(
    "/{menu_id}/website",
    response_class=JSONResponse,
    responses={200: {"content": {JSON_LD: {}}}, **documented(404)},
)
def website_feed(menu_id: PathId, store: Store) -> JSONResponse:
    """The schema.org `Menu` JSON-LD of the latest synchronised version, for the restaurant's
    website (public: it is what the website shows anyone)."""
    document = cms.served_document(store, menu_id, "website")
    return JSONResponse(document, media_type=JSON_LD)

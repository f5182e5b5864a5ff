"""A SharePoint document library and the Microsoft Graph endpoints that reach it."""

from __future__ import annotations

import base64
import hashlib
import io
import mimetypes
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from PIL import Image
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from mediaflow_dagster.sandbox.addresses import GRAPH_PREFIX, SHAREPOINT_PREFIX
from mediaflow_dagster.sandbox.clock import SimulatedClock, iso_z
from mediaflow_dagster.sandbox.login import AccessTokens

GRAPH_RESOURCES = frozenset({"https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"})
LINK_ROLES = {"view": ["read"], "embed": ["read"], "edit": ["write"]}
LINK_SCOPES = frozenset({"anonymous", "organization", "users"})
LIBRARY_PATH = "/sites/mediaflow/Shared Documents"


@dataclass
class DriveItem:
    id: str
    path: str
    content: bytes
    created_at: datetime
    modified_at: datetime
    download_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    facets: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def folder(self) -> str:
        return self.path.rpartition("/")[0]

    @property
    def mime_type(self) -> str:
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class SharingLink:
    id: str
    item_id: str
    type: str
    scope: str
    web_url: str


class Drive:
    """One document library: files by path, stable item ids, one sharing link per kind."""

    def __init__(self, drive_id: str, base_url: str, clock: SimulatedClock) -> None:
        self.drive_id = drive_id
        self._base_url = base_url
        self._clock = clock
        self._items: dict[str, DriveItem] = {}
        self._links: dict[tuple[str, str, str], SharingLink] = {}

    def put(
        self, path: str, content: bytes, facets: dict[str, Any] | None = None
    ) -> tuple[DriveItem, bool]:
        """Store `content` at `path`, replacing what was there; True when the item is new.
        `facets` are what Graph would read from the file (a video's duration, say)."""
        path = path.strip("/")
        item_id = self._item_id(path)
        now = self._clock.now().replace(microsecond=0)
        existing = self._items.get(item_id)
        if existing is not None:
            existing.content, existing.modified_at = content, now
            existing.facets = facets or {}
            return existing, False
        item = DriveItem(
            id=item_id,
            path=path,
            content=content,
            created_at=now,
            modified_at=now,
            facets=facets or {},
        )
        self._items[item_id] = item
        return item, True

    def item(self, item_id: str) -> DriveItem | None:
        return self._items.get(item_id)

    def item_at(self, path: str) -> DriveItem | None:
        return self._items.get(self._item_id(path.strip("/")))

    def share(self, item: DriveItem, link_type: str, scope: str) -> tuple[SharingLink, bool]:
        """The item's link of that type and scope, made on first asking; True when new."""
        key = (item.id, link_type, scope)
        if key in self._links:
            return self._links[key], False
        link_id = secrets.token_urlsafe(16)
        link = SharingLink(
            id=link_id,
            item_id=item.id,
            type=link_type,
            scope=scope,
            web_url=f"{self._base_url}{SHAREPOINT_PREFIX}/s/{link_id}",
        )
        self._links[key] = link
        return link, True

    def shared_item(self, link_id: str) -> DriveItem | None:
        link = next((link for link in self._links.values() if link.id == link_id), None)
        return None if link is None else self._items.get(link.item_id)

    def web_url(self, item: DriveItem) -> str:
        return f"{self._base_url}{SHAREPOINT_PREFIX}{quote(LIBRARY_PATH)}/{quote(item.path)}"

    def download_url(self, item: DriveItem) -> str:
        return (
            f"{self._base_url}{SHAREPOINT_PREFIX}/download/{item.id}?tempauth={item.download_token}"
        )

    def describe(self, item: DriveItem) -> dict[str, Any]:
        """The item as a Graph driveItem resource."""
        return {
            "@microsoft.graph.downloadUrl": self.download_url(item),
            "id": item.id,
            "name": item.name,
            "size": len(item.content),
            "webUrl": self.web_url(item),
            "createdDateTime": iso_z(item.created_at),
            "lastModifiedDateTime": iso_z(item.modified_at),
            "file": {
                "mimeType": item.mime_type,
                "hashes": {"sha256Hash": hashlib.sha256(item.content).hexdigest().upper()},
            },
            "parentReference": {
                "driveType": "documentLibrary",
                "driveId": self.drive_id,
                "path": f"/drives/{self.drive_id}/root:/{item.folder}".rstrip("/"),
            },
            **image_facet(item),
            **item.facets,
        }

    def _item_id(self, path: str) -> str:
        digest = hashlib.sha256(f"{self.drive_id}:{path}".encode()).digest()
        return "01" + base64.b32encode(digest).decode()[:32]


def image_facet(item: DriveItem) -> dict[str, Any]:
    """Graph's `image` facet, read from the picture itself (Pillow); none for other files."""
    if not item.mime_type.startswith("image/"):
        return {}
    try:
        with Image.open(io.BytesIO(item.content)) as picture:
            return {"image": {"width": picture.width, "height": picture.height}}
    except OSError:
        return {}


def describe_permission(link: SharingLink) -> dict[str, Any]:
    return {
        "id": link.id,
        "roles": LINK_ROLES[link.type],
        "hasPassword": False,
        "link": {
            "type": link.type,
            "scope": link.scope,
            "webUrl": link.web_url,
            "preventsDownload": False,
        },
    }


class GraphApi:
    def __init__(self, drive: Drive, tokens: AccessTokens, clock: SimulatedClock) -> None:
        self._drive = drive
        self._tokens = tokens
        self._clock = clock

    def routes(self) -> list[Route]:
        drive = f"{GRAPH_PREFIX}/drives/{{drive_id}}"
        return [
            Route(f"{drive}/root:/{{item_path:path}}:/content", self.upload, methods=["PUT"]),
            Route(f"{drive}/items/{{item_id}}", self.get_item),
            Route(f"{drive}/items/{{item_id}}/content", self.get_content),
            Route(f"{drive}/items/{{item_id}}/createLink", self.create_link, methods=["POST"]),
        ]

    async def upload(self, request: Request) -> Response:
        if (refusal := self._refusal(request)) is not None:
            return refusal
        item, created = self._drive.put(request.path_params["item_path"], await request.body())
        return JSONResponse(self._drive.describe(item), status_code=201 if created else 200)

    async def get_item(self, request: Request) -> Response:
        item = self._authorized_item(request)
        if isinstance(item, Response):
            return item
        return JSONResponse(self._drive.describe(item))

    async def get_content(self, request: Request) -> Response:
        item = self._authorized_item(request)
        if isinstance(item, Response):
            return item
        return RedirectResponse(self._drive.download_url(item), status_code=302)

    async def create_link(self, request: Request) -> Response:
        item = self._authorized_item(request)
        if isinstance(item, Response):
            return item
        try:
            ask = await request.json()
            link_type, scope = ask["type"], ask.get("scope", "anonymous")
        except (ValueError, KeyError, TypeError, AttributeError):
            return self._error(400, "invalidRequest", "The request body must name a link type.")
        if link_type not in LINK_ROLES or scope not in LINK_SCOPES:
            return self._error(400, "invalidRequest", f"Invalid link: {link_type} / {scope}.")
        link, created = self._drive.share(item, link_type, scope)
        return JSONResponse(describe_permission(link), status_code=201 if created else 200)

    def _authorized_item(self, request: Request) -> DriveItem | Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        item = self._drive.item(request.path_params["item_id"])
        if item is None:
            return self._error(404, "itemNotFound", "The resource could not be found.")
        return item

    def _refusal(self, request: Request) -> Response | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return self._error(401, "InvalidAuthenticationToken", "Access token is empty.")
        reason = self._tokens.refusal(token, GRAPH_RESOURCES)
        if reason is not None:
            return self._error(401, "InvalidAuthenticationToken", reason)
        if request.path_params["drive_id"] != self._drive.drive_id:
            return self._error(404, "itemNotFound", "The drive cannot be found.")
        return None

    def _error(self, status: int, code: str, message: str) -> JSONResponse:
        inner = {
            "date": iso_z(self._clock.now().replace(microsecond=0)),
            "request-id": str(uuid.uuid4()),
            "client-request-id": str(uuid.uuid4()),
        }
        return JSONResponse(
            {"error": {"code": code, "message": message, "innerError": inner}},
            status_code=status,
        )


class SharedFiles:
    """What a browser or a platform reaches without a token: links, download and web URLs."""

    def __init__(self, drive: Drive) -> None:
        self._drive = drive

    def routes(self) -> list[Route]:
        return [
            Route(f"{SHAREPOINT_PREFIX}/s/{{link_id}}", self.open_link),
            Route(f"{SHAREPOINT_PREFIX}/download/{{item_id}}", self.download),
            Route(f"{SHAREPOINT_PREFIX}{LIBRARY_PATH}/{{item_path:path}}", self.open_web_url),
        ]

    async def open_link(self, request: Request) -> Response:
        return _file(self._drive.shared_item(request.path_params["link_id"]))

    async def download(self, request: Request) -> Response:
        item = self._drive.item(request.path_params["item_id"])
        if item is not None and request.query_params.get("tempauth") != item.download_token:
            return Response("401 UNAUTHORIZED", status_code=401, media_type="text/plain")
        return _file(item)

    async def open_web_url(self, request: Request) -> Response:
        return _file(self._drive.item_at(request.path_params["item_path"]))


def _file(item: DriveItem | None) -> Response:
    if item is None:
        return Response("404 FILE NOT FOUND", status_code=404, media_type="text/plain")
    return Response(item.content, media_type=item.mime_type)

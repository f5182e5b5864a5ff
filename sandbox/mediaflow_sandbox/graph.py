"""A SharePoint document library and the Microsoft Graph endpoints that reach it."""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import mimetypes
import os
import re
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any, Literal, get_args
from urllib.parse import quote

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from mediaflow_sandbox.addresses import GRAPH_PREFIX, SHAREPOINT_PREFIX
from mediaflow_sandbox.bodies import InvalidBody, parse_body
from mediaflow_sandbox.clock import SimulatedClock, iso_z
from mediaflow_sandbox.login import AccessTokens

GRAPH_RESOURCES = frozenset({"https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"})
LINK_ROLES = {"view": ["read"], "embed": ["read"], "edit": ["write"]}
LINK_SCOPES = frozenset({"anonymous", "organization", "users"})
LIBRARY_PATH = "/sites/mediaflow/Shared Documents"
ConflictBehavior = Literal["fail", "replace", "rename"]
CONFLICT_BEHAVIOR_PARAMETER = "@microsoft.graph.conflictBehavior"
UPLOAD_SESSION_PREFIX = f"{SHAREPOINT_PREFIX}/_api/v2.0/uploadSession"
UPLOAD_SESSION_IDLE_LIFETIME = timedelta(minutes=15)
UPLOAD_FRAGMENT_MULTIPLE_BYTES = 320 * 1024
UPLOAD_FRAGMENT_MAX_BYTES = 60 * 1024 * 1024
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
READ_CHUNK_BYTES = 1024 * 1024


class StoredContent:
    """A file's bytes on disk, never whole in memory, with their size and SHA-256 kept as they
    arrive. The temporary file has no name from the start, so the kernel frees it when the
    sandbox process ends, however it ends (uvicorn re-raises SIGTERM: no Python clean-up runs)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="mediaflow-drive-")  # noqa: SIM115 lives as long as self
        self._sha256 = hashlib.sha256()
        self.size = 0

    @classmethod
    def of(cls, data: bytes) -> StoredContent:
        content = cls()
        content.append(data)
        return content

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest().upper()

    def append(self, data: bytes) -> None:
        self._file.write(data)
        self._file.flush()
        self._sha256.update(data)
        self.size += len(data)

    def chunks(self) -> Iterator[bytes]:
        for start in range(0, self.size, READ_CHUNK_BYTES):
            yield os.pread(self._file.fileno(), READ_CHUNK_BYTES, start)

    def reader(self) -> io.BufferedReader:
        """A file object over the bytes with a position of its own."""
        return io.BufferedReader(_PositionalReader(self._file.fileno(), self.size))


class _PositionalReader(io.RawIOBase):
    """Reads a file descriptor at its own position (`os.pread`), leaving the file's alone."""

    def __init__(self, fd: int, size: int) -> None:
        self._fd, self._size, self._position = fd, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = os.pread(self._fd, len(buffer), self._position)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        origin = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = origin + offset
        return self._position

    def tell(self) -> int:
        return self._position


class NameAlreadyExists(Exception):
    """An item is at the path already and the conflict behaviour is "fail"."""


@dataclass(frozen=True)
class ItemVersion:
    id: str
    modified_at: datetime
    size: int


@dataclass
class DriveItem:
    id: str
    path: str
    content: StoredContent
    created_at: datetime
    modified_at: datetime
    download_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    facets: dict[str, Any] = field(default_factory=dict)
    versions: list[ItemVersion] = field(default_factory=list)

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


@dataclass
class UploadSession:
    """The bytes received so far of a file that goes to `path` once its last byte is in."""

    id: str
    path: str
    conflict_behavior: ConflictBehavior
    expires_at: datetime
    received: StoredContent = field(default_factory=StoredContent)
    total_size: int | None = None

    @property
    def next_expected_ranges(self) -> list[str]:
        return [f"{self.received.size}-"]


class Drive:
    """One document library: files by path (on disk), stable item ids, their versions, one
    sharing link per kind, and the upload sessions large files arrive through."""

    def __init__(self, drive_id: str, base_url: str, clock: SimulatedClock) -> None:
        self.drive_id = drive_id
        self._base_url = base_url
        self._clock = clock
        self._items: dict[str, DriveItem] = {}
        self._links: dict[tuple[str, str, str], SharingLink] = {}
        self._upload_sessions: dict[str, UploadSession] = {}

    def put(
        self, path: str, content: bytes, facets: dict[str, Any] | None = None
    ) -> tuple[DriveItem, bool]:
        """Store `content` at `path`, replacing what was there; True when the item is new.
        `facets` are what Graph would read from the file (a video's duration, say)."""
        return self.store(path, StoredContent.of(content), facets)

    def store(
        self,
        path: str,
        content: StoredContent,
        facets: dict[str, Any] | None = None,
        conflict_behavior: ConflictBehavior = "replace",
    ) -> tuple[DriveItem, bool]:
        """Store `content` at `path`; True when the item is new. An item already there gets a
        new version ("replace"), raises `NameAlreadyExists` ("fail"), or stays beside the new
        one, which takes the first free name "name 1.ext", "name 2.ext"... ("rename")."""
        path = path.strip("/")
        item = self.item_at(path)
        if item is not None and conflict_behavior == "fail":
            raise NameAlreadyExists(path)
        if item is not None and conflict_behavior == "rename":
            path, item = self._free_path(path), None
        now = self._clock.now().replace(microsecond=0)
        created = item is None
        if item is None:
            item = DriveItem(
                id=self._item_id(path), path=path, content=content, created_at=now, modified_at=now
            )
            self._items[item.id] = item
        item.content, item.modified_at, item.facets = content, now, facets or {}
        item.versions.append(ItemVersion(f"{len(item.versions) + 1}.0", now, content.size))
        return item, created

    def open_upload_session(self, path: str, conflict_behavior: ConflictBehavior) -> UploadSession:
        self._drop_expired_upload_sessions()
        session = UploadSession(
            id=secrets.token_urlsafe(32),
            path=path.strip("/"),
            conflict_behavior=conflict_behavior,
            expires_at=self._clock.now() + UPLOAD_SESSION_IDLE_LIFETIME,
        )
        self._upload_sessions[session.id] = session
        return session

    def upload_session(self, session_id: str) -> UploadSession | None:
        """The session, unless unknown, finished, cancelled or expired."""
        self._drop_expired_upload_sessions()
        return self._upload_sessions.get(session_id)

    def receive_fragment(self, session: UploadSession, data: bytes, total_size: int) -> None:
        """Append the next fragment; each one extends the session's life."""
        session.received.append(data)
        session.total_size = total_size
        session.expires_at = self._clock.now() + UPLOAD_SESSION_IDLE_LIFETIME

    def close_upload_session(self, session: UploadSession) -> None:
        self._upload_sessions.pop(session.id, None)

    def upload_url(self, session: UploadSession) -> str:
        return f"{self._base_url}{UPLOAD_SESSION_PREFIX}/{session.id}"

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
            "size": item.content.size,
            "webUrl": self.web_url(item),
            "createdDateTime": iso_z(item.created_at),
            "lastModifiedDateTime": iso_z(item.modified_at),
            "file": {
                "mimeType": item.mime_type,
                "hashes": {"sha256Hash": item.content.sha256},
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

    def _free_path(self, path: str) -> str:
        taken = PurePosixPath(path)
        renamed = (
            str(taken.with_name(f"{taken.stem} {number}{taken.suffix}"))
            for number in itertools.count(1)
        )
        return next(candidate for candidate in renamed if self.item_at(candidate) is None)

    def _drop_expired_upload_sessions(self) -> None:
        now = self._clock.now()
        for session_id in [s.id for s in self._upload_sessions.values() if s.expires_at <= now]:
            del self._upload_sessions[session_id]


def image_facet(item: DriveItem) -> dict[str, Any]:
    """Graph's `image` facet, read from the picture itself (Pillow); none for other files."""
    if not item.mime_type.startswith("image/") or not item.content.size:
        return {}
    try:
        with item.content.reader() as picture_file, Image.open(picture_file) as picture:
            return {"image": {"width": picture.width, "height": picture.height}}
    except OSError:
        return {}


def describe_version(version: ItemVersion) -> dict[str, Any]:
    """The version as a Graph driveItemVersion resource."""
    return {
        "id": version.id,
        "lastModifiedDateTime": iso_z(version.modified_at),
        "size": version.size,
    }


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


class UploadableProperties(BaseModel):
    model_config = ConfigDict(extra="ignore")

    conflict_behavior: ConflictBehavior = Field(
        default="replace", alias=CONFLICT_BEHAVIOR_PARAMETER
    )


class UploadSessionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    item: UploadableProperties = UploadableProperties()


class GraphApi:
    """Graph's drive endpoints, and the pre-authenticated upload URLs of upload sessions (on
    the SharePoint host, as Graph hands them out)."""

    def __init__(self, drive: Drive, tokens: AccessTokens, clock: SimulatedClock) -> None:
        self._drive = drive
        self._tokens = tokens
        self._clock = clock

    def routes(self) -> list[Route]:
        drive = f"{GRAPH_PREFIX}/drives/{{drive_id}}"
        by_path = f"{drive}/root:/{{item_path:path}}:"
        upload_url = f"{UPLOAD_SESSION_PREFIX}/{{session_id}}"
        return [
            Route(f"{by_path}/content", self.upload, methods=["PUT"]),
            Route(f"{by_path}/createUploadSession", self.create_upload_session, methods=["POST"]),
            Route(drive, self.get_drive),
            Route(f"{drive}/items/{{item_id}}", self.get_item),
            Route(f"{drive}/items/{{item_id}}/content", self.get_content),
            Route(f"{drive}/items/{{item_id}}/versions", self.list_versions),
            Route(f"{drive}/items/{{item_id}}/createLink", self.create_link, methods=["POST"]),
            Route(upload_url, self.upload_fragment, methods=["PUT"]),
            Route(upload_url, self.upload_status, methods=["GET"]),
            Route(upload_url, self.cancel_upload, methods=["DELETE"]),
        ]

    async def upload(self, request: Request) -> Response:
        """A whole file in one request, streamed to disk as it arrives."""
        if (refusal := self._refusal(request)) is not None:
            return refusal
        conflict_behavior = request.query_params.get(CONFLICT_BEHAVIOR_PARAMETER, "replace")
        if conflict_behavior not in get_args(ConflictBehavior):
            return self._error(400, "invalidRequest", f"Invalid {CONFLICT_BEHAVIOR_PARAMETER}.")
        content = StoredContent()
        async for chunk in request.stream():
            content.append(chunk)
        return self._stored(request.path_params["item_path"], content, conflict_behavior)

    async def create_upload_session(self, request: Request) -> Response:
        if (refusal := self._refusal(request)) is not None:
            return refusal
        try:
            ask = parse_body(UploadSessionRequest, await request.body() or b"{}")
        except InvalidBody as error:
            return self._error(400, "invalidRequest", str(error))
        path = request.path_params["item_path"]
        conflict_behavior = ask.item.conflict_behavior
        if conflict_behavior == "fail" and self._drive.item_at(path) is not None:
            return self._name_already_exists(path)
        session = self._drive.open_upload_session(path, conflict_behavior)
        return JSONResponse(
            {"uploadUrl": self._drive.upload_url(session), **self._session_status(session)}
        )

    async def upload_fragment(self, request: Request) -> Response:
        """The next bytes of the file, in order (checked once the body is in: no other fragment
        of the session can slip in between); 202 until the last, then the stored driveItem."""
        session = self._upload_session(request)
        if isinstance(session, Response):
            return session
        fragment = self._fragment_range(request, session)
        if isinstance(fragment, Response):
            return fragment
        start, end, total_size = fragment
        data = await request.body()
        if len(data) != end - start + 1:
            return self._error(400, "invalidRequest", "The body does not fill the Content-Range.")
        if start != session.received.size:
            return self._error(
                416,
                "invalidRange",
                f"The fragment starts at byte {start}; the next expected is "
                f"{session.received.size}.",
            )
        self._drive.receive_fragment(session, data, total_size)
        if session.received.size < total_size:
            return JSONResponse(self._session_status(session), status_code=202)
        self._drive.close_upload_session(session)
        return self._stored(session.path, session.received, session.conflict_behavior)

    async def upload_status(self, request: Request) -> Response:
        session = self._upload_session(request)
        if isinstance(session, Response):
            return session
        return JSONResponse(self._session_status(session))

    async def cancel_upload(self, request: Request) -> Response:
        session = self._upload_session(request)
        if isinstance(session, Response):
            return session
        self._drive.close_upload_session(session)
        return Response(status_code=204)

    async def list_versions(self, request: Request) -> Response:
        item = self._authorized_item(request)
        if isinstance(item, Response):
            return item
        return JSONResponse({"value": [describe_version(v) for v in reversed(item.versions)]})

    async def get_drive(self, request: Request) -> Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        return JSONResponse({"id": self._drive.drive_id, "driveType": "documentLibrary"})

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

    def _stored(
        self, path: str, content: StoredContent, conflict_behavior: ConflictBehavior
    ) -> Response:
        try:
            item, created = self._drive.store(path, content, conflict_behavior=conflict_behavior)
        except NameAlreadyExists:
            return self._name_already_exists(path)
        return JSONResponse(self._drive.describe(item), status_code=201 if created else 200)

    def _name_already_exists(self, path: str) -> JSONResponse:
        return self._error(
            409, "nameAlreadyExists", f"The specified item name already exists. Name: {path}"
        )

    def _upload_session(self, request: Request) -> UploadSession | Response:
        """The session of the upload URL; like Graph, refuses an Authorization header there."""
        if "authorization" in request.headers:
            return self._error(
                401, "unauthenticated", "The upload URL is pre-authenticated: send no token."
            )
        session = self._drive.upload_session(request.path_params["session_id"])
        if session is None:
            return self._error(404, "itemNotFound", "The upload session was not found.")
        return session

    def _fragment_range(
        self, request: Request, session: UploadSession
    ) -> tuple[int, int, int] | Response:
        """The fragment's (start, end, total size) from its Content-Range, if Graph takes it: a
        multiple of 320 KiB unless it is the last one, at most 60 MiB."""
        match = CONTENT_RANGE.fullmatch(request.headers.get("content-range", ""))
        if match is None:
            return self._error(400, "invalidRequest", "Content-Range must be bytes a-b/size.")
        start, end, total_size = (int(number) for number in match.groups())
        length = end - start + 1
        if length < 1 or end >= total_size or session.total_size not in (None, total_size):
            return self._error(400, "invalidRequest", "The Content-Range is invalid.")
        if request.headers.get("content-length") != str(length):
            return self._error(400, "invalidRequest", "Content-Length must match Content-Range.")
        if length > UPLOAD_FRAGMENT_MAX_BYTES:
            return self._error(400, "invalidRequest", "A fragment holds at most 60 MiB.")
        if end + 1 < total_size and length % UPLOAD_FRAGMENT_MULTIPLE_BYTES:
            return self._error(
                400,
                "invalidRequest",
                "Every fragment but the last must be a multiple of 320 KiB (327680 bytes).",
            )
        return start, end, total_size

    def _session_status(self, session: UploadSession) -> dict[str, Any]:
        return {
            "expirationDateTime": iso_z(session.expires_at),
            "nextExpectedRanges": session.next_expected_ranges,
        }

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
    return StreamingResponse(
        item.content.chunks(),
        media_type=item.mime_type,
        headers={"Content-Length": str(item.content.size)},
    )

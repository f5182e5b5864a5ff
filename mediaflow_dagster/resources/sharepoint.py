"""SharePoint through Microsoft Graph, signed in with msal client credentials."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Literal
from urllib.parse import quote

import httpx
import msal
from pydantic import Field, field_validator

from mediaflow_dagster.resources.http import (
    HttpResource,
    OutcomeUnknown,
    ServiceUnavailable,
    send,
    shared_client,
)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
CONFLICT_BEHAVIOR_PARAMETER = "@microsoft.graph.conflictBehavior"
UPLOAD_FRAGMENT_MULTIPLE_BYTES = 320 * 1024
UPLOAD_FRAGMENT_MAX_BYTES = 60 * 1024 * 1024
STREAM_PIECE_BYTES = 1024 * 1024


class GraphSignInFailed(RuntimeError):
    """Microsoft refused the app's credentials; nothing was sent to Graph."""


class GraphRequestFailed(RuntimeError):
    """Graph answered a request with an error (`status_code`), or kept failing."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class GraphItemExists(GraphRequestFailed):
    """An item is already at the path and the conflict behaviour is "fail"."""


class _UploadSessionLost(Exception):
    """The upload URL answered 404: the session expired or was dropped."""


class _UploadOutOfStep(Exception):
    """The session did not expect the fragment sent (416): an earlier answer was lost."""


@lru_cache(maxsize=4)
def _confidential_app(
    authority: str,
    client_id: str,
    client_secret: str,
    instance_discovery: bool,
    ca_bundle: str | None,
) -> msal.ConfidentialClientApplication:
    """One msal app per process and credentials, so its token cache is shared.

    msal talks through an httpx client trusting exactly what Graph calls trust: requests would
    let a REQUESTS_CA_BUNDLE variable override the CA bundle given in settings.
    """
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=client_secret,
        authority=authority,
        instance_discovery=instance_discovery,
        http_client=shared_client(30, ca_bundle),
    )


class SharePoint(HttpResource):
    secrets: ClassVar[tuple[str, ...]] = ("microsoft_client_secret",)

    microsoft_authority: str = "https://login.microsoftonline.com/organizations"
    microsoft_client_id: str = Field(description="The app registration's client id.")
    microsoft_client_secret: str = Field(description="The app registration's secret (secret).")
    microsoft_instance_discovery: bool = True
    ca_bundle: str | None = Field(
        default=None,
        description="PEM file of extra certificate authorities to trust (a corporate proxy's).",
    )
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    sharepoint_drive_id: str = Field(description="The document library media is stored in.")
    sharepoint_link_type: Literal["view", "edit", "embed"] = "view"
    sharepoint_link_scope: Literal["anonymous", "organization", "users"] = "anonymous"
    sharepoint_conflict_behavior: Literal["replace", "rename", "fail"] = "replace"
    sharepoint_upload_chunk_bytes: int = Field(
        default=10 * UPLOAD_FRAGMENT_MULTIPLE_BYTES,
        description="Fragment size of upload sessions: Graph takes multiples of 320 KiB "
        "(327680 bytes), at most 60 MiB.",
    )
    sharepoint_simple_upload_max_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=0,
        description="Files up to this size go to Graph in one request; larger ones through an "
        "upload session.",
    )

    @field_validator("sharepoint_upload_chunk_bytes")
    @classmethod
    def _graph_fragment_size(cls, value: int) -> int:
        if not 0 < value <= UPLOAD_FRAGMENT_MAX_BYTES or value % UPLOAD_FRAGMENT_MULTIPLE_BYTES:
            raise ValueError(
                f"sharepoint_upload_chunk_bytes is {value}: Graph takes upload fragments in "
                f"multiples of 320 KiB ({UPLOAD_FRAGMENT_MULTIPLE_BYTES} bytes), at most 60 MiB "
                "(set MEDIAFLOW_SHAREPOINT_UPLOAD_CHUNK_BYTES)"
            )
        return value

    def check(self) -> None:
        """Raises unless Graph answers for the media drive with a token msal obtained."""
        self._call("GET", f"/drives/{self.sharepoint_drive_id}", idempotent=True)

    def get_item(self, drive_id: str, item_id: str) -> dict[str, Any]:
        return self._call("GET", f"/drives/{drive_id}/items/{item_id}", idempotent=True).json()

    def upload(self, library_path: str, source: Path) -> dict[str, Any]:
        """Put the file `source` at `library_path` in the drive; the driveItem Graph made.

        Files up to `simple_upload_max_bytes` go in one request; larger ones through an upload
        session, in fragments of `upload_chunk_bytes`. Either way the file is streamed from disk
        a piece at a time. A fragment whose answer was lost resumes where the session says; a
        lost session starts over.
        """
        library_path = library_path.strip("/")
        item_path = f"/drives/{self.sharepoint_drive_id}/root:/{quote(library_path)}:"
        try:
            with source.open("rb") as file:
                size = os.fstat(file.fileno()).st_size
                if size > self.sharepoint_simple_upload_max_bytes:
                    return self._upload_in_sessions(item_path, file, size)
                return self._call(
                    "PUT",
                    f"{item_path}/content",
                    params={CONFLICT_BEHAVIOR_PARAMETER: self.sharepoint_conflict_behavior},
                    headers={"Content-Length": str(size)},
                    content=_FileRange(file, 0, size),
                    idempotent=self.sharepoint_conflict_behavior == "replace",
                ).json()
        except ServiceUnavailable as error:
            raise GraphRequestFailed(f"uploading {library_path} gave up: {error}") from error
        except GraphRequestFailed as error:
            if error.status_code == 409 and self.sharepoint_conflict_behavior == "fail":
                raise GraphItemExists(
                    f"{library_path} is already in drive {self.sharepoint_drive_id} and the "
                    "conflict behaviour is 'fail' (MEDIAFLOW_SHAREPOINT_CONFLICT_BEHAVIOR): "
                    "not uploaded"
                ) from error
            raise

    def download(self, drive_id: str, item_id: str, destination: Path) -> Path:
        """Stream the item's content to `destination` (written as a `.part` file beside it,
        renamed once complete). Graph redirects to a pre-authenticated download URL, which gets
        no Authorization header."""
        redirect = self._call(
            "GET",
            f"/drives/{drive_id}/items/{item_id}/content",
            follow_redirects=False,
            idempotent=True,
        )
        download_url = redirect.headers.get("location")
        if redirect.status_code != 302 or not download_url:
            raise GraphRequestFailed(
                f"item {item_id}: Graph answered HTTP {redirect.status_code} with no download URL",
                redirect.status_code,
            )
        response = send(
            shared_client(self.http_timeout_seconds, self.ca_bundle),
            lambda client: _streamed_get(client, download_url),
            max_attempts=self.http_max_attempts,
            idempotent=True,
        )
        partial = destination.with_name(f"{destination.name}.part")
        try:
            if response.is_error:
                raise GraphRequestFailed(
                    f"downloading item {item_id}: HTTP {response.status_code} {response.text}",
                    response.status_code,
                )
            with partial.open("wb") as file:
                for chunk in response.iter_bytes(STREAM_PIECE_BYTES):
                    file.write(chunk)
        except httpx.TransportError as error:
            partial.unlink(missing_ok=True)
            raise GraphRequestFailed(f"downloading item {item_id} broke off: {error!r}") from error
        finally:
            response.close()
        return partial.replace(destination)

    def list_versions(self, drive_id: str, item_id: str) -> list[dict[str, Any]]:
        """The item's versions (Graph's driveItemVersion resources), newest first."""
        return self._call(
            "GET", f"/drives/{drive_id}/items/{item_id}/versions", idempotent=True
        ).json()["value"]

    def create_sharing_link(self, drive_id: str, item_id: str) -> str:
        """The item's sharing link of the configured type and scope (Graph returns the existing
        one when it was made before, so this is safe to repeat)."""
        response = self._call(
            "POST",
            f"/drives/{drive_id}/items/{item_id}/createLink",
            json={"type": self.sharepoint_link_type, "scope": self.sharepoint_link_scope},
            idempotent=True,
        )
        return response.json()["link"]["webUrl"]

    def _upload_in_sessions(self, item_path: str, source: BinaryIO, size: int) -> dict[str, Any]:
        """Upload through a session; through a new one from the first byte when Graph lost it
        (404), at most `max_attempts` sessions. A session given up on is cancelled."""
        for _ in range(self.http_max_attempts):
            upload_url = self._call(
                "POST",
                f"{item_path}/createUploadSession",
                json={"item": {CONFLICT_BEHAVIOR_PARAMETER: self.sharepoint_conflict_behavior}},
                idempotent=True,
            ).json()["uploadUrl"]
            try:
                return self._send_fragments(upload_url, source, size)
            except _UploadSessionLost:
                continue
            except BaseException:
                self._cancel_upload_session(upload_url)
                raise
        raise GraphRequestFailed(
            f"{item_path}: Graph lost the upload session {self.http_max_attempts} times", 404
        )

    def _send_fragments(self, upload_url: str, source: BinaryIO, size: int) -> dict[str, Any]:
        """PUT the file's fragments in order; the driveItem once the last one is in. When an
        answer is lost (the connection broke, or the session says it has those bytes), ask the
        session which bytes it expects next and go on from there, at most `max_attempts` times."""
        start, resumptions = 0, 0
        while True:
            try:
                answer = self._put_fragment(upload_url, source, start, size)
            except (OutcomeUnknown, _UploadOutOfStep) as error:
                resumptions += 1
                if resumptions > self.http_max_attempts:
                    raise GraphRequestFailed(
                        f"upload kept losing its place ({resumptions} times): {error}"
                    ) from error
                start = _first_expected_byte(self._upload_url_request("GET", upload_url).json())
                continue
            if answer.status_code != 202:
                return answer.json()
            start = _first_expected_byte(answer.json())

    def _put_fragment(
        self, upload_url: str, source: BinaryIO, start: int, size: int
    ) -> httpx.Response:
        length = min(self.sharepoint_upload_chunk_bytes, size - start)
        return self._upload_url_request(
            "PUT",
            upload_url,
            content=_FileRange(source, start, length),
            headers={
                "Content-Length": str(length),
                "Content-Range": f"bytes {start}-{start + length - 1}/{size}",
            },
        )

    def _cancel_upload_session(self, upload_url: str) -> None:
        """Best effort: an abandoned session also expires on its own."""
        with contextlib.suppress(GraphRequestFailed, ServiceUnavailable, _UploadSessionLost):
            self._upload_url_request("DELETE", upload_url)

    def _upload_url_request(self, method: str, upload_url: str, **kwargs: Any) -> httpx.Response:
        """A request to a session's pre-authenticated upload URL (no Authorization header, which
        Graph refuses there). 429 and 5xx are retried by `send`, honouring Retry-After; a PUT
        whose answer is lost raises `OutcomeUnknown`."""
        response = send(
            shared_client(self.http_timeout_seconds, self.ca_bundle),
            lambda client: client.request(method, upload_url, **kwargs),
            max_attempts=self.http_max_attempts,
            idempotent=method != "PUT",
        )
        if response.status_code == 404:
            raise _UploadSessionLost()
        if response.status_code == 416:
            raise _UploadOutOfStep(response.text)
        if response.is_error:
            raise GraphRequestFailed(
                f"{method} upload URL: HTTP {response.status_code} {response.text}",
                response.status_code,
            )
        return response

    def _access_token(self) -> str:
        try:
            app = _confidential_app(
                self.microsoft_authority,
                self.microsoft_client_id,
                self.microsoft_client_secret,
                self.microsoft_instance_discovery,
                self.ca_bundle,
            )
            result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        except (ValueError, httpx.HTTPError) as error:
            raise GraphSignInFailed(
                f"cannot reach the Microsoft authority {self.microsoft_authority}: {error} "
                "(check MEDIAFLOW_MICROSOFT_AUTHORITY and MEDIAFLOW_CA_BUNDLE)"
            ) from error
        if "access_token" not in result:
            raise GraphSignInFailed(
                f"Microsoft refused the client credentials: {result.get('error')}: "
                f"{result.get('error_description')} (check MEDIAFLOW_MICROSOFT_CLIENT_ID and "
                "MEDIAFLOW_MICROSOFT_CLIENT_SECRET)"
            )
        return result["access_token"]

    def _call(self, method: str, path: str, *, idempotent: bool, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._access_token()}", **kwargs.pop("headers", {})}
        url = f"{self.graph_base_url.rstrip('/')}{path}"
        response = send(
            shared_client(self.http_timeout_seconds, self.ca_bundle),
            lambda c: c.request(method, url, headers=headers, **kwargs),
            max_attempts=self.http_max_attempts,
            idempotent=idempotent,
        )
        if response.is_error:
            raise GraphRequestFailed(
                f"{method} {path}: HTTP {response.status_code} {response.text}",
                response.status_code,
            )
        return response


def _first_expected_byte(upload_status: dict[str, Any]) -> int:
    """Where the first of an upload session's `nextExpectedRanges` ("start-end" or "start-")
    begins."""
    ranges = upload_status.get("nextExpectedRanges") or []
    if not ranges:
        raise GraphRequestFailed(f"the upload session expects no more bytes: {upload_status}")
    return int(ranges[0].split("-")[0])


@dataclass(frozen=True)
class _FileRange:
    """`length` bytes of `file` from `start`, read a piece at a time whenever iterated: a
    retried request reads them again, and no request keeps a whole fragment in memory."""

    file: BinaryIO
    start: int
    length: int

    def __iter__(self) -> Iterator[bytes]:
        self.file.seek(self.start)
        remaining = self.length
        while remaining:
            piece = self.file.read(min(STREAM_PIECE_BYTES, remaining))
            if not piece:
                raise GraphRequestFailed(f"{self.file.name} got shorter while being uploaded")
            remaining -= len(piece)
            yield piece


def _streamed_get(client: httpx.Client, url: str) -> httpx.Response:
    """GET `url` leaving a success's body to stream; an error's is read, which frees its
    connection for the retry."""
    response = client.send(client.build_request("GET", url), stream=True)
    if response.is_error:
        response.read()
    return response

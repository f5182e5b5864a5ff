"""Files to and from SharePoint through Microsoft Graph, against the sandbox: one request for
small files, upload sessions for large ones (resumed, restarted, throttled), conflicts,
versions and downloads."""

from __future__ import annotations

import hashlib
import random
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import msal
import pytest
from pydantic import ValidationError

from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.http import shared_client
from mediaflow_dagster.resources.sharepoint import (
    GRAPH_SCOPE,
    GraphItemExists,
    GraphSignInFailed,
    SharePoint,
)
from mediaflow_sandbox.control import SandboxControl, client_environment
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.graph import UPLOAD_SESSION_PREFIX
from mediaflow_sandbox.settings import SandboxSettings

FRAGMENT_BYTES = 327680
SIMPLE_UPLOAD_MAX_BYTES = 1024 * 1024
SMALL_BYTES = 100_000
LARGE_BYTES = 8 * FRAGMENT_BYTES + 12_345


@dataclass
class Exchange:
    request: httpx.Request
    sent_at: float
    status: int | None = None
    answered_at: float | None = None

    @property
    def to_upload_url(self) -> bool:
        return UPLOAD_SESSION_PREFIX in self.request.url.path

    @property
    def content_range(self) -> str:
        return self.request.headers["content-range"]

    @property
    def bytes_sent(self) -> int:
        return int(self.request.headers.get("content-length", 0))


@pytest.fixture(scope="module")
def sharepoint(sandbox: SandboxControl, sandbox_settings: SandboxSettings) -> SharePoint:
    """The code location's SharePoint resource aimed at the sandbox, with 320 KiB fragments."""
    environment = client_environment(sandbox_settings) | {
        "MEDIAFLOW_SHAREPOINT_UPLOAD_CHUNK_BYTES": str(FRAGMENT_BYTES),
        "MEDIAFLOW_SHAREPOINT_SIMPLE_UPLOAD_MAX_BYTES": str(SIMPLE_UPLOAD_MAX_BYTES),
    }
    return client_from_environment(SharePoint, environment)


@pytest.fixture
def wire(sharepoint: SharePoint) -> Iterator[list[Exchange]]:
    """Every request the resource's pooled HTTP client sends during the test, with its answer
    (none when the connection broke first)."""
    client = shared_client(sharepoint.http_timeout_seconds, sharepoint.ca_bundle)
    exchanges: list[Exchange] = []

    def sent(request: httpx.Request) -> None:
        exchanges.append(Exchange(request, time.monotonic()))

    def answered(response: httpx.Response) -> None:
        exchange = next(e for e in reversed(exchanges) if e.request is response.request)
        exchange.status, exchange.answered_at = response.status_code, time.monotonic()

    client.event_hooks["request"].append(sent)
    client.event_hooks["response"].append(answered)
    yield exchanges
    client.event_hooks["request"].remove(sent)
    client.event_hooks["response"].remove(answered)


@pytest.fixture
def faults(sandbox: SandboxControl) -> Iterator[SandboxControl]:
    yield sandbox
    sandbox.clear_faults()


@pytest.fixture(scope="module")
def graph(sharepoint: SharePoint) -> Iterator[httpx.Client]:
    """Raw Graph calls with a token, for what the resource never sends."""
    trusting_the_sandbox = ssl.create_default_context(cafile=sharepoint.ca_bundle)
    app = msal.ConfidentialClientApplication(
        sharepoint.microsoft_client_id,
        client_credential=sharepoint.microsoft_client_secret,
        authority=sharepoint.microsoft_authority,
        instance_discovery=False,
        http_client=httpx.Client(verify=trusting_the_sandbox),
    )
    token = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])["access_token"]
    with httpx.Client(
        base_url=f"{sharepoint.graph_base_url}/drives/{sharepoint.sharepoint_drive_id}",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client


def media_file(folder: Path, name: str, size: int, seed: int = 0) -> Path:
    path = folder / name
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def sha256_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest().upper()


def fragments(exchanges: list[Exchange]) -> list[Exchange]:
    return [e for e in exchanges if e.to_upload_url and e.request.method == "PUT"]


def session_creations(exchanges: list[Exchange]) -> list[Exchange]:
    return [e for e in exchanges if e.request.url.path.endswith(":/createUploadSession")]


def test_a_small_file_goes_in_one_put_with_the_conflict_behaviour(
    sharepoint: SharePoint, wire: list[Exchange], tmp_path: Path
) -> None:
    source = media_file(tmp_path, "caption.png", SMALL_BYTES)

    item = sharepoint.upload("campaigns/1/caption.png", source)

    assert (item["name"], item["size"]) == ("caption.png", SMALL_BYTES)
    assert item["file"]["hashes"]["sha256Hash"] == sha256_hash(source)
    [put] = wire
    assert (put.request.method, put.status, put.bytes_sent) == ("PUT", 201, SMALL_BYTES)
    assert put.request.url.path.endswith("/root:/campaigns/1/caption.png:/content")
    assert put.request.url.params["@microsoft.graph.conflictBehavior"] == "replace"


def test_a_large_file_goes_through_a_session_in_320_kib_fragments_without_a_token(
    sharepoint: SharePoint, wire: list[Exchange], tmp_path: Path
) -> None:
    source = media_file(tmp_path, "teaser.mp4", LARGE_BYTES)

    item = sharepoint.upload("campaigns/1/teaser.mp4", source)

    assert item["size"] == LARGE_BYTES
    assert item["file"]["hashes"]["sha256Hash"] == sha256_hash(source)
    [creation] = session_creations(wire)
    assert creation.request.headers["authorization"].startswith("Bearer ")
    sent = fragments(wire)
    assert [f.content_range for f in sent] == [
        f"bytes {start}-{min(start + FRAGMENT_BYTES, LARGE_BYTES) - 1}/{LARGE_BYTES}"
        for start in range(0, LARGE_BYTES, FRAGMENT_BYTES)
    ]
    assert [f.status for f in sent] == [202] * 8 + [201]
    assert all(f.bytes_sent % FRAGMENT_BYTES == 0 for f in sent[:-1])
    assert not any("authorization" in f.request.headers for f in sent)


def test_a_fragment_answered_with_a_5xx_is_sent_again_and_only_it(
    sharepoint: SharePoint, wire: list[Exchange], faults: SandboxControl, tmp_path: Path
) -> None:
    source = media_file(tmp_path, "teaser.mp4", LARGE_BYTES, seed=1)
    faults.set_faults(
        FaultRule(
            path_prefix=UPLOAD_SESSION_PREFIX,
            error_rate=1.0,
            error_status=500,
            after_requests=3,
            times=2,
        )
    )

    item = sharepoint.upload("campaigns/2/teaser.mp4", source)

    assert item["file"]["hashes"]["sha256Hash"] == sha256_hash(source)
    sent = fragments(wire)
    assert [f.status for f in sent[:6]] == [202, 202, 202, 500, 500, 202]
    assert sent[3].content_range == sent[4].content_range == sent[5].content_range
    assert sum(f.bytes_sent for f in sent) == LARGE_BYTES + 2 * FRAGMENT_BYTES
    assert len(session_creations(wire)) == 1


def test_a_fragment_whose_answer_is_lost_resumes_where_the_session_says(
    sharepoint: SharePoint, wire: list[Exchange], faults: SandboxControl, tmp_path: Path
) -> None:
    source = media_file(tmp_path, "teaser.mp4", LARGE_BYTES, seed=2)
    faults.set_faults(
        FaultRule(
            path_prefix=UPLOAD_SESSION_PREFIX,
            timeout_ms=100,
            process_before_timeout=True,
            after_requests=3,
            times=1,
        )
    )

    item = sharepoint.upload("campaigns/3/teaser.mp4", source)

    assert item["file"]["hashes"]["sha256Hash"] == sha256_hash(source)
    to_upload_url = [e for e in wire if e.to_upload_url]
    assert [(e.request.method, e.status) for e in to_upload_url[2:6]] == [
        ("PUT", 202),
        ("PUT", None),
        ("GET", 200),
        ("PUT", 202),
    ]
    assert sum(f.bytes_sent for f in fragments(wire)) == LARGE_BYTES
    assert len(session_creations(wire)) == 1


def test_a_lost_upload_session_starts_over_in_a_new_one(
    sharepoint: SharePoint, wire: list[Exchange], faults: SandboxControl, tmp_path: Path
) -> None:
    source = media_file(tmp_path, "teaser.mp4", LARGE_BYTES, seed=3)
    faults.set_faults(
        FaultRule(
            path_prefix=UPLOAD_SESSION_PREFIX,
            error_rate=1.0,
            error_status=404,
            after_requests=3,
            times=1,
        )
    )

    item = sharepoint.upload("campaigns/4/teaser.mp4", source)

    assert item["file"]["hashes"]["sha256Hash"] == sha256_hash(source)
    assert len(session_creations(wire)) == 2
    sent = fragments(wire)
    assert sent[3].status == 404
    assert sent[4].content_range.startswith("bytes 0-")
    assert sent[4].request.url != sent[3].request.url
    assert sum(f.bytes_sent for f in sent) == 4 * FRAGMENT_BYTES + LARGE_BYTES


def test_a_throttled_fragment_waits_for_retry_after(
    sharepoint: SharePoint, wire: list[Exchange], faults: SandboxControl, tmp_path: Path
) -> None:
    source = media_file(tmp_path, "teaser.mp4", LARGE_BYTES, seed=4)
    faults.set_faults(
        FaultRule(
            path_prefix=UPLOAD_SESSION_PREFIX,
            error_rate=1.0,
            error_status=429,
            retry_after=1,
            after_requests=2,
            times=1,
        )
    )

    item = sharepoint.upload("campaigns/5/teaser.mp4", source)

    assert item["file"]["hashes"]["sha256Hash"] == sha256_hash(source)
    sent = fragments(wire)
    throttled, retried = sent[2], sent[3]
    assert (throttled.status, retried.status) == (429, 202)
    assert retried.content_range == throttled.content_range
    assert retried.sent_at - throttled.answered_at >= 1.0


def test_a_fragment_size_graph_would_refuse_is_a_clear_configuration_error(
    sandbox_settings: SandboxSettings,
) -> None:
    refused = {"MEDIAFLOW_SHAREPOINT_UPLOAD_CHUNK_BYTES": "100000"}

    with pytest.raises(ValidationError, match=r"multiples of 320 KiB \(327680 bytes\)"):
        client_from_environment(SharePoint, client_environment(sandbox_settings) | refused)


def test_refused_credentials_name_the_secret_and_upload_nothing(
    sharepoint: SharePoint, wire: list[Exchange], tmp_path: Path
) -> None:
    refused = sharepoint.model_copy(update={"microsoft_client_secret": "wrong-secret"})
    source = media_file(tmp_path, "teaser.mp4", LARGE_BYTES)

    with pytest.raises(GraphSignInFailed, match="MEDIAFLOW_MICROSOFT_CLIENT_SECRET"):
        refused.upload("campaigns/6/teaser.mp4", source)

    assert wire == []


@pytest.mark.parametrize("size", [SMALL_BYTES, LARGE_BYTES], ids=["one-put", "session"])
def test_conflict_behaviour_fail_refuses_to_replace_an_existing_file(
    sharepoint: SharePoint, tmp_path: Path, size: int
) -> None:
    path = f"campaigns/7/{size}.mp4"
    first = sharepoint.upload(path, media_file(tmp_path, "first.mp4", size))
    failing = sharepoint.model_copy(update={"sharepoint_conflict_behavior": "fail"})

    with pytest.raises(GraphItemExists, match="conflict behaviour is 'fail'"):
        failing.upload(path, media_file(tmp_path, "second.mp4", size, seed=1))

    kept = sharepoint.get_item(sharepoint.sharepoint_drive_id, first["id"])
    assert kept["file"]["hashes"] == first["file"]["hashes"]


@pytest.mark.parametrize("size", [SMALL_BYTES, LARGE_BYTES], ids=["one-put", "session"])
def test_conflict_behaviour_rename_keeps_both_files(
    sharepoint: SharePoint, tmp_path: Path, size: int
) -> None:
    path = f"campaigns/8/clip-{size}.mp4"
    renaming = sharepoint.model_copy(update={"sharepoint_conflict_behavior": "rename"})

    first = renaming.upload(path, media_file(tmp_path, "first.mp4", size))
    second = renaming.upload(path, media_file(tmp_path, "second.mp4", size, seed=1))

    assert first["name"] == f"clip-{size}.mp4"
    assert second["name"] == f"clip-{size} 1.mp4"
    assert second["id"] != first["id"]


def test_each_upload_over_an_existing_file_adds_a_version(
    sharepoint: SharePoint, tmp_path: Path
) -> None:
    path = "campaigns/9/poster.png"
    sharepoint.upload(path, media_file(tmp_path, "v1.png", SMALL_BYTES))
    sharepoint.upload(path, media_file(tmp_path, "v2.png", SMALL_BYTES + 1, seed=1))
    item = sharepoint.upload(path, media_file(tmp_path, "v3.png", LARGE_BYTES, seed=2))

    versions = sharepoint.list_versions(sharepoint.sharepoint_drive_id, item["id"])

    assert [(v["id"], v["size"]) for v in versions] == [
        ("3.0", LARGE_BYTES),
        ("2.0", SMALL_BYTES + 1),
        ("1.0", SMALL_BYTES),
    ]
    assert versions[0]["lastModifiedDateTime"] == item["lastModifiedDateTime"]


def test_a_download_streams_the_content_to_a_file_from_the_download_url(
    sharepoint: SharePoint, wire: list[Exchange], tmp_path: Path
) -> None:
    source = media_file(tmp_path, "teaser.mp4", LARGE_BYTES, seed=5)
    item = sharepoint.upload("campaigns/10/teaser.mp4", source)
    wire.clear()

    copy = sharepoint.download(sharepoint.sharepoint_drive_id, item["id"], tmp_path / "copy.mp4")

    assert copy == tmp_path / "copy.mp4"
    assert copy.read_bytes() == source.read_bytes()
    assert not (tmp_path / "copy.mp4.part").exists()
    content, download = wire
    assert content.request.url.path.endswith(f"/items/{item['id']}/content")
    assert (content.status, download.status) == (302, 200)
    assert "authorization" in content.request.headers
    assert "authorization" not in download.request.headers


def test_the_upload_url_takes_fragments_only_in_order_and_without_a_token(
    graph: httpx.Client,
) -> None:
    session = graph.post("/root:/campaigns/11/clip.mp4:/createUploadSession", json={}).json()
    upload_url, total = session["uploadUrl"], 2 * FRAGMENT_BYTES + 10

    def put(start: int, length: int, **headers: str) -> httpx.Response:
        content_range = f"bytes {start}-{start + length - 1}/{total}"
        return httpx.put(
            upload_url, content=b"x" * length, headers={"Content-Range": content_range, **headers}
        )

    assert put(0, FRAGMENT_BYTES, Authorization=graph.headers["authorization"]).status_code == 401
    assert put(0, 100_000).status_code == 400
    assert put(FRAGMENT_BYTES, FRAGMENT_BYTES).status_code == 416
    accepted = put(0, FRAGMENT_BYTES)
    assert accepted.status_code == 202
    assert accepted.json()["nextExpectedRanges"] == [f"{FRAGMENT_BYTES}-"]
    assert put(0, FRAGMENT_BYTES).status_code == 416
    assert httpx.get(upload_url).json()["nextExpectedRanges"] == [f"{FRAGMENT_BYTES}-"]
    assert httpx.delete(upload_url).status_code == 204
    gone = httpx.get(upload_url)
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "itemNotFound")


def test_an_upload_session_left_idle_expires(graph: httpx.Client, sandbox: SandboxControl) -> None:
    session = graph.post("/root:/campaigns/12/clip.mp4:/createUploadSession", json={}).json()
    try:
        expiry = datetime.fromisoformat(session["expirationDateTime"])
        sandbox.set_clock(expiry + timedelta(seconds=1))
        answer = httpx.get(session["uploadUrl"])
    finally:
        sandbox.set_clock(None)

    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "itemNotFound")

"""The shipped n8n workflows, run by a real n8n against the sandbox's Graph and model endpoints:
what they store in SharePoint, and the signed callbacks they send mediaflow."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter
from support.clips import h264_clip

from mediaflow_dagster.api.models import ContentFailed, ContentReady
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.n8n_api import N8nApi
from mediaflow_dagster.resources.sharepoint import SharePoint
from mediaflow_dagster.specs.inspection import inspect_media
from mediaflow_sandbox.content import jpeg_image
from mediaflow_sandbox.control import client_environment, running_sandbox
from mediaflow_sandbox.n8n_server import (
    CallbackReceiver,
    N8nNotInstalled,
    n8n_command,
    running_n8n,
)
from mediaflow_sandbox.processes import free_local_ports
from mediaflow_sandbox.settings import SandboxSettings

CONTENT_EVENTS = TypeAdapter(ContentReady | ContentFailed)


class Stack:
    def __init__(self, sandbox: SandboxSettings, n8n, receiver: CallbackReceiver) -> None:
        self.sandbox = sandbox
        self.n8n = n8n
        self.receiver = receiver
        self.api = N8nApi(n8n_api_url=n8n.api_url, n8n_api_key=n8n.api_key)
        self.sharepoint = client_from_environment(SharePoint, client_environment(sandbox))
        self._object_ids = iter(range(1, 10_000))

    def order(self, object_type: str, sources: list[str], config: dict) -> dict:
        return {
            "object_id": next(self._object_ids),
            "object_type": object_type,
            "request_id": uuid.uuid4().hex,
            "sources": sources,
            "config": config,
            "callback_url": self.receiver.url,
        }

    def trigger(self, workflow: str, order: dict) -> httpx.Response:
        return httpx.post(f"{self.n8n.webhook_base_url}/{workflow}", json=order, timeout=30)

    def generate(
        self, workflow: str, object_type: str, sources: list[str], config: dict
    ) -> dict[str, Any]:
        order = self.order(object_type, sources, config)
        assert self.trigger(workflow, order).status_code == 202
        _, event = self.receiver.wait_for(order["object_id"])
        return CONTENT_EVENTS.validate_python(event).model_dump()

    def shared_source(self, folder: Path, name: str, data: bytes) -> str:
        path = folder / name
        path.write_bytes(data)
        item = self.sharepoint.upload(f"sources/{name}", path)
        return self.sharepoint.create_sharing_link(self.sandbox.sharepoint_drive_id, item["id"])

    def fetched(self, folder: Path, stored: dict[str, Any]):
        local = self.sharepoint.download(
            stored["drive_id"], stored["item_id"], folder / f"{uuid.uuid4().hex}-{stored['name']}"
        )
        return inspect_media(local)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    try:
        n8n_command()
    except N8nNotInstalled as error:
        if os.environ.get("CI"):
            pytest.fail(str(error))
        pytest.skip(str(error))
    port, tls_port = free_local_ports(2)
    home = tmp_path_factory.mktemp("n8n-stack")
    sandbox = SandboxSettings(home=home / "sandbox", port=port, tls_port=tls_port)
    receiver = CallbackReceiver(sandbox.credentials().n8n_callback_secret)
    environment = client_environment(sandbox)
    with running_sandbox(sandbox), running_n8n(environment, home / "n8n") as n8n:
        stack = Stack(sandbox, n8n, receiver)
        stack.api.deploy()
        yield stack
    receiver.close()


def clip(folder: Path, seconds: int) -> bytes:
    path = folder / f"clip-{seconds}.mp4"
    return h264_clip(path, seconds, size="640x360", rate=30, source="testsrc").read_bytes()


def test_process_image_makes_one_rendition_per_platform_at_its_size(stack, tmp_path):
    source = stack.shared_source(tmp_path, "photo.jpg", jpeg_image(b"\x20\x90\xe0", 1600, 1200))
    renditions = [
        {"platform": "instagram", "width": 1080, "height": 1350, "max_bytes": 8_000_000},
        {"platform": "x", "width": 1600, "height": 900, "max_bytes": 5_000_000},
    ]

    event = stack.generate(
        "process-image",
        "image",
        [source],
        {"renditions": renditions, "watermark": "mediaflow"},
    )

    assert event["type"] == "content.ready"
    master = stack.fetched(tmp_path, event["media"])
    assert (master.facts.width, master.facts.height) == (1080, 1350)
    made = {
        rendition["platform"]: stack.fetched(tmp_path, rendition["media"])
        for rendition in event["renditions"]
    }
    assert {platform: (m.facts.width, m.facts.height) for platform, m in made.items()} == {
        "instagram": (1080, 1350),
        "x": (1600, 900),
    }
    assert all(m.facts.mime_type == "image/jpeg" for m in made.values())
    assert made["x"].facts.bytes <= 5_000_000


def test_generate_video_assembles_the_clips_burns_subtitles_and_makes_a_thumbnail(stack, tmp_path):
    sources = [
        stack.shared_source(tmp_path, "one.mp4", clip(tmp_path, 1)),
        stack.shared_source(tmp_path, "two.mp4", clip(tmp_path, 2)),
    ]
    subtitles = "1\n00:00:00,000 --> 00:00:02,500\nProduit X arrive\n"

    event = stack.generate(
        "generate-video", "video", sources, {"width": 540, "height": 960, "subtitles": subtitles}
    )

    assert event["type"] == "content.ready", event.get("error")
    video = stack.fetched(tmp_path, event["media"]).facts
    assert (video.width, video.height, video.codec) == (540, 960, "h264")
    assert video.duration_seconds == pytest.approx(3.0, abs=0.1)
    thumbnail = stack.fetched(tmp_path, event["thumbnail"]).facts
    assert (thumbnail.width, thumbnail.height) == (540, 960)


def test_generate_text_writes_copy_for_each_targeted_platform(stack):
    event = stack.generate(
        "generate-text",
        "text",
        [],
        {"title": "Lancement", "topic": "Produit X", "platforms": ["x", "linkedin"]},
    )

    assert event["type"] == "content.ready", event.get("error")
    assert event["content"]["text"]
    assert [rendition["platform"] for rendition in event["renditions"]] == ["x", "linkedin"]
    assert all(rendition["text"] and rendition["hashtags"] for rendition in event["renditions"])


def test_generate_audio_speaks_text_as_mp3(stack, tmp_path):
    event = stack.generate("generate-audio", "audio", [], {"text": "Bienvenue au bistro"})

    assert event["type"] == "content.ready", event.get("error")
    assert stack.fetched(tmp_path, event["media"]).facts.codec == "mp3"


def test_generate_audio_transcribes_a_recording(stack, tmp_path):
    spoken = stack.generate("generate-audio", "audio", [], {"text": "Bienvenue au bistro"})
    recording = stack.sharepoint.create_sharing_link(
        spoken["media"]["drive_id"], spoken["media"]["item_id"]
    )

    event = stack.generate("generate-audio", "audio", [recording], {"mode": "transcribe"})

    assert event["type"] == "content.ready", event.get("error")
    assert event["content"]["text"]
    assert event["transcript"]["name"] == "transcript.srt"


def test_a_workflow_that_cannot_make_the_content_calls_back_content_failed(stack):
    event = stack.generate("process-image", "image", [], {})

    assert event["type"] == "content.failed"
    assert "exactly one source picture" in event["error"]


def test_a_corrupt_source_picture_is_reported_as_failed_content(stack, tmp_path):
    source = stack.shared_source(tmp_path, "broken.jpg", b"\xff\xd8\xff\xe0 not a picture")

    event = stack.generate("process-image", "image", [source], {})

    assert event["type"] == "content.failed"
    assert "insufficient image data" in event["error"]


def test_a_malformed_request_gets_400_with_the_reason_and_no_callback(stack):
    order = stack.order("image", [], {})
    order["object_type"] = "video"
    del order["request_id"]

    response = stack.trigger("process-image", order)

    assert response.status_code == 400
    assert "request_id" in response.json()["message"]
    assert "makes image objects, not video" in response.json()["message"]
    time.sleep(1)
    assert all(event["object_id"] != order["object_id"] for _, event in stack.receiver.events)


def test_an_execution_whose_callback_failed_is_retried_through_the_executions_api(stack):
    order = stack.order("text", [], {"topic": "Produit X"})
    stack.receiver.refusing = True
    try:
        answer = stack.trigger("generate-text", order)
        execution_id = answer.json()["execution_id"]
        deadline = time.monotonic() + 60
        while (stack.api.execution(execution_id) or {}).get("status") != "error":
            assert time.monotonic() < deadline, "the execution never failed"
            time.sleep(0.5)
    finally:
        stack.receiver.refusing = False

    retried = stack.api.retry(execution_id)

    event_id, event = stack.receiver.wait_for(order["object_id"])
    assert retried["id"] != execution_id
    assert event_id == f"n8n_{order['request_id']}_content.ready"
    assert event["type"] == "content.ready"

"""n8n and Make webhooks: immediate answers, then signed callbacks and posts in the ground truth."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image
from standardwebhooks import Webhook

from mediaflow_sandbox.control import (
    SandboxControl,
    client_environment,
    make_hook_url,
)
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.inbox import CallbackInbox
from mediaflow_sandbox.settings import SandboxSettings

PUBLISHED_AT = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
WORKFLOW_KINDS = {"process-image": "image", "generate-video": "video", "generate-audio": "audio"}


@pytest.fixture
def inbox() -> Iterator[CallbackInbox]:
    with CallbackInbox() as inbox:
        yield inbox


@pytest.fixture(autouse=True)
def real_time_and_no_faults(sandbox: SandboxControl) -> Iterator[None]:
    yield
    sandbox.set_clock(None)
    sandbox.clear_faults()


def n8n_url(sandbox: SandboxSettings, workflow: str) -> str:
    return f"{client_environment(sandbox)['MEDIAFLOW_N8N_WEBHOOK_BASE_URL']}/{workflow}"


def content_order(object_id: int, object_type: str, callback_url: str, **extra: Any) -> dict:
    return {
        "object_id": object_id,
        "object_type": object_type,
        "request_id": f"{object_id}-first",
        "sources": [],
        "config": {},
        "callback_url": callback_url,
        **extra,
    }


def publish_order(
    publication_id: int,
    platform: str,
    account_type: str,
    callback_url: str,
    media_url: str | None,
    **extra: Any,
) -> dict:
    return {
        **extra,
        "publication_id": publication_id,
        "idempotency_key": f"pub-{publication_id}",
        "object_id": 12,
        "content": {"message": "Winter is here", "media_url": media_url, "hashtags": ["#winter"]},
        "platform_config": {
            "platform": platform,
            "account_id": "104857600123456",
            "account_type": account_type,
        },
        "callback_url": callback_url,
    }


def test_n8n_text_workflow_calls_back_signed_with_the_post_copy(
    sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    order = content_order(21, "text", inbox.url, config={"topic": "winter coats"})

    answer = httpx.post(n8n_url(sandbox_settings, "generate-text"), json=order)
    callback = inbox.next()
    headers, body = callback.headers, callback.body

    assert answer.status_code == 202
    assert answer.json()["message"] == "Workflow was started"
    event = Webhook(sandbox_settings.credentials().n8n_callback_secret).verify(body, headers)
    assert headers["webhook-id"].startswith("evt_")
    assert headers["content-type"] == "application/json"
    assert event["type"] == "content.ready"
    assert event["object_id"] == 21
    assert event["execution_id"]
    assert "winter coats" in event["content"]["text"]
    assert event["content"]["hashtags"]
    assert event["media"] is None


def test_n8n_image_workflow_uploads_to_the_drive(
    sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    order = content_order(22, "image", inbox.url, sources=["https://cdn.example.com/a.jpg"])

    httpx.post(n8n_url(sandbox_settings, "process-image"), json=order)
    callback = inbox.next()
    headers, body = callback.headers, callback.body

    event = Webhook(sandbox_settings.credentials().n8n_callback_secret).verify(body, headers)
    media = event["media"]
    assert event["type"] == "content.ready"
    assert media["drive_id"] == sandbox_settings.sharepoint_drive_id
    assert media["name"] == "image.jpg"
    downloaded = httpx.get(media["web_url"])
    with Image.open(io.BytesIO(downloaded.content)) as picture:
        assert (picture.format, picture.size) == ("JPEG", (1080, 1350))
    assert downloaded.headers["content-type"] == "image/jpeg"


def test_n8n_video_without_sources_fails_in_its_callback(
    sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    httpx.post(
        n8n_url(sandbox_settings, "generate-video"), json=content_order(23, "video", inbox.url)
    )
    callback = inbox.next()
    headers, body = callback.headers, callback.body

    event = Webhook(sandbox_settings.credentials().n8n_callback_secret).verify(body, headers)
    assert event["type"] == "content.failed"
    assert event["error"] == "a video needs at least one source clip"


@pytest.mark.usefixtures("sandbox")
def test_n8n_refuses_a_malformed_request_at_once(sandbox_settings: SandboxSettings) -> None:
    answer = httpx.post(
        n8n_url(sandbox_settings, "generate-audio"),
        json={"object_id": "twelve", "object_type": "audio"},
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == 400
    assert "object_id" in answer.json()["message"]


def test_make_publishes_then_the_post_grows_as_the_clock_moves(
    sandbox: SandboxControl, sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    sandbox.set_clock(PUBLISHED_AT)
    hook = make_hook_url(sandbox_settings, "facebook-page-hook")

    answer = httpx.post(hook, json=publish_order(31, "facebook", "page", inbox.url, None))
    callback = inbox.next()
    headers, body = callback.headers, callback.body

    assert (answer.status_code, answer.text) == (200, "Accepted")
    event = Webhook(sandbox_settings.credentials().make_callback_secret).verify(body, headers)
    assert event["type"] == "publication.published"
    assert event["status"] == "published"
    assert (event["publication_id"], event["idempotency_key"]) == (31, "pub-31")
    assert event["external_id"].startswith("104857600123456_")
    assert event["published_at"] == "2026-11-21T03:00:00Z"
    post = post_in_ground_truth(sandbox, event["external_id"])
    assert post["publication_id"] == 31
    assert post["metrics"]["post_media_view"] == 0
    assert post["metrics"]["post_reactions_by_type_total"] == {"like": 0, "love": 0, "wow": 0}

    sandbox.set_clock(PUBLISHED_AT + timedelta(hours=6))
    later = post_in_ground_truth(sandbox, event["external_id"])["metrics"]

    assert later["post_media_view"] >= 100
    assert later["post_total_media_view_unique"] <= later["post_media_view"]


def test_make_publishes_to_instagram_and_youtube_with_their_ids(
    sandbox: SandboxControl, sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    httpx.post(
        n8n_url(sandbox_settings, "generate-video"),
        json=content_order(24, "video", inbox.url, sources=["clip.mp4"]),
    )
    video_link = json.loads(inbox.next().body)["media"]["web_url"]
    hook = make_hook_url(sandbox_settings, "any-hook")

    httpx.post(hook, json=publish_order(32, "instagram", "business", inbox.url, video_link))
    instagram = json.loads(inbox.next().body)
    httpx.post(hook, json=publish_order(33, "youtube", "channel", inbox.url, video_link))
    youtube = json.loads(inbox.next().body)

    assert instagram["external_id"].isdigit()
    assert len(youtube["external_id"]) == 11
    assert youtube["external_url"].endswith(youtube["external_id"])


@pytest.mark.parametrize(
    ("platform", "account_type", "code"),
    [("instagram", "business", "media_required"), ("mastodon", "profile", "unsupported_platform")],
)
def test_make_reports_what_the_platform_refused(
    sandbox_settings: SandboxSettings,
    inbox: CallbackInbox,
    platform: str,
    account_type: str,
    code: str,
) -> None:
    hook = make_hook_url(sandbox_settings, "any-hook")

    httpx.post(hook, json=publish_order(34, platform, account_type, inbox.url, None))
    callback = inbox.next()
    headers, body = callback.headers, callback.body

    event = Webhook(sandbox_settings.credentials().make_callback_secret).verify(body, headers)
    assert event["type"] == "publication.failed"
    assert event["status"] == "failed"
    assert event["error"]["code"] == code


@pytest.mark.usefixtures("sandbox")
def test_make_refuses_a_payload_it_cannot_read(sandbox_settings: SandboxSettings) -> None:
    answer = httpx.post(make_hook_url(sandbox_settings, "any-hook"), json={"publication_id": 1})

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/plain")


def test_a_duplicated_publish_shows_as_two_posts(
    sandbox: SandboxControl, sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    hook = make_hook_url(sandbox_settings, "any-hook")

    for _ in range(2):
        httpx.post(hook, json=publish_order(35, "facebook", "page", inbox.url, None))
        inbox.next()

    posts = posts_of(sandbox, 35)
    assert len(posts) == 2
    assert posts[0]["external_id"] != posts[1]["external_id"]


def test_duplicate_callbacks_repeat_the_same_webhook_id(
    sandbox: SandboxControl, sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    sandbox.set_faults(FaultRule(path_prefix="/make/hook/", duplicate_callbacks=True))

    httpx.post(
        make_hook_url(sandbox_settings, "any-hook"),
        json=publish_order(36, "facebook", "page", inbox.url, None),
    )
    first, second = inbox.next(), inbox.next()

    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert Webhook(sandbox_settings.credentials().make_callback_secret).verify(
        second.body, second.headers
    )


def test_a_callback_refused_with_5xx_is_delivered_again(
    sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    inbox.answer_with(503)

    httpx.post(
        n8n_url(sandbox_settings, "generate-text"), json=content_order(25, "text", inbox.url)
    )
    refused, retried = inbox.next(), inbox.next()

    assert retried.headers["webhook-id"] == refused.headers["webhook-id"]
    assert Webhook(sandbox_settings.credentials().n8n_callback_secret).verify(
        retried.body, retried.headers
    )


def test_a_publish_echoes_its_callback_token(
    sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    order = publish_order(37, "x", "profile", inbox.url, None, callback_token="single-use-37")

    httpx.post(make_hook_url(sandbox_settings, "any-hook"), json=order)
    callback = inbox.next()

    event = Webhook(sandbox_settings.credentials().make_callback_secret).verify(
        callback.body, callback.headers
    )
    assert event["callback_token"] == "single-use-37"
    assert event["type"] == "publication.published"


@pytest.mark.parametrize(
    ("platform", "account_type", "workflow", "code"),
    [
        ("tiktok", "business", "process-image", "unsupported_media_type"),
        ("linkedin", "page", "generate-audio", "unsupported_media_type"),
        ("wordpress", "page", "generate-audio", None),
        ("x", "channel", None, "unsupported_account_type"),
    ],
)
def test_each_platform_takes_only_its_kinds_of_media_and_account(
    sandbox_settings: SandboxSettings,
    inbox: CallbackInbox,
    platform: str,
    account_type: str,
    workflow: str | None,
    code: str | None,
) -> None:
    media_url = None
    if workflow is not None:
        httpx.post(
            n8n_url(sandbox_settings, workflow),
            json=content_order(26, WORKFLOW_KINDS[workflow], inbox.url, sources=["a"]),
        )
        media_url = json.loads(inbox.next().body)["media"]["web_url"]

    order = publish_order(38, platform, account_type, inbox.url, media_url)
    httpx.post(make_hook_url(sandbox_settings, "any-hook"), json=order)
    event = json.loads(inbox.next().body)

    if code is None:
        assert event["type"] == "publication.published"
    else:
        assert event["error"]["code"] == code


def test_targeting_below_thirteen_fails_the_publication(
    sandbox: SandboxControl, sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    order = publish_order(
        39, "facebook", "page", inbox.url, None, targeting={"location": "Lyon", "age_min": 12}
    )

    httpx.post(make_hook_url(sandbox_settings, "any-hook"), json=order)
    event = json.loads(inbox.next().body)

    assert event["type"] == "publication.failed"
    assert event["error"]["code"] == "invalid_targeting"
    assert posts_of(sandbox, 39) == []


def post_in_ground_truth(sandbox: SandboxControl, external_id: str) -> dict[str, Any]:
    return next(
        post for post in sandbox.ground_truth()["posts"] if post["external_id"] == external_id
    )


def posts_of(sandbox: SandboxControl, publication_id: int) -> list[dict[str, Any]]:
    posts = sandbox.ground_truth()["posts"]
    return [post for post in posts if post["publication_id"] == publication_id]

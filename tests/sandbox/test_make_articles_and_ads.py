"""The Make stand-in takes articles and ads as the account's scenario would: an article where the
platform publishes articles, an ad where it has an ad product, each calling back with the post
id; an ad without its fields, or on a platform with no ad product, fails in its callback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mediaflow_sandbox.control import SandboxControl, make_hook_url
from mediaflow_sandbox.inbox import CallbackInbox
from mediaflow_sandbox.settings import SandboxSettings

ARTICLE = {
    "delivery": "full_text",
    "title": "Notre menu d'hiver",
    "body_html": "<h2>Soupes</h2>",
    "summary": None,
    "canonical_url": None,
}
AD = {
    "headline": "Le menu d'hiver est servi",
    "primary_text": "Réservez votre table.",
    "call_to_action": "BOOK_TRAVEL",
    "objective": "OUTCOME_TRAFFIC",
    "destination_url": "https://bistro.example/reserver",
    "budget": {"amount": "250.00", "currency": "EUR", "period": "lifetime"},
    "schedule": {"start_time": "2026-12-05T07:00:00", "end_time": "2026-12-20T21:00:00"},
    "creative_url": "https://bistro.example/visuel.jpg",
}


@pytest.fixture
def inbox() -> Iterator[CallbackInbox]:
    with CallbackInbox() as inbox:
        yield inbox


def order(publication_id: int, platform: str, account_type: str, callback_url: str, **kind) -> dict:
    return {
        "publication_id": publication_id,
        "idempotency_key": f"pub-{publication_id}",
        "object_id": 40,
        "content": {"message": "", "media_url": None, "hashtags": []},
        "platform_config": {
            "platform": platform,
            "account_id": "104857600123456",
            "account_type": account_type,
        },
        "callback_url": callback_url,
        **kind,
    }


def published(
    sandbox_settings: SandboxSettings, inbox: CallbackInbox, body: dict
) -> dict[str, Any]:
    answer = httpx.post(make_hook_url(sandbox_settings, "any-hook"), json=body)
    assert answer.status_code == 200, answer.text
    return json.loads(inbox.next().body)


def test_an_article_becomes_a_wordpress_post_with_its_title_and_html(
    sandbox: SandboxControl, sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    body = order(41, "wordpress", "page", inbox.url, object_type="article", article=ARTICLE)

    event = published(sandbox_settings, inbox, body)

    assert event["status"] == "published"
    post = next(
        p for p in sandbox.ground_truth()["posts"] if p["external_id"] == event["external_id"]
    )
    assert post["kind"] == "article"


def test_an_ad_becomes_a_facebook_post_with_its_id(
    sandbox: SandboxControl, sandbox_settings: SandboxSettings, inbox: CallbackInbox
) -> None:
    body = order(42, "facebook", "page", inbox.url, object_type="advertisement", advertisement=AD)

    event = published(sandbox_settings, inbox, body)

    assert event["status"] == "published"
    assert event["external_id"].startswith("104857600123456_")
    post = next(
        p for p in sandbox.ground_truth()["posts"] if p["external_id"] == event["external_id"]
    )
    assert post["kind"] == "advertisement"


@pytest.mark.usefixtures("sandbox")
@pytest.mark.parametrize(
    ("platform", "kind", "code"),
    [
        (
            "wordpress",
            {"object_type": "advertisement", "advertisement": AD},
            "unsupported_object_type",
        ),
        ("facebook", {"object_type": "article", "article": ARTICLE}, "unsupported_object_type"),
        ("facebook", {"object_type": "advertisement"}, "invalid_payload"),
        (
            "linkedin",
            {"object_type": "article", "article": ARTICLE | {"delivery": "link_card"}},
            "invalid_payload",
        ),
    ],
)
def test_what_the_platform_does_not_take_fails_in_the_callback(
    sandbox_settings: SandboxSettings, inbox: CallbackInbox, platform, kind, code
) -> None:
    body = order(43, platform, "page", inbox.url, **kind)

    event = published(sandbox_settings, inbox, body)

    assert (event["status"], event["error"]["code"]) == ("failed", code)


@pytest.mark.usefixtures("sandbox")
def test_an_ad_missing_a_field_is_refused_at_the_hook(sandbox_settings: SandboxSettings) -> None:
    ad = {key: value for key, value in AD.items() if key != "budget"}
    body = order(
        44, "facebook", "page", "http://127.0.0.1:9/", object_type="advertisement", advertisement=ad
    )

    answer = httpx.post(make_hook_url(sandbox_settings, "any-hook"), json=body)

    assert answer.status_code == 400
    assert "budget" in answer.text

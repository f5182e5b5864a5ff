"""The Facebook and Instagram collectors against the sandbox's Graph API: batch requests of 50,
readings equal to the sandbox's ground truth, and Meta's errors and rate limiting honoured."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from support.platform_collection import collect, published

from mediaflow_dagster.resources.platforms.facebook import FacebookInsights
from mediaflow_dagster.resources.platforms.instagram import INSIGHT_METRICS, InstagramInsights
from mediaflow_dagster.resources.platforms.readings import (
    MetricReading,
    PlatformRefused,
    PublishedPost,
)
from mediaflow_sandbox.account_tokens import AccountTokens
from mediaflow_sandbox.addresses import INSTAGRAM_PREFIX
from mediaflow_sandbox.clock import SimulatedClock, SimulatedDateMiddleware
from mediaflow_sandbox.control import SandboxControl, client_environment
from mediaflow_sandbox.meta import InstagramGraphApi
from mediaflow_sandbox.platforms import PlatformStore, PostSeed
from mediaflow_sandbox.settings import SandboxSettings

PUBLISHED_AT = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
READ_AT = PUBLISHED_AT + timedelta(hours=5, minutes=30)
HOUR_END = READ_AT.replace(minute=0, tzinfo=None)
POSTS_PER_PLATFORM = 120
ACCOUNTS = {"facebook": "104857600123456", "instagram": "17841400000000001"}
FIRST_PUBLICATION = {"facebook": 1, "instagram": 1001}
FRESH_INSTAGRAM_PUBLICATION = 9001
FAST_PAUSES = 0.01


def seeds(platform: str, count: int, published_at: datetime, first: int) -> list[PostSeed]:
    return [
        PostSeed(
            platform=platform,
            account_id=ACCOUNTS[platform],
            publication_id=publication_id,
            published_at=published_at,
        )
        for publication_id in range(first, first + count)
    ]


@pytest.fixture(scope="module")
def posts(sandbox: SandboxControl) -> dict[str, list[PublishedPost]]:
    """120 posts on each platform published 5 h 30 min before the clock, and one Instagram
    media published at the clock (no viewers yet, under "fresh"), as the collectors take them."""
    sandbox.set_clock(READ_AT)
    posts = {
        platform: [
            published(post)
            for post in sandbox.seed_posts(
                seeds(platform, POSTS_PER_PLATFORM, PUBLISHED_AT, FIRST_PUBLICATION[platform])
            )
        ]
        for platform in ACCOUNTS
    }
    fresh = seeds("instagram", 1, READ_AT, FRESH_INSTAGRAM_PUBLICATION)
    posts["fresh"] = [published(post) for post in sandbox.seed_posts(fresh)]
    return posts


@pytest.fixture(scope="module")
def truth(sandbox: SandboxControl, posts: dict[str, list[PublishedPost]]) -> dict[int, Any]:
    """The sandbox's ground truth at the clock, by publication id."""
    return {post["publication_id"]: post for post in sandbox.ground_truth()["posts"]}


def expected_readings(post: dict[str, Any]) -> dict[str, int]:
    """The ground truth's metrics under the names the collectors read them by."""
    readings = {}
    for name, value in post["metrics"].items():
        if isinstance(value, dict):
            readings |= {f"{name}.{key}": count for key, count in value.items()}
        else:
            readings[name] = value
    return readings


def by_publication(readings: list[MetricReading]) -> dict[int, dict[str, int | None]]:
    values: dict[int, dict[str, int | None]] = {}
    for reading in readings:
        values.setdefault(reading.publication_id, {})[reading.metric] = reading.value
    return values


def graph_url(sandbox: SandboxSettings, platform: str) -> str:
    return client_environment(sandbox)[f"MEDIAFLOW_{platform.upper()}_GRAPH_URL"]


def facebook(sandbox: SandboxSettings, token: str | None = None) -> FacebookInsights:
    return FacebookInsights(
        graph_url(sandbox, "facebook"), token or sandbox.credentials().facebook_access_token
    )


def instagram(sandbox: SandboxSettings, token: str | None = None) -> InstagramInsights:
    return InstagramInsights(
        graph_url(sandbox, "instagram"), token or sandbox.credentials().instagram_access_token
    )


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_120_posts_are_read_in_3_batch_requests_as_the_ground_truth_has_them(
    posts: dict[str, list[PublishedPost]],
    truth: dict[int, Any],
    sandbox_settings: SandboxSettings,
    platform: str,
) -> None:
    collector = {"facebook": facebook, "instagram": instagram}[platform](sandbox_settings)

    collected, client = collect(collector, posts[platform], HOUR_END)

    assert client.requests == 3
    assert (client.pauses, collected.missing) == (0, [])
    assert by_publication(collected.readings) == {
        post.publication_id: expected_readings(truth[post.publication_id])
        for post in posts[platform]
    }
    assert {reading.collected_at for reading in collected.readings} == {
        READ_AT.replace(tzinfo=None)
    }
    assert collector.api_version == "v24.0"


def test_facebook_reads_reactions_by_type_comments_and_shares_by_their_native_names(
    posts: dict[str, list[PublishedPost]], sandbox_settings: SandboxSettings
) -> None:
    collected, _ = collect(facebook(sandbox_settings), posts["facebook"][:1], HOUR_END)

    assert {reading.metric for reading in collected.readings} == {
        "post_media_view",
        "post_total_media_view_unique",
        "post_clicks",
        "post_reactions_by_type_total.like",
        "post_reactions_by_type_total.love",
        "post_reactions_by_type_total.wow",
        "comments",
        "shares",
    }


def test_a_post_the_platform_does_not_know_is_missing_and_the_others_are_read(
    posts: dict[str, list[PublishedPost]], sandbox_settings: SandboxSettings
) -> None:
    known = posts["facebook"][:3]
    unknown = PublishedPost(999, "104857600123456_1", "104857600123456", HOUR_END)

    collected, _ = collect(facebook(sandbox_settings), [known[0], unknown, *known[1:]], HOUR_END)

    assert collected.missing == [unknown.external_post_id]
    assert set(by_publication(collected.readings)) == {post.publication_id for post in known}


def test_instagram_media_with_too_few_viewers_reads_as_null_for_every_metric(
    posts: dict[str, list[PublishedPost]], truth: dict[int, Any], sandbox_settings: SandboxSettings
) -> None:
    seen, [fresh] = posts["instagram"][0], posts["fresh"]

    collected, _ = collect(instagram(sandbox_settings), [seen, fresh], HOUR_END)

    readings = by_publication(collected.readings)
    assert truth[fresh.publication_id]["metrics"]["views"] < 100
    assert readings[fresh.publication_id] == dict.fromkeys(INSIGHT_METRICS)
    assert None not in readings[seen.publication_id].values()
    assert collected.missing == []


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_a_bad_token_refuses_the_platform_naming_the_graph_error(
    posts: dict[str, list[PublishedPost]], sandbox_settings: SandboxSettings, platform: str
) -> None:
    collector = {"facebook": facebook, "instagram": instagram}[platform](
        sandbox_settings, "someone-elses-token"
    )

    with pytest.raises(PlatformRefused) as refusal:
        collect(collector, posts[platform][:60], HOUR_END)

    assert str(refusal.value) == (
        f"{platform}: Graph API error 190 (OAuthException): Invalid OAuth access token - "
        "Cannot parse access token"
    )


def in_process_instagram(
    call_budget: int, budget_window_seconds: float
) -> tuple[httpx.ASGITransport, list[PublishedPost], PlatformStore]:
    """The sandbox's Instagram Graph API in this process, with a small call budget, and 120
    media published 5 h 30 min before its clock."""
    clock = SimulatedClock()
    clock.freeze_at(READ_AT)
    store = PlatformStore(clock)
    api = InstagramGraphApi(
        INSTAGRAM_PREFIX,
        AccountTokens.platform_wide(clock, "instagram", "instagram-token"),
        store,
        clock,
        call_budget=call_budget,
        budget_window_seconds=budget_window_seconds,
    )
    media = store.seed(seeds("instagram", POSTS_PER_PLATFORM, PUBLISHED_AT, 1))
    app = Starlette(
        routes=api.routes(), middleware=[Middleware(SimulatedDateMiddleware, clock=clock)]
    )
    return (
        httpx.ASGITransport(app=app),
        [
            PublishedPost(post.publication_id, post.external_id, post.account_id, HOUR_END)
            for post in media
        ],
        store,
    )


def in_process_collector(seconds_per_percent_over: float) -> InstagramInsights:
    return InstagramInsights(
        f"http://meta.test{INSTAGRAM_PREFIX}",
        "instagram-token",
        seconds_per_percent_over=seconds_per_percent_over,
    )


def test_usage_reported_at_90_percent_or_more_holds_the_platform() -> None:
    transport, media, _ = in_process_instagram(130, 3600)

    collected, client = collect(
        in_process_collector(FAST_PAUSES), media, HOUR_END, transport=transport
    )

    assert len(by_publication(collected.readings)) == POSTS_PER_PLATFORM
    assert client.requests == 3
    assert client.pauses >= 1


def test_throttled_batches_and_items_are_sent_again_once_the_usage_allows() -> None:
    """A budget of 50 calls per half second: the first 50 media spend it, so the next batch
    request is refused whole (error 4) and batches running past it have items refused (80002);
    each wait (11 x 0.05 s at 100 %) outlasts the window."""
    transport, media, store = in_process_instagram(50, 0.5)
    collector = in_process_collector(0.05)
    collect(collector, media[:50], HOUR_END, transport=transport)

    collected, client = collect(collector, media, HOUR_END, transport=transport)

    assert by_publication(collected.readings) == {
        post["publication_id"]: expected_readings(post) for post in store.ground_truth()["posts"]
    }
    assert client.requests > 3
    assert client.pauses >= 1


def crafted(status: int = 200, body: Any = None, **headers: Any) -> httpx.Response:
    return httpx.Response(
        status,
        json=body if body is not None else [],
        headers={name.replace("_", "-"): json.dumps(value) for name, value in headers.items()},
    )


def business_usage(percent: int, regain_minutes: int) -> dict[str, Any]:
    return {
        "104857600123456": [
            {
                "type": "pages",
                "call_count": percent,
                "total_cputime": 1,
                "total_time": 1,
                "estimated_time_to_regain_access": regain_minutes,
            }
        ]
    }


@pytest.mark.parametrize(
    ("response", "pause"),
    [
        (crafted(X_App_Usage={"call_count": 50, "total_cputime": 10, "total_time": 20}), None),
        (crafted(X_App_Usage={"call_count": 10, "total_cputime": 90, "total_time": 20}), 1.0),
        (crafted(X_App_Usage={"call_count": 95, "total_cputime": 10, "total_time": 20}), 6.0),
        (crafted(X_Business_Use_Case_Usage=business_usage(40, 0)), None),
        (crafted(X_Business_Use_Case_Usage=business_usage(92, 0)), 3.0),
        (crafted(X_Business_Use_Case_Usage=business_usage(100, 7)), 420.0),
        (crafted(400, {"error": {"code": 4, "message": "(#4) Application request limit"}}), 11.0),
        (crafted(400, {"error": {"code": 80001, "message": "(#80001) Too many calls"}}), 11.0),
        (crafted(400, {"error": {"code": 190, "message": "Invalid OAuth access token"}}), None),
    ],
)
def test_pause_for_reads_meta_usage_headers_and_throttling_errors(
    response: httpx.Response, pause: float | None
) -> None:
    collector = FacebookInsights(
        "https://graph.facebook.com/v24.0/", "token", seconds_per_percent_over=1.0
    )

    assert collector.pause_for(response) == pause

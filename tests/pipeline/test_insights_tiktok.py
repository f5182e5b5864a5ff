"""TikTok video counters, read by the collector from the sandbox's Display API v2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from support.platform_collection import collect, published

from mediaflow_dagster.resources.http import ServiceUnavailable
from mediaflow_dagster.resources.platforms import tiktok
from mediaflow_dagster.resources.platforms.readings import PlatformRefused, PublishedPost
from mediaflow_dagster.resources.platforms.tiktok import TikTokInsights
from mediaflow_sandbox.account_tokens import AccountTokens
from mediaflow_sandbox.addresses import TIKTOK_PREFIX
from mediaflow_sandbox.clock import SimulatedClock
from mediaflow_sandbox.control import SandboxControl, client_environment
from mediaflow_sandbox.faults import FaultRule
from mediaflow_sandbox.platforms import PlatformStore, PostSeed
from mediaflow_sandbox.settings import SandboxSettings
from mediaflow_sandbox.tiktok import USER_INFO_ONLY_TOKEN, TikTokDisplayApi

PUBLISHED_AT = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
READ_AT = PUBLISHED_AT + timedelta(hours=7, minutes=15)
HOUR_END = datetime(2026, 11, 21, 10, 0)
VIDEOS = 45
COUNTERS = ("view_count", "like_count", "comment_count", "share_count")
FIELDS = "id,create_time,view_count,like_count,comment_count,share_count"


@pytest.fixture(scope="module")
def videos(sandbox: SandboxControl) -> list[PublishedPost]:
    sandbox.set_clock(PUBLISHED_AT)
    seeded = sandbox.seed_posts(
        PostSeed(platform="tiktok", account_id="mediaflow.bistro", publication_id=number)
        for number in range(1, VIDEOS + 1)
    )
    sandbox.set_clock(READ_AT)
    return [published(post) for post in seeded]


@pytest.fixture(scope="module")
def counters(sandbox: SandboxControl, videos: list[PublishedPost]) -> dict[str, dict[str, Any]]:
    """Every TikTok video's counters at READ_AT, by video id."""
    return {
        post["external_id"]: post["metrics"]
        for post in sandbox.ground_truth()["posts"]
        if post["platform"] == "tiktok"
    }


@pytest.fixture(scope="module")
def api_url(sandbox_settings: SandboxSettings) -> str:
    return client_environment(sandbox_settings)["MEDIAFLOW_TIKTOK_API_URL"]


@pytest.fixture
def collector(api_url: str, sandbox_settings: SandboxSettings) -> TikTokInsights:
    return TikTokInsights(f"{api_url}/", sandbox_settings.credentials().tiktok_access_token)


@pytest.fixture
def sandbox_faults(sandbox: SandboxControl):
    yield sandbox
    sandbox.clear_faults()


def query(api_url: str, token: str, body: Any, fields: str = FIELDS) -> httpx.Response:
    return httpx.post(
        f"{api_url}/video/query/",
        params={"fields": fields},
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )


class AnswersFirstWithBodyError(httpx.AsyncBaseTransport):
    """TikTok reporting `code` with HTTP 200 for the first `times` requests; the sandbox answers
    the rest."""

    def __init__(self, code: str, times: int) -> None:
        self._code = code
        self._times = times
        self._sandbox = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._times:
            self._times -= 1
            error = {"code": self._code, "message": "Try again later.", "log_id": "20261121"}
            return httpx.Response(200, json={"data": {}, "error": error}, request=request)
        return await self._sandbox.handle_async_request(request)

    async def aclose(self) -> None:
        await self._sandbox.aclose()


def test_45_videos_are_read_in_3_requests_with_the_sandbox_counters(
    collector: TikTokInsights, videos: list[PublishedPost], counters: dict[str, dict[str, Any]]
) -> None:
    collected, client = collect(collector, videos, HOUR_END)

    assert client.requests == 3
    assert collected.missing == []
    assert len(collected.readings) == VIDEOS * len(COUNTERS)
    by_post = {post.external_post_id: post.publication_id for post in videos}
    for reading in collected.readings:
        assert reading.publication_id == by_post[reading.external_post_id]
        assert reading.value == counters[reading.external_post_id][reading.metric]
        assert reading.collected_at == READ_AT.replace(tzinfo=None)
    assert {reading.metric for reading in collected.readings} == set(COUNTERS)
    assert collector.api_version == "v2"


def test_an_unknown_video_is_missing_and_the_others_are_read(
    collector: TikTokInsights, videos: list[PublishedPost], counters: dict[str, dict[str, Any]]
) -> None:
    unknown = PublishedPost(999, "7300000000000000001", "mediaflow.bistro", HOUR_END)

    collected, _ = collect(collector, [videos[0], unknown, videos[1]], HOUR_END)

    assert collected.missing == [unknown.external_post_id]
    assert {reading.external_post_id for reading in collected.readings} == {
        videos[0].external_post_id,
        videos[1].external_post_id,
    }


def test_a_wrong_token_is_refused_with_access_token_invalid(
    api_url: str, videos: list[PublishedPost]
) -> None:
    with pytest.raises(PlatformRefused, match="401 access_token_invalid"):
        collect(TikTokInsights(api_url, "expired-token"), videos, HOUR_END)


def test_a_scope_not_authorized_answered_with_200_is_refused_not_read_as_no_videos(
    api_url: str, videos: list[PublishedPost]
) -> None:
    with pytest.raises(PlatformRefused, match=r"200 scope_not_authorized: .*\(log_id 2026\d+"):
        collect(TikTokInsights(api_url, USER_INFO_ONLY_TOKEN), videos[:3], HOUR_END)


@pytest.mark.parametrize("code", ["rate_limit_exceeded", "internal_error"])
def test_a_transient_error_answered_with_200_is_retried(
    collector: TikTokInsights,
    videos: list[PublishedPost],
    monkeypatch: pytest.MonkeyPatch,
    code: str,
) -> None:
    monkeypatch.setattr(tiktok, "BODY_ERROR_BACKOFF_SECONDS", 0.01)

    collected, client = collect(
        collector, videos[:20], HOUR_END, transport=AnswersFirstWithBodyError(code, times=2)
    )

    assert client.requests == 3
    assert len(collected.readings) == 20 * len(COUNTERS)


def test_a_transient_error_that_persists_in_200_bodies_fails_the_hour_as_unavailable(
    collector: TikTokInsights, videos: list[PublishedPost], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tiktok, "BODY_ERROR_BACKOFF_SECONDS", 0.01)
    transport = AnswersFirstWithBodyError("internal_error", times=tiktok.BODY_ERROR_ATTEMPTS)

    with pytest.raises(ServiceUnavailable, match="internal_error after 4 attempts"):
        collect(collector, videos[:20], HOUR_END, transport=transport)


def test_a_429_is_retried_until_the_videos_are_read(
    collector: TikTokInsights, videos: list[PublishedPost], sandbox_faults: SandboxControl
) -> None:
    sandbox_faults.set_faults(
        FaultRule(
            path_prefix=TIKTOK_PREFIX, error_rate=1.0, error_status=429, retry_after=0, times=2
        )
    )

    collected, client = collect(collector, videos[:20], HOUR_END)

    assert client.requests == 3
    assert len(collected.readings) == 20 * len(COUNTERS)


def test_the_query_answers_the_fields_asked_wrapped_with_error_ok(
    api_url: str, sandbox_settings: SandboxSettings, videos: list[PublishedPost]
) -> None:
    answer = query(
        api_url,
        sandbox_settings.credentials().tiktok_access_token,
        {"filters": {"video_ids": [videos[0].external_post_id]}},
        fields="id,create_time,view_count",
    )

    assert answer.status_code == 200
    body = answer.json()
    assert body["error"]["code"] == "ok"
    assert body["error"]["log_id"]
    assert (body["data"]["cursor"], body["data"]["has_more"]) == (0, False)
    [video] = body["data"]["videos"]
    assert set(video) == {"id", "create_time", "view_count"}
    assert video["create_time"] == int(PUBLISHED_AT.timestamp())


def test_more_than_20_video_ids_are_refused_with_invalid_params(
    api_url: str, sandbox_settings: SandboxSettings, videos: list[PublishedPost]
) -> None:
    video_ids = [post.external_post_id for post in videos[:21]]

    answer = query(
        api_url,
        sandbox_settings.credentials().tiktok_access_token,
        {"filters": {"video_ids": video_ids}},
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_params"


def test_video_ids_that_are_not_a_list_get_invalid_params_with_http_200(
    api_url: str, sandbox_settings: SandboxSettings, videos: list[PublishedPost]
) -> None:
    answer = query(
        api_url,
        sandbox_settings.credentials().tiktok_access_token,
        {"filters": {"video_ids": videos[0].external_post_id}},
    )

    assert answer.status_code == 200
    assert answer.json()["data"] == {}
    assert answer.json()["error"]["code"] == "invalid_params"


def test_calls_beyond_the_per_minute_limit_get_429_rate_limit_exceeded() -> None:
    clock = SimulatedClock()
    api = TikTokDisplayApi(
        AccountTokens.platform_wide(clock, "tiktok", "token"),
        PlatformStore(clock),
        clock,
        calls_per_minute=1,
    )
    body = {"filters": {"video_ids": ["7300000000000000001"]}}

    with TestClient(Starlette(routes=api.routes())) as client:
        answers = [
            client.post(
                f"{TIKTOK_PREFIX}/video/query/",
                params={"fields": FIELDS},
                json=body,
                headers={"Authorization": "Bearer token"},
            )
            for _ in range(2)
        ]

    assert [answer.status_code for answer in answers] == [200, 429]
    assert answers[1].json()["error"]["code"] == "rate_limit_exceeded"

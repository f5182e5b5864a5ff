"""YouTube video statistics (Data API v3) every hour and the daily video report (Analytics API
v2) at 06:00 UTC, read by the collector from the sandbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from support.platform_collection import collect, published

from mediaflow_dagster.resources.platforms.readings import PlatformRefused, PublishedPost
from mediaflow_dagster.resources.platforms.youtube import DAILY_METRICS, YouTubeInsights
from mediaflow_sandbox.clock import SimulatedClock, SimulatedDateMiddleware
from mediaflow_sandbox.control import SandboxControl, client_environment
from mediaflow_sandbox.platforms import PlatformStore, PostSeed
from mediaflow_sandbox.settings import SandboxSettings
from mediaflow_sandbox.youtube import YouTubeDataApi

CHANNEL = "UCmediaflow"
FIRST_PUBLISHED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
YESTERDAY_PUBLISHED_AT = datetime(2026, 11, 23, 18, 30, tzinfo=UTC)
TODAY_PUBLISHED_AT = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
REPORT_HOUR_END = datetime(2026, 11, 24, 6, 0)
READ_AT = datetime(2026, 11, 24, 6, 4, tzinfo=UTC)
REPORT_DAYS = [date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 23)]
VIDEOS = 120
STATISTICS = ("viewCount", "likeCount", "commentCount", "favoriteCount")


@pytest.fixture(scope="module")
def videos(sandbox: SandboxControl) -> list[PublishedPost]:
    """VIDEOS videos live for days, one published yesterday evening and one early today."""
    sandbox.set_clock(READ_AT)
    seeded = sandbox.seed_posts(
        [
            *(
                PostSeed(
                    platform="youtube",
                    account_id=CHANNEL,
                    publication_id=number,
                    published_at=FIRST_PUBLISHED_AT + timedelta(minutes=7 * number),
                )
                for number in range(1, VIDEOS + 1)
            ),
            PostSeed(
                platform="youtube",
                account_id=CHANNEL,
                publication_id=VIDEOS + 1,
                published_at=YESTERDAY_PUBLISHED_AT,
            ),
            PostSeed(
                platform="youtube",
                account_id=CHANNEL,
                publication_id=VIDEOS + 2,
                published_at=TODAY_PUBLISHED_AT,
            ),
        ]
    )
    return [published(post) for post in seeded]


def counters_at(sandbox: SandboxControl, instant: datetime) -> dict[str, dict[str, Any]]:
    """Every YouTube video's statistics at `instant`, by video id."""
    return {
        post["external_id"]: post["metrics"]
        for post in sandbox.ground_truth(instant)["posts"]
        if post["platform"] == "youtube"
    }


@pytest.fixture(scope="module")
def apis(sandbox_settings: SandboxSettings) -> dict[str, str]:
    environment = client_environment(sandbox_settings)
    return {
        "data": environment["MEDIAFLOW_YOUTUBE_DATA_URL"],
        "analytics": environment["MEDIAFLOW_YOUTUBE_ANALYTICS_URL"],
    }


@pytest.fixture
def collector(apis: dict[str, str], sandbox_settings: SandboxSettings) -> YouTubeInsights:
    return YouTubeInsights(
        f"{apis['data']}/",
        sandbox_settings.credentials().youtube_api_key,
        f"{apis['analytics']}/",
        sandbox_settings.credentials().youtube_oauth_token,
    )


def report(apis: dict[str, str], token: str, video_ids: list[str], **params: str) -> httpx.Response:
    return httpx.get(
        f"{apis['analytics']}/reports",
        params={
            "ids": "channel==MINE",
            "startDate": "2026-11-21",
            "endDate": "2026-11-23",
            "metrics": ",".join(DAILY_METRICS),
            "dimensions": "day,video",
            "filters": f"video=={','.join(video_ids)}",
            "sort": "day",
            **params,
        },
        headers={"Authorization": f"Bearer {token}"},
    )


def test_statistics_are_every_video_s_counters_read_fifty_at_a_time(
    sandbox: SandboxControl, videos: list[PublishedPost], collector: YouTubeInsights
) -> None:
    truth = counters_at(sandbox, READ_AT)

    collected, client = collect(collector, videos, REPORT_HOUR_END - timedelta(hours=1))

    assert client.requests == 3
    assert collected.missing == []
    assert collected.daily == []
    assert len(collected.readings) == len(videos) * len(STATISTICS)
    for reading in collected.readings:
        assert reading.value == truth[reading.external_post_id][reading.metric]
        assert reading.collected_at == READ_AT.replace(tzinfo=None)
    assert collector.api_version == "v3"


def test_a_video_youtube_does_not_list_is_missing_while_the_rest_are_read(
    videos: list[PublishedPost], collector: YouTubeInsights
) -> None:
    gone = PublishedPost(999, "AAAAAAAAAAA", CHANNEL, FIRST_PUBLISHED_AT.replace(tzinfo=None))

    collected, _ = collect(collector, [*videos[:3], gone], REPORT_HOUR_END - timedelta(hours=1))

    assert collected.missing == ["AAAAAAAAAAA"]
    assert {reading.external_post_id for reading in collected.readings} == {
        post.external_post_id for post in videos[:3]
    }


@pytest.mark.parametrize("hour", [0, 5, 7, 23])
def test_no_daily_report_is_asked_for_outside_six_utc(
    videos: list[PublishedPost], collector: YouTubeInsights, hour: int
) -> None:
    collected, client = collect(collector, videos, REPORT_HOUR_END.replace(hour=hour))

    assert collected.daily == []
    assert client.requests == 3


def test_the_six_utc_collection_reads_the_three_days_before_as_each_day_s_gains(
    sandbox: SandboxControl, videos: list[PublishedPost], collector: YouTubeInsights
) -> None:
    midnights = [
        datetime.combine(REPORT_DAYS[0] + timedelta(days=offset), time(), UTC)
        for offset in range(len(REPORT_DAYS) + 1)
    ]
    truth = [counters_at(sandbox, midnight) for midnight in midnights]

    collected, client = collect(collector, videos, REPORT_HOUR_END)

    assert client.requests == 3 + 1
    days = {(reading.external_post_id, reading.report_date) for reading in collected.daily}
    *older, yesterday, today = videos
    assert days == {(post.external_post_id, day) for post in older for day in REPORT_DAYS} | {
        (yesterday.external_post_id, REPORT_DAYS[-1])
    }
    assert today.external_post_id not in {video_id for video_id, _ in days}
    values = {
        (reading.external_post_id, reading.report_date, reading.metric): reading.value
        for reading in collected.daily
    }
    for video_id, day in days:
        index = REPORT_DAYS.index(day)
        start, end = truth[index][video_id], truth[index + 1][video_id]
        views = end["viewCount"] - start["viewCount"]
        assert values[(video_id, day, "views")] == views
        assert values[(video_id, day, "likes")] == end["likeCount"] - start["likeCount"]
        assert values[(video_id, day, "comments")] == end["commentCount"] - start["commentCount"]
        watched = values[(video_id, day, "averageViewDuration")] * views / 60
        assert values[(video_id, day, "estimatedMinutesWatched")] == pytest.approx(watched, abs=1)
        assert values[(video_id, day, "shares")] >= 0
        assert values[(video_id, day, "subscribersGained")] <= views
    assert {reading.collected_at for reading in collected.daily} == {READ_AT.replace(tzinfo=None)}


def test_the_daily_report_is_a_google_result_table_of_ended_days_only(
    sandbox: SandboxControl,
    videos: list[PublishedPost],
    apis: dict[str, str],
    sandbox_settings: SandboxSettings,
) -> None:
    video_id = videos[0].external_post_id

    answer = report(
        apis, sandbox_settings.credentials().youtube_oauth_token, [video_id], endDate="2026-11-30"
    ).json()

    assert answer["kind"] == "youtubeAnalytics#resultTable"
    assert answer["columnHeaders"][:2] == [
        {"name": "day", "columnType": "DIMENSION", "dataType": "STRING"},
        {"name": "video", "columnType": "DIMENSION", "dataType": "STRING"},
    ]
    assert [header["name"] for header in answer["columnHeaders"][2:]] == list(DAILY_METRICS)
    assert {header["columnType"] for header in answer["columnHeaders"][2:]} == {"METRIC"}
    assert [row[:2] for row in answer["rows"]] == [
        [day.isoformat(), video_id] for day in REPORT_DAYS
    ]


@pytest.mark.parametrize("authorization", [None, "Bearer someone-elses-token"])
def test_the_analytics_api_refuses_a_missing_or_wrong_token_in_google_s_shape(
    videos: list[PublishedPost], apis: dict[str, str], authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    answer = httpx.get(
        f"{apis['analytics']}/reports",
        params={"ids": "channel==MINE", "startDate": "2026-11-21", "endDate": "2026-11-23"},
        headers=headers,
    )

    assert answer.status_code == 401
    error = answer.json()["error"]
    assert (error["code"], error["status"]) == (401, "UNAUTHENTICATED")
    assert error["errors"][0]["locationType"] == "header"


def test_the_analytics_api_refuses_a_filter_of_more_than_500_videos(
    apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    answer = report(
        apis,
        sandbox_settings.credentials().youtube_oauth_token,
        [f"video{number}" for number in range(501)],
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["errors"][0]["reason"] == "badRequest"


def test_a_wrong_oauth_token_fails_the_six_utc_collection_with_google_s_message(
    videos: list[PublishedPost], apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    collector = YouTubeInsights(
        apis["data"],
        sandbox_settings.credentials().youtube_api_key,
        apis["analytics"],
        "expired-token",
    )

    with pytest.raises(PlatformRefused, match=r"YouTube Analytics API error 401.*invalid auth"):
        collect(collector, videos, REPORT_HOUR_END)


def test_a_wrong_api_key_is_refused_with_youtube_s_message(
    videos: list[PublishedPost], apis: dict[str, str], sandbox_settings: SandboxSettings
) -> None:
    collector = YouTubeInsights(
        apis["data"],
        "wrong-key",
        apis["analytics"],
        sandbox_settings.credentials().youtube_oauth_token,
    )

    with pytest.raises(PlatformRefused, match=r"400 \(keyInvalid\): API key not valid"):
        collect(collector, videos[:1], REPORT_HOUR_END - timedelta(hours=1))


def test_a_spent_daily_quota_is_refused_as_such_until_midnight_pacific() -> None:
    clock = SimulatedClock()
    clock.freeze_at(READ_AT)
    platforms = PlatformStore(clock)
    seeded = platforms.seed(
        [
            PostSeed(platform="youtube", account_id=CHANNEL, publication_id=number)
            for number in range(1, VIDEOS + 1)
        ]
    )
    videos = [
        PublishedPost(post.publication_id, post.external_id, CHANNEL, READ_AT.replace(tzinfo=None))
        for post in seeded
    ]
    data_api = YouTubeDataApi("key", platforms, clock, daily_quota_units=2)
    app = Starlette(
        routes=data_api.routes(), middleware=[Middleware(SimulatedDateMiddleware, clock=clock)]
    )
    collector = YouTubeInsights("http://youtube/youtube/v3", "key", "http://unused", "token")
    transport = httpx.ASGITransport(app=app)

    with pytest.raises(PlatformRefused, match=r"daily quota is spent \(quotaExceeded\)"):
        collect(collector, videos, REPORT_HOUR_END - timedelta(hours=1), transport=transport)

    clock.freeze_at(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    collected, _ = collect(
        collector, videos[:50], REPORT_HOUR_END - timedelta(hours=1), transport=transport
    )
    assert len(collected.readings) == 50 * len(STATISTICS)

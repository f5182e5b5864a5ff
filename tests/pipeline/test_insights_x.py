"""X tweet metrics (API v2 tweets lookup), read by the collector from the sandbox, within X's
rate-limit window."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from support.platform_collection import collect, published

from mediaflow_dagster.resources.platforms.readings import PlatformRefused, PublishedPost
from mediaflow_dagster.resources.platforms.x import XInsights
from mediaflow_sandbox.account_tokens import AccountTokens
from mediaflow_sandbox.clock import SimulatedClock, SimulatedDateMiddleware
from mediaflow_sandbox.control import SandboxControl, client_environment
from mediaflow_sandbox.platforms import PlatformStore, PostSeed
from mediaflow_sandbox.settings import SandboxSettings
from mediaflow_sandbox.x import FixedWindows, XApi

ACCOUNT = "1587315400000000000"
HOUR_END = datetime(2026, 11, 24, 10, 0)
READ_AT = datetime(2026, 11, 24, 10, 3, tzinfo=UTC)
RECENT_PUBLISHED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
OLD_PUBLISHED_AT = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
RECENT_TWEETS = 120
OLD_TWEETS = 2
PUBLIC_METRICS = {
    "impression_count",
    "like_count",
    "retweet_count",
    "reply_count",
    "quote_count",
    "bookmark_count",
}
NON_PUBLIC_METRICS = {"url_link_clicks", "user_profile_clicks"}


def tweet_seeds(count: int, published_at: datetime, first_number: int = 1) -> list[PostSeed]:
    return [
        PostSeed(
            platform="x",
            account_id=ACCOUNT,
            publication_id=number,
            published_at=published_at + timedelta(minutes=number),
        )
        for number in range(first_number, first_number + count)
    ]


@pytest.fixture(scope="module")
def tweets(sandbox: SandboxControl) -> dict[str, list[PublishedPost]]:
    """RECENT_TWEETS tweets of the last days and OLD_TWEETS older than 30 days, by age."""
    sandbox.set_clock(READ_AT)
    recent = sandbox.seed_posts(tweet_seeds(RECENT_TWEETS, RECENT_PUBLISHED_AT))
    old = sandbox.seed_posts(tweet_seeds(OLD_TWEETS, OLD_PUBLISHED_AT, RECENT_TWEETS + 1))
    return {
        "recent": [published(post) for post in recent],
        "old": [published(post) for post in old],
    }


@pytest.fixture(scope="module")
def truth(sandbox: SandboxControl, tweets: dict[str, list[PublishedPost]]) -> dict[str, Any]:
    """Every tweet's counters at READ_AT, by tweet id."""
    return {
        post["external_id"]: post["metrics"]
        for post in sandbox.ground_truth()["posts"]
        if post["platform"] == "x"
    }


@pytest.fixture(scope="module")
def api_url(sandbox_settings: SandboxSettings) -> str:
    return client_environment(sandbox_settings)["MEDIAFLOW_X_API_URL"]


@pytest.fixture
def collector(api_url: str, sandbox_settings: SandboxSettings) -> XInsights:
    return XInsights(f"{api_url}/", sandbox_settings.credentials().x_bearer_token)


def lookup(api_url: str, token: str, ids: list[str], fields: str) -> httpx.Response:
    return httpx.get(
        f"{api_url}/tweets",
        params={"ids": ",".join(ids), "tweet.fields": fields},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_recent_tweets_read_public_and_non_public_metrics_a_hundred_at_a_time(
    tweets: dict[str, list[PublishedPost]], truth: dict[str, Any], collector: XInsights
) -> None:
    collected, client = collect(collector, tweets["recent"], HOUR_END)

    assert client.requests == 2
    assert collected.missing == []
    assert len(collected.readings) == RECENT_TWEETS * len(PUBLIC_METRICS | NON_PUBLIC_METRICS)
    for reading in collected.readings:
        assert reading.value == truth[reading.external_post_id][reading.metric]
        assert reading.collected_at == READ_AT.replace(tzinfo=None)
    assert collector.api_version == "2"


def test_a_tweet_older_than_30_days_gets_only_its_public_metrics(
    tweets: dict[str, list[PublishedPost]], truth: dict[str, Any], collector: XInsights
) -> None:
    old_ids = {post.external_post_id for post in tweets["old"]}

    collected, client = collect(collector, [*tweets["old"], *tweets["recent"][:5]], HOUR_END)

    assert client.requests == 2
    names: dict[str, set[str]] = {}
    for reading in collected.readings:
        names.setdefault(reading.external_post_id, set()).add(reading.metric)
        assert reading.value == truth[reading.external_post_id][reading.metric]
    assert {names[tweet_id] == PUBLIC_METRICS for tweet_id in old_ids} == {True}
    assert [metrics == PUBLIC_METRICS | NON_PUBLIC_METRICS for metrics in names.values()].count(
        True
    ) == 5


def test_an_unknown_tweet_is_missing_while_the_rest_are_read(
    tweets: dict[str, list[PublishedPost]], collector: XInsights
) -> None:
    posts = tweets["recent"][:3]
    gone = PublishedPost(999, "1000000000000000001", ACCOUNT, HOUR_END - timedelta(days=1))

    collected, _ = collect(collector, [*posts, gone], HOUR_END)

    assert collected.missing == ["1000000000000000001"]
    assert {reading.external_post_id for reading in collected.readings} == {
        post.external_post_id for post in posts
    }


def test_x_names_an_unknown_tweet_in_its_errors_and_answers_the_others(
    tweets: dict[str, list[PublishedPost]], api_url: str, sandbox_settings: SandboxSettings
) -> None:
    tweet = tweets["recent"][0]

    answer = lookup(
        api_url,
        sandbox_settings.credentials().x_bearer_token,
        [tweet.external_post_id, "1000000000000000001"],
        "public_metrics,created_at",
    ).json()

    [data] = answer["data"]
    assert data["id"] == tweet.external_post_id
    assert data["created_at"] == tweet.published_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert set(data["public_metrics"]) == PUBLIC_METRICS
    [error] = answer["errors"]
    assert (error["resource_id"], error["title"]) == ("1000000000000000001", "Not Found Error")
    assert error["type"] == "https://api.twitter.com/2/problems/resource-not-found"


def test_x_refuses_the_whole_request_when_one_tweet_is_too_old_for_non_public_metrics(
    tweets: dict[str, list[PublishedPost]], api_url: str, sandbox_settings: SandboxSettings
) -> None:
    ids = [tweets["recent"][0].external_post_id, tweets["old"][0].external_post_id]

    answer = lookup(
        api_url,
        sandbox_settings.credentials().x_bearer_token,
        ids,
        "public_metrics,non_public_metrics",
    )

    assert answer.status_code == 400
    assert answer.json()["title"] == "Invalid Request"
    assert "within the last 30 days" in answer.json()["errors"][0]["message"]


def test_x_refuses_more_than_100_ids(api_url: str, sandbox_settings: SandboxSettings) -> None:
    ids = [str(10**18 + number) for number in range(101)]

    answer = lookup(api_url, sandbox_settings.credentials().x_bearer_token, ids, "public_metrics")

    assert answer.status_code == 400
    assert "[101] is not between 1 and 100" in answer.json()["errors"][0]["message"]


def test_a_wrong_bearer_token_is_refused(
    tweets: dict[str, list[PublishedPost]], api_url: str
) -> None:
    answer = lookup(api_url, "someone-elses-token", ["1"], "public_metrics")
    assert answer.status_code == 401
    assert answer.json() == {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }

    with pytest.raises(PlatformRefused, match=r"X API error 401 \(Unauthorized\)"):
        collect(XInsights(api_url, "someone-elses-token"), tweets["recent"], HOUR_END)


def test_every_answer_carries_the_rate_limit_window_on_x_s_clock(
    tweets: dict[str, list[PublishedPost]], api_url: str, sandbox_settings: SandboxSettings
) -> None:
    answer = lookup(
        api_url,
        sandbox_settings.credentials().x_bearer_token,
        [tweets["recent"][0].external_post_id],
        "public_metrics",
    )

    headers = answer.headers
    reset = datetime.fromtimestamp(int(headers["x-rate-limit-reset"]), UTC)
    assert int(headers["x-rate-limit-limit"]) == 900
    assert 0 <= int(headers["x-rate-limit-remaining"]) < 900
    assert timedelta(0) < reset - parsedate_to_datetime(headers["date"]) <= timedelta(minutes=15)


def test_a_spent_rate_limit_window_holds_every_request_until_its_reset() -> None:
    """Five requests at two a one-second window already spent: the first is refused (429),
    and then every request waits out each reset; all get read."""
    clock = SimulatedClock()
    clock.freeze_at(READ_AT)
    platforms = PlatformStore(clock)
    seeded = platforms.seed(tweet_seeds(450, RECENT_PUBLISHED_AT))
    posts = [
        PublishedPost(post.publication_id, post.external_id, ACCOUNT, HOUR_END) for post in seeded
    ]
    windows = FixedWindows(requests=2, window_seconds=1.0)
    windows.take("token")
    windows.take("token")
    x_api = XApi(AccountTokens.platform_wide(clock, "x", "token"), platforms, clock, windows)
    app = Starlette(
        routes=x_api.routes(), middleware=[Middleware(SimulatedDateMiddleware, clock=clock)]
    )
    started = time.monotonic()

    collected, client = collect(
        XInsights("http://x/x/2", "token"),
        posts,
        HOUR_END,
        transport=httpx.ASGITransport(app=app),
    )

    assert client.requests > 5
    assert client.pauses >= 3
    assert time.monotonic() - started >= 2.0
    assert {reading.external_post_id for reading in collected.readings} == {
        post.external_post_id for post in posts
    }


def rate_limited(status: int, date: datetime, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers={"Date": format_datetime(date, usegmt=True), **headers})


@pytest.mark.parametrize(
    ("response", "pause"),
    [
        (
            rate_limited(
                429,
                datetime(2020, 1, 1, tzinfo=UTC),
                **{"x-rate-limit-remaining": "0", "x-rate-limit-reset": "1577836920"},
            ),
            120,
        ),
        (
            rate_limited(
                200,
                datetime(2020, 1, 1, tzinfo=UTC),
                **{"x-rate-limit-remaining": "0", "x-rate-limit-reset": "1577836830"},
            ),
            30,
        ),
        (
            rate_limited(
                200,
                datetime(2020, 1, 1, tzinfo=UTC),
                **{"x-rate-limit-remaining": "4", "x-rate-limit-reset": "1577836830"},
            ),
            None,
        ),
        (
            rate_limited(
                429,
                datetime(2020, 1, 1, tzinfo=UTC),
                **{"x-rate-limit-remaining": "0", "x-rate-limit-reset": "1600000000"},
            ),
            900,
        ),
        (rate_limited(429, datetime(2020, 1, 1, tzinfo=UTC), **{"Retry-After": "3"}), 3),
    ],
    ids=["429-until-reset", "last-request-of-window", "window-not-spent", "capped", "retry-after"],
)
def test_the_pause_runs_to_x_s_reset_measured_from_its_date_not_our_clock(
    response: httpx.Response, pause: float | None
) -> None:
    assert XInsights("http://x", "token").pause_for(response) == pause

"""Posts seeded in bulk, counters the platforms restate downwards, and the ground truth the
collected insights are checked against: at an instant and per hour."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import httpx
import pytest

from mediaflow_sandbox.clock import SimulatedClock
from mediaflow_sandbox.control import SandboxControl
from mediaflow_sandbox.metrics import INSTAGRAM_MIN_VIEWERS_FOR_INSIGHTS
from mediaflow_sandbox.platforms import PlatformStore, PostSeed
from mediaflow_sandbox.settings import SandboxSettings

PUBLISHED_AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
INSIGHTS_PLATFORMS = ("facebook", "instagram", "youtube", "linkedin", "tiktok", "x")
POSTS_PER_PLATFORM = 10_000
GENEROUS_SECONDS = 5.0
publication_ids = count(1)


@pytest.fixture(autouse=True)
def frozen_clock(sandbox: SandboxControl) -> Iterator[None]:
    sandbox.set_clock(PUBLISHED_AT + timedelta(days=1))
    yield
    sandbox.set_clock(None)


@pytest.fixture
def control_url(sandbox_settings: SandboxSettings) -> str:
    return f"http://127.0.0.1:{sandbox_settings.port}/_sandbox"


def seed_one(sandbox: SandboxControl, platform: str, **fields: Any) -> dict[str, Any]:
    [post] = sandbox.seed_posts(
        [
            PostSeed(
                platform=platform,
                account_id=fields.pop("account_id", "acme"),
                publication_id=next(publication_ids),
                **{"published_at": PUBLISHED_AT, **fields},
            )
        ]
    )
    return post


def truth_of(truth: dict[str, Any], post: dict[str, Any]) -> dict[str, Any]:
    [entry] = [
        entry
        for entry in truth["posts"]
        if (entry["platform"], entry["external_id"]) == (post["platform"], post["external_id"])
    ]
    return entry


def test_seeded_posts_get_platform_ids_and_urls(sandbox: SandboxControl) -> None:
    seeds = [
        PostSeed(
            platform=platform, account_id="104857600123456", publication_id=next(publication_ids)
        )
        for platform in INSIGHTS_PLATFORMS
    ]

    posts = sandbox.seed_posts(seeds)

    assert [post["publication_id"] for post in posts] == [seed.publication_id for seed in seeds]
    by_platform = {post["platform"]: post for post in posts}
    assert by_platform["facebook"]["external_id"].startswith("104857600123456_")
    assert by_platform["x"]["external_url"].endswith(by_platform["x"]["external_id"])
    assert by_platform["tiktok"]["publish_id"].startswith("v_pub_url~v2-1.")
    assert by_platform["linkedin"]["external_id"].startswith("urn:li:share:")
    assert {post["published_at"] for post in posts} == {"2026-11-21T10:00:00Z"}


def test_a_seeded_post_keeps_the_id_it_is_given(sandbox: SandboxControl) -> None:
    post = seed_one(sandbox, "youtube", external_id="seededVid01")

    assert post["external_url"] == "https://www.youtube.com/watch?v=seededVid01"
    assert truth_of(sandbox.ground_truth(), post)["published_at"] == "2026-11-20T10:00:00Z"


def test_a_bad_seed_is_refused_naming_its_field(control_url: str) -> None:
    good = {"platform": "x", "account_id": "acme", "publication_id": 1}
    bad = {**good, "published_at": "yesterday"}

    answer = httpx.post(f"{control_url}/posts", json={"posts": [good, bad]})

    assert answer.status_code == 400
    assert answer.json()["error"].startswith("posts.1.published_at:")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"posts": []}, "posts:"),
        ({"posts": [{"platform": "myspace", "account_id": "a", "publication_id": 1}]}, "platform"),
        ({"posts": [{"platform": "x", "publication_id": 1}]}, "posts.0.account_id:"),
        ({"posts": [{"platform": "x", "account_id": "a", "publication_id": 1, "n": 1}]}, ".n:"),
    ],
)
def test_a_malformed_seeding_is_refused(control_url: str, body: dict[str, Any], field: str) -> None:
    answer = httpx.post(f"{control_url}/posts", json=body)

    assert answer.status_code == 400
    assert field in answer.json()["error"]


def test_an_id_already_taken_seeds_nothing(sandbox: SandboxControl, control_url: str) -> None:
    taken = seed_one(sandbox, "tiktok")
    before = len(sandbox.ground_truth()["posts"])
    fresh = {"platform": "tiktok", "account_id": "acme", "publication_id": 1}

    answer = httpx.post(
        f"{control_url}/posts",
        json={"posts": [fresh, {**fresh, "external_id": taken["external_id"]}]},
    )

    assert answer.status_code == 409
    assert len(sandbox.ground_truth()["posts"]) == before


def test_a_restated_counter_falls_between_two_collections(sandbox: SandboxControl) -> None:
    post = seed_one(sandbox, "x")
    restated_at = PUBLISHED_AT + timedelta(hours=6)
    sandbox.restate("x", post["external_id"], "like_count", since=restated_at, minus=5)

    before = truth_of(sandbox.ground_truth(at=restated_at - timedelta(minutes=1)), post)
    after = truth_of(sandbox.ground_truth(at=restated_at), post)

    assert after["metrics"]["like_count"] < before["metrics"]["like_count"]
    assert after["metrics"]["impression_count"] > before["metrics"]["impression_count"]


def test_a_restatement_is_in_the_ground_truth_from_its_instant_on(
    sandbox: SandboxControl,
) -> None:
    post = seed_one(sandbox, "facebook")
    at = PUBLISHED_AT + timedelta(hours=8)
    original = truth_of(sandbox.ground_truth(at=at), post)["metrics"]

    sandbox.restate(
        "facebook",
        post["external_id"],
        "post_reactions_by_type_total.like",
        since=PUBLISHED_AT + timedelta(hours=7),
        factor=0.5,
    )

    reactions = truth_of(sandbox.ground_truth(at=at), post)["metrics"][
        "post_reactions_by_type_total"
    ]
    assert reactions == {
        **original["post_reactions_by_type_total"],
        "like": original["post_reactions_by_type_total"]["like"] // 2,
    }


def test_restating_every_counter_lowers_them_all(sandbox: SandboxControl) -> None:
    post = seed_one(sandbox, "linkedin")
    at = PUBLISHED_AT + timedelta(hours=20)
    original = truth_of(sandbox.ground_truth(at=at), post)["metrics"]

    sandbox.restate("linkedin", post["external_id"], "all", since=PUBLISHED_AT, minus=2)

    restated = truth_of(sandbox.ground_truth(at=at), post)["metrics"]
    assert restated == {name: max(value - 2, 0) for name, value in original.items()}


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"metric": "favorite_count"}, 400),
        ({"factor": 1.5, "minus": None}, 400),
        ({"external_id": "1"}, 404),
    ],
)
def test_a_restatement_the_platform_cannot_make_is_refused(
    sandbox: SandboxControl, control_url: str, change: dict[str, Any], status: int
) -> None:
    post = seed_one(sandbox, "x")
    body = {
        "platform": "x",
        "external_id": post["external_id"],
        "metric": "like_count",
        "from": "2026-11-20T12:00:00Z",
        "minus": 1,
    }

    answer = httpx.post(f"{control_url}/restatements", json={**body, **change})

    assert answer.status_code == status
    assert answer.json()["error"]


def test_hourly_truth_equals_the_counters_at_each_hour_end(sandbox: SandboxControl) -> None:
    post = seed_one(sandbox, "tiktok", published_at=PUBLISHED_AT + timedelta(minutes=30))
    sandbox.restate(
        "tiktok",
        post["external_id"],
        "like_count",
        since=PUBLISHED_AT + timedelta(hours=2),
        minus=1,
    )

    hourly = sandbox.hourly_ground_truth(
        PUBLISHED_AT - timedelta(minutes=10), PUBLISHED_AT + timedelta(hours=3), platform="tiktok"
    )

    rows = [row for row in hourly["rows"] if row["external_id"] == post["external_id"]]
    assert [row["hour_end"] for row in rows] == [
        "2026-11-20T11:00:00Z",
        "2026-11-20T12:00:00Z",
        "2026-11-20T13:00:00Z",
    ]
    for row in rows:
        at = datetime.fromisoformat(row["hour_end"])
        assert row["metrics"] == truth_of(sandbox.ground_truth(at=at), post)["metrics"]
        assert row["publication_id"] == post["publication_id"]
    assert {row["platform"] for row in hourly["rows"]} == {"tiktok"}


def test_instagram_posts_below_the_minimum_of_viewers_are_withheld(
    sandbox: SandboxControl,
) -> None:
    post = seed_one(sandbox, "instagram")
    youtube = seed_one(sandbox, "youtube")

    early = sandbox.ground_truth(at=PUBLISHED_AT + timedelta(minutes=1))
    late = sandbox.ground_truth(at=PUBLISHED_AT + timedelta(hours=6))

    assert truth_of(early, post)["metrics"]["views"] < INSTAGRAM_MIN_VIEWERS_FOR_INSIGHTS
    assert truth_of(early, post)["withheld"] is True
    assert truth_of(late, post)["withheld"] is False
    assert truth_of(early, youtube)["withheld"] is False


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/ground-truth", {"at": "noon"}),
        ("/ground-truth/hourly", {"to": "2026-11-20T12:00:00Z"}),
        ("/ground-truth/hourly", {"from": "2026-11-20T12:00:00Z", "to": "2026-11-20T10:00:00Z"}),
        ("/ground-truth/hourly", {"from": "2026-11-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}),
        (
            "/ground-truth/hourly",
            {"from": "2026-11-20T10:00:00Z", "to": "2026-11-20T12:00:00Z", "platform": "myspace"},
        ),
    ],
)
def test_a_malformed_truth_query_is_refused(
    control_url: str, path: str, query: dict[str, str]
) -> None:
    answer = httpx.get(f"{control_url}{path}", params=query)

    assert answer.status_code == 400
    assert answer.json()["error"]


def test_every_one_of_sixty_thousand_posts_is_found_by_its_id() -> None:
    store = PlatformStore(SimulatedClock())
    posts = store.seed(
        [
            PostSeed(platform=platform, account_id="acme", publication_id=number)
            for platform in INSIGHTS_PLATFORMS
            for number in range(POSTS_PER_PLATFORM)
        ]
    )

    started = time.monotonic()
    found = [store.find(post.platform, post.external_id) for post in posts]

    assert found == posts
    assert time.monotonic() - started < GENEROUS_SECONDS


def test_sixty_thousand_posts_are_seeded_in_one_request(sandbox: SandboxControl) -> None:
    """Runs last: the module's sandbox holds these posts from here on."""
    seeds = [
        PostSeed(
            platform=platform,
            account_id="acme",
            publication_id=100_000 + number,
            published_at=PUBLISHED_AT,
        )
        for platform in INSIGHTS_PLATFORMS
        for number in range(POSTS_PER_PLATFORM)
    ]

    started = time.monotonic()
    posts = sandbox.seed_posts(seeds)
    seconds = time.monotonic() - started

    assert len(posts) == len(seeds) == 60_000
    assert len({(post["platform"], post["external_id"]) for post in posts}) == 60_000
    assert seconds < GENEROUS_SECONDS

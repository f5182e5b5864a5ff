"""Lifetime counters: zero at publish, never falling, plausible, and different for every post."""

from __future__ import annotations

from itertools import pairwise

import pytest

from mediaflow_dagster.sandbox.metrics import (
    FACEBOOK_INSIGHTS,
    FACEBOOK_POST_COUNTERS,
    FACEBOOK_REACTION_TYPES,
    INSTAGRAM_INSIGHTS,
    YOUTUBE_STATISTICS,
    counters,
    native_metrics,
)

MINUTES = [0, 1, 5, 30, 60, 180, 360, 720, 1440, 2880, 10080, 43200]
POSTS = [
    ("facebook", "104857600123456_1509651616372292"),
    ("instagram", "17940869453853381"),
    ("youtube", "dQw4w9WgXcQ"),
]


@pytest.mark.parametrize(("platform", "external_id"), POSTS)
def test_counters_start_at_zero_and_never_fall(platform: str, external_id: str) -> None:
    series = [counters(platform, external_id, minutes) for minutes in MINUTES]

    assert set(vars(series[0]).values()) == {0}
    for earlier, later in pairwise(series):
        assert all(vars(later)[name] >= value for name, value in vars(earlier).items())


@pytest.mark.parametrize(("platform", "external_id"), POSTS)
def test_counters_are_plausible_after_hours(platform: str, external_id: str) -> None:
    count = counters(platform, external_id, 6 * 60)

    assert 100 <= count.views <= 20_000
    assert 0 < count.reach <= count.views
    assert count.likes < count.reach
    assert count.comments < count.likes


def test_every_post_grows_its_own_way() -> None:
    views = {counters("instagram", f"1790000000000000{n}", 360).views for n in range(10)}

    assert len(views) == 10


def test_the_same_post_always_counts_the_same() -> None:
    assert native_metrics("youtube", "dQw4w9WgXcQ", 500) == native_metrics(
        "youtube", "dQw4w9WgXcQ", 500
    )


def test_native_names_per_platform() -> None:
    facebook = native_metrics("facebook", "1_2", 60)
    instagram = native_metrics("instagram", "17900000000000001", 60)
    youtube = native_metrics("youtube", "dQw4w9WgXcQ", 60)

    assert set(facebook) == {*FACEBOOK_INSIGHTS, *FACEBOOK_POST_COUNTERS}
    assert set(facebook["post_reactions_by_type_total"]) == set(FACEBOOK_REACTION_TYPES)
    assert tuple(instagram) == INSTAGRAM_INSIGHTS
    assert instagram["total_interactions"] == sum(
        instagram[name] for name in ("likes", "comments", "shares", "saved")
    )
    assert set(youtube) == set(YOUTUBE_STATISTICS)
    assert youtube["favoriteCount"] == 0

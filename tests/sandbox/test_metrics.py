"""Lifetime counters: zero at publish, never falling on their own, plausible, different for every
post, lowered only by the platform's restatements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from pydantic import ValidationError

from mediaflow_sandbox.metrics import (
    FACEBOOK_INSIGHTS,
    FACEBOOK_POST_COUNTERS,
    FACEBOOK_REACTION_TYPES,
    INSTAGRAM_INSIGHTS,
    INSTAGRAM_MIN_VIEWERS_FOR_INSIGHTS,
    YOUTUBE_STATISTICS,
    Audience,
    Restatement,
    counters,
    native_metrics,
    native_names,
    restated,
    withheld,
)

MINUTES = [0, 1, 5, 30, 60, 180, 360, 720, 1440, 2880, 10080, 43200]
POSTS = [
    ("facebook", "104857600123456_1509651616372292"),
    ("instagram", "17940869453853381"),
    ("youtube", "dQw4w9WgXcQ"),
]
RESTATED_AT = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


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


def test_a_post_draws_its_audience_once() -> None:
    assert Audience.of("x", "1850000000000000001") is Audience.of("x", "1850000000000000001")


def restatement(metric: str, **correction: float) -> Restatement:
    return Restatement.model_validate(
        {"platform": "facebook", "external_id": "1_2", "metric": metric, "from": RESTATED_AT}
        | correction
    )


def test_a_restatement_lowers_the_counter_from_its_instant_on() -> None:
    reported = native_metrics("facebook", "1_2", 600)
    spam_removed = [restatement("post_clicks", minus=10)]

    before = restated(reported, spam_removed, RESTATED_AT - timedelta(seconds=1))
    after = restated(reported, spam_removed, RESTATED_AT)

    assert before == reported
    assert after == {**reported, "post_clicks": reported["post_clicks"] - 10}


def test_one_reaction_type_is_restated_alone() -> None:
    reported = native_metrics("facebook", "1_2", 600)

    after = restated(
        reported, [restatement("post_reactions_by_type_total.like", factor=0.5)], RESTATED_AT
    )

    reactions = reported["post_reactions_by_type_total"]
    assert after["post_reactions_by_type_total"] == {**reactions, "like": reactions["like"] // 2}
    assert after["post_media_view"] == reported["post_media_view"]


def test_restating_all_lowers_every_counter_and_none_below_zero() -> None:
    reported = native_metrics("facebook", "1_2", 600)

    after = restated(reported, [restatement("all", minus=1_000_000)], RESTATED_AT)

    assert after == {
        **dict.fromkeys(FACEBOOK_POST_COUNTERS, 0),
        **dict.fromkeys(FACEBOOK_INSIGHTS, 0),
        "post_reactions_by_type_total": dict.fromkeys(FACEBOOK_REACTION_TYPES, 0),
    }


def test_a_restatement_takes_exactly_one_correction() -> None:
    with pytest.raises(ValidationError, match="exactly one of factor or minus"):
        restatement("post_clicks", factor=0.5, minus=3)
    with pytest.raises(ValidationError, match="exactly one of factor or minus"):
        restatement("post_clicks")


def test_nested_counters_are_named_by_parent_and_type() -> None:
    assert {
        "post_reactions_by_type_total",
        "post_reactions_by_type_total.like",
        "comments",
    } <= native_names("facebook")
    assert "url_link_clicks" in native_names("x")


def test_instagram_withholds_insights_below_its_minimum_of_viewers() -> None:
    few = {"views": INSTAGRAM_MIN_VIEWERS_FOR_INSIGHTS - 1}
    enough = {"views": INSTAGRAM_MIN_VIEWERS_FOR_INSIGHTS}

    assert withheld("instagram", few)
    assert not withheld("instagram", enough)
    assert not withheld("tiktok", {"view_count": 0})

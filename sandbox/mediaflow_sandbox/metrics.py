"""Lifetime counters of a post: a deterministic function of the post and its age in minutes.

Every post draws its own audience (peak views, how fast it gets there, how people react) from a
seed hashed from its platform and id. Views follow a saturating curve plus a slow long tail, and
every other counter is a fixed fraction of views or reach, so all of them are zero at publish and
never go down on their own. Only a restatement (the platform removing spam likes, say) takes a
reported counter down, from the instant it is made on.
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PositiveInt, model_validator

FACEBOOK_INSIGHTS = (
    "post_media_view",
    "post_total_media_view_unique",
    "post_clicks",
    "post_reactions_by_type_total",
)
FACEBOOK_POST_COUNTERS = ("comments", "shares")
FACEBOOK_REACTION_TYPES = ("like", "love", "wow")
INSTAGRAM_INSIGHTS = (
    "views",
    "reach",
    "likes",
    "comments",
    "shares",
    "saved",
    "total_interactions",
)
YOUTUBE_STATISTICS = ("viewCount", "likeCount", "favoriteCount", "commentCount")
INSTAGRAM_MIN_VIEWERS_FOR_INSIGHTS = 100
"""Instagram answers "not enough viewers" for a media whose `views` are below this."""
EVERY_METRIC = "all"
NESTED_METRIC_SEPARATOR = "."

MINUTES_PER_DAY = 1440
CACHED_AUDIENCES = 1 << 17


def as_utc(instant: datetime) -> datetime:
    """`instant` in UTC; a naive one is taken as UTC already."""
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


UtcInstant = Annotated[datetime, AfterValidator(as_utc)]


@dataclass(frozen=True)
class Audience:
    peak_views: float
    half_life_minutes: float
    long_tail: float
    reach_per_view: float
    clicks_per_view: float
    likes_per_reach: float
    loves_per_reach: float
    wows_per_reach: float
    comments_per_reach: float
    shares_per_reach: float
    saves_per_reach: float

    @staticmethod
    @functools.lru_cache(maxsize=CACHED_AUDIENCES)
    def of(platform: str, external_id: str) -> Audience:
        """Drawn once per post and kept: every read of a post's counters starts here."""
        digest = hashlib.sha256(f"{platform}:{external_id}".encode()).digest()
        draw = random.Random(int.from_bytes(digest[:8], "big")).uniform
        return Audience(
            peak_views=draw(800, 12_000),
            half_life_minutes=draw(90, 600),
            long_tail=draw(0.02, 0.08),
            reach_per_view=draw(0.5, 0.85),
            clicks_per_view=draw(0.01, 0.05),
            likes_per_reach=draw(0.03, 0.09),
            loves_per_reach=draw(0.002, 0.01),
            wows_per_reach=draw(0.0005, 0.004),
            comments_per_reach=draw(0.003, 0.012),
            shares_per_reach=draw(0.001, 0.006),
            saves_per_reach=draw(0.002, 0.012),
        )

    def views(self, minutes: int) -> int:
        settled = 1 - 2 ** (-minutes / self.half_life_minutes)
        tail = self.long_tail * math.log1p(minutes / MINUTES_PER_DAY)
        return math.floor(self.peak_views * (settled + tail))


@dataclass(frozen=True)
class Counters:
    views: int
    reach: int
    clicks: int
    likes: int
    loves: int
    wows: int
    comments: int
    shares: int
    saves: int


def counters(platform: str, external_id: str, minutes: int) -> Counters:
    audience = Audience.of(platform, external_id)
    views = audience.views(max(minutes, 0))
    reach = math.floor(views * audience.reach_per_view)
    return Counters(
        views=views,
        reach=reach,
        clicks=math.floor(views * audience.clicks_per_view),
        likes=math.floor(reach * audience.likes_per_reach),
        loves=math.floor(reach * audience.loves_per_reach),
        wows=math.floor(reach * audience.wows_per_reach),
        comments=math.floor(reach * audience.comments_per_reach),
        shares=math.floor(reach * audience.shares_per_reach),
        saves=math.floor(reach * audience.saves_per_reach),
    )


def native_metrics(platform: str, external_id: str, minutes: int) -> dict[str, Any]:
    """The counters under the names the platform's own API reports them by (X API v2
    public_metrics, TikTok video fields, LinkedIn share statistics, Jetpack post stats)."""
    count = counters(platform, external_id, minutes)
    if platform == "facebook":
        return {
            "post_media_view": count.views,
            "post_total_media_view_unique": count.reach,
            "post_clicks": count.clicks,
            "post_reactions_by_type_total": {
                "like": count.likes,
                "love": count.loves,
                "wow": count.wows,
            },
            "comments": count.comments,
            "shares": count.shares,
        }
    if platform == "instagram":
        return {
            "views": count.views,
            "reach": count.reach,
            "likes": count.likes,
            "comments": count.comments,
            "shares": count.shares,
            "saved": count.saves,
            "total_interactions": count.likes + count.comments + count.shares + count.saves,
        }
    if platform == "youtube":
        return {
            "viewCount": count.views,
            "likeCount": count.likes,
            "favoriteCount": 0,
            "commentCount": count.comments,
        }
    if platform == "x":
        return {
            "impression_count": count.views,
            "like_count": count.likes,
            "retweet_count": count.shares - count.shares // 4,
            "quote_count": count.shares // 4,
            "reply_count": count.comments,
            "bookmark_count": count.saves,
            "url_link_clicks": count.clicks,
            "user_profile_clicks": count.clicks // 3,
        }
    if platform == "tiktok":
        return {
            "view_count": count.views,
            "like_count": count.likes,
            "comment_count": count.comments,
            "share_count": count.shares,
        }
    if platform == "linkedin":
        return {
            "impressionCount": count.views,
            "uniqueImpressionsCount": count.reach,
            "clickCount": count.clicks,
            "likeCount": count.likes,
            "commentCount": count.comments,
            "shareCount": count.shares,
        }
    if platform == "wordpress":
        return {"views": count.views, "likes": count.likes, "comments": count.comments}
    raise ValueError(f"no metrics for platform {platform!r}")


class Restatement(BaseModel):
    """A correction the platform makes to a post's counter from an instant on: the reported value
    is multiplied by `factor` or lowered by `minus` (never below zero). `metric` is a native
    name, a nested one such as `post_reactions_by_type_total.like`, or `all`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    platform: str = Field(min_length=1)
    external_id: str = Field(min_length=1)
    metric: str = Field(min_length=1)
    in_force_from: UtcInstant = Field(alias="from")
    factor: float | None = Field(default=None, ge=0.0, lt=1.0)
    minus: PositiveInt | None = None

    @model_validator(mode="after")
    def _one_correction(self) -> Self:
        if (self.factor is None) == (self.minus is None):
            raise ValueError("give exactly one of factor or minus")
        return self

    def covers(self, metric: str) -> bool:
        return self.metric in (EVERY_METRIC, metric) or metric.startswith(
            f"{self.metric}{NESTED_METRIC_SEPARATOR}"
        )

    def lower(self, value: int) -> int:
        if self.factor is not None:
            return math.floor(value * self.factor)
        return max(value - (self.minus or 0), 0)


def native_names(platform: str) -> set[str]:
    """Every counter a restatement can name on `platform`: nested ones as `parent.child`, or
    by their parent for all of them."""
    return {*native_metrics(platform, "", 0), *_flat(native_metrics(platform, "", 0))}


def restated(
    metrics: dict[str, Any], restatements: Iterable[Restatement], now: datetime
) -> dict[str, Any]:
    """`metrics` as reported at `now`, after every restatement in force by then."""
    in_force = [restatement for restatement in restatements if restatement.in_force_from <= now]
    if not in_force:
        return metrics
    return _nested(
        {
            name: _lowered(name, value, in_force) if isinstance(value, int) else value
            for name, value in _flat(metrics).items()
        }
    )


def withheld(platform: str, metrics: dict[str, Any]) -> bool:
    """Whether the platform withholds the post's insights, as Instagram does below its minimum
    of viewers."""
    return platform == "instagram" and metrics["views"] < INSTAGRAM_MIN_VIEWERS_FOR_INSIGHTS


def _lowered(name: str, value: int, restatements: list[Restatement]) -> int:
    for restatement in restatements:
        if restatement.covers(name):
            value = restatement.lower(value)
    return value


def _flat(metrics: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in metrics.items():
        if isinstance(value, dict):
            for child, count in value.items():
                flat[f"{name}{NESTED_METRIC_SEPARATOR}{child}"] = count
        else:
            flat[name] = value
    return flat


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    for name, value in flat.items():
        parent, separator, child = name.partition(NESTED_METRIC_SEPARATOR)
        if separator:
            metrics.setdefault(parent, {})[child] = value
        else:
            metrics[name] = value
    return metrics

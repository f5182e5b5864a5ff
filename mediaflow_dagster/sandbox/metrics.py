"""Lifetime counters of a post: a deterministic function of the post and its age in minutes.

Every post draws its own audience (peak views, how fast it gets there, how people react) from a
seed hashed from its platform and id. Views follow a saturating curve plus a slow long tail, and
every other counter is a fixed fraction of views or reach, so all of them are zero at publish and
never go down.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from typing import Any

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

MINUTES_PER_DAY = 1440


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

    @classmethod
    def of(cls, platform: str, external_id: str) -> Audience:
        digest = hashlib.sha256(f"{platform}:{external_id}".encode()).digest()
        draw = random.Random(int.from_bytes(digest[:8], "big")).uniform
        return cls(
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
            "retweet_count": count.shares,
            "reply_count": count.comments,
            "bookmark_count": count.saves,
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

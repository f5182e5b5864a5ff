"""The sandbox's native counters in the warehouse's cross-platform vocabulary: what the marts
must show for them. Written apart from the dbt models on purpose, so that each checks the other.
A metric a platform does not have is None."""

from __future__ import annotations

UNIFIED_METRICS = (
    "impressions",
    "reach",
    "video_views",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
    "engagements",
)


def unified(platform: str, native: dict) -> dict[str, int | None]:
    """The cross-platform metrics of a post's native counters, as the warehouse defines them."""
    if platform == "facebook":
        likes = sum(native["post_reactions_by_type_total"].values())
        return {
            "impressions": native["post_media_view"],
            "reach": native["post_total_media_view_unique"],
            "video_views": None,
            "likes": likes,
            "comments": native["comments"],
            "shares": native["shares"],
            "saves": None,
            "clicks": native["post_clicks"],
            "engagements": likes + native["comments"] + native["shares"],
        }
    if platform == "instagram":
        return {
            "impressions": native["views"],
            "reach": native["reach"],
            "video_views": None,
            "likes": native["likes"],
            "comments": native["comments"],
            "shares": native["shares"],
            "saves": native["saved"],
            "clicks": None,
            "engagements": native["total_interactions"],
        }
    if platform == "youtube":
        return {
            "impressions": native["viewCount"],
            "reach": None,
            "video_views": native["viewCount"],
            "likes": native["likeCount"],
            "comments": native["commentCount"],
            "shares": None,
            "saves": None,
            "clicks": None,
            "engagements": native["likeCount"] + native["commentCount"],
        }
    if platform == "linkedin":
        return {
            "impressions": native["impressionCount"],
            "reach": native["uniqueImpressionsCount"],
            "video_views": None,
            "likes": native["likeCount"],
            "comments": native["commentCount"],
            "shares": native["shareCount"],
            "saves": None,
            "clicks": native["clickCount"],
            "engagements": native["likeCount"]
            + native["commentCount"]
            + native["shareCount"]
            + native["clickCount"],
        }
    if platform == "tiktok":
        return {
            "impressions": native["view_count"],
            "reach": None,
            "video_views": native["view_count"],
            "likes": native["like_count"],
            "comments": native["comment_count"],
            "shares": native["share_count"],
            "saves": None,
            "clicks": None,
            "engagements": native["like_count"] + native["comment_count"] + native["share_count"],
        }
    shares = native["retweet_count"] + native["quote_count"]
    return {
        "impressions": native["impression_count"],
        "reach": None,
        "video_views": None,
        "likes": native["like_count"],
        "comments": native["reply_count"],
        "shares": shares,
        "saves": native["bookmark_count"],
        "clicks": native["url_link_clicks"],
        "engagements": native["like_count"]
        + native["reply_count"]
        + shares
        + native["bookmark_count"],
    }

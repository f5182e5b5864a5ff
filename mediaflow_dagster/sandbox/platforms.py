"""The posts on every platform mediaflow publishes to, with the ids and URLs each one gives them,
and what each platform refuses before publishing."""

from __future__ import annotations

import base64
import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mediaflow_dagster.sandbox.clock import SimulatedClock, iso_z
from mediaflow_dagster.sandbox.metrics import native_metrics

ANY_MEDIA = ("",)
MINIMUM_TARGETING_AGE = 13
FIRST_WORDPRESS_POST_ID = 101
INSTAGRAM_SHORTCODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class PlatformRules:
    account_types: tuple[str, ...]
    accepted_media: tuple[str, ...]
    media_required: bool


PLATFORM_RULES = {
    "facebook": PlatformRules(("page",), ("image/", "video/"), media_required=False),
    "instagram": PlatformRules(("business",), ("image/", "video/"), media_required=True),
    "youtube": PlatformRules(("channel",), ("video/",), media_required=True),
    "x": PlatformRules(("profile", "business"), ("image/", "video/"), media_required=False),
    "tiktok": PlatformRules(("profile", "business"), ("video/",), media_required=True),
    "linkedin": PlatformRules(("profile", "page"), ("image/", "video/"), media_required=False),
    "wordpress": PlatformRules(("page", "profile", "business"), ANY_MEDIA, media_required=False),
}


@dataclass(frozen=True)
class Rejection:
    code: str
    message: str


@dataclass(frozen=True)
class Post:
    platform: str
    external_id: str
    external_url: str
    publish_id: str | None
    account_id: str
    publication_id: int
    idempotency_key: str
    object_id: int
    message: str
    media_url: str | None
    media_type: str | None
    published_at: datetime

    def minutes_live(self, now: datetime) -> int:
        return max(math.floor((now - self.published_at).total_seconds() / 60), 0)

    def metrics(self, now: datetime) -> dict[str, Any]:
        return native_metrics(self.platform, self.external_id, self.minutes_live(now))


def account_rejection(platform: str, account_type: str) -> Rejection | None:
    if platform not in PLATFORM_RULES:
        return Rejection("unsupported_platform", f"cannot publish to {platform!r}")
    expected = PLATFORM_RULES[platform].account_types
    if account_type not in expected:
        return Rejection(
            "unsupported_account_type",
            f"{platform} publishes only to a {' or '.join(expected)} account, not a {account_type}",
        )
    return None


def missing_media_rejection(platform: str, media_url: str | None) -> Rejection | None:
    if media_url is None and PLATFORM_RULES[platform].media_required:
        return Rejection("media_required", f"a {platform} post needs a media_url")
    return None


def media_type_rejection(platform: str, media_type: str) -> Rejection | None:
    if media_type.startswith(PLATFORM_RULES[platform].accepted_media):
        return None
    return Rejection(
        "unsupported_media_type", f"{platform} does not take media of type {media_type!r}"
    )


def targeting_rejection(age_min: int | None) -> Rejection | None:
    if age_min is not None and age_min < MINIMUM_TARGETING_AGE:
        return Rejection(
            "invalid_targeting",
            f"age_min {age_min} is below the minimum age of {MINIMUM_TARGETING_AGE}",
        )
    return None


class PlatformStore:
    def __init__(self, clock: SimulatedClock) -> None:
        self._clock = clock
        self._posts: list[Post] = []

    def publish(
        self,
        *,
        platform: str,
        account_id: str,
        publication_id: int,
        idempotency_key: str,
        object_id: int,
        message: str,
        media_url: str | None,
        media_type: str | None,
    ) -> Post:
        external_id = self._new_post_id(platform, account_id)
        post = Post(
            platform=platform,
            external_id=external_id,
            external_url=_post_url(platform, account_id, external_id),
            publish_id=f"v_pub_url~v2-1.{_nineteen_digits()}" if platform == "tiktok" else None,
            account_id=account_id,
            publication_id=publication_id,
            idempotency_key=idempotency_key,
            object_id=object_id,
            message=message,
            media_url=media_url,
            media_type=media_type,
            published_at=self._clock.now().replace(microsecond=0),
        )
        self._posts.append(post)
        return post

    def find(self, platform: str, external_id: str) -> Post | None:
        return next(
            (
                post
                for post in self._posts
                if post.platform == platform and post.external_id == external_id
            ),
            None,
        )

    def ground_truth(self) -> dict[str, Any]:
        now = self._clock.now()
        return {
            "clock": iso_z(now),
            "posts": [
                {
                    "platform": post.platform,
                    "external_id": post.external_id,
                    "external_url": post.external_url,
                    "publish_id": post.publish_id,
                    "account_id": post.account_id,
                    "publication_id": post.publication_id,
                    "idempotency_key": post.idempotency_key,
                    "published_at": iso_z(post.published_at),
                    "metrics": post.metrics(now),
                }
                for post in self._posts
            ],
        }

    def _new_post_id(self, platform: str, account_id: str) -> str:
        if platform == "facebook":
            return f"{account_id}_{secrets.randbelow(9 * 10**15) + 10**15}"
        if platform == "instagram":
            return f"179{secrets.randbelow(10**14):014d}"
        if platform == "youtube":
            return base64.urlsafe_b64encode(secrets.token_bytes(8)).decode().rstrip("=")
        if platform == "linkedin":
            return f"urn:li:share:{_nineteen_digits()}"
        if platform == "wordpress":
            site_posts = [
                post
                for post in self._posts
                if (post.platform, post.account_id) == (platform, account_id)
            ]
            return str(FIRST_WORDPRESS_POST_ID + len(site_posts))
        return _nineteen_digits()


def _nineteen_digits() -> str:
    """A 64-bit id as X, TikTok and LinkedIn hand them out: 19 digits, below 2**63."""
    return str(10**18 + secrets.randbelow(8 * 10**18))


def _post_url(platform: str, account_id: str, external_id: str) -> str:
    if platform == "facebook":
        page_id, _, story_id = external_id.partition("_")
        return f"https://www.facebook.com/{page_id}/posts/{story_id}"
    if platform == "instagram":
        return f"https://www.instagram.com/p/{_instagram_shortcode(int(external_id))}/"
    if platform == "youtube":
        return f"https://www.youtube.com/watch?v={external_id}"
    if platform == "x":
        return f"https://x.com/i/web/status/{external_id}"
    if platform == "tiktok":
        return f"https://www.tiktok.com/@{account_id}/video/{external_id}"
    if platform == "linkedin":
        return f"https://www.linkedin.com/feed/update/{external_id}/"
    return f"https://{account_id}/?p={external_id}"


def _instagram_shortcode(media_id: int) -> str:
    letters = ""
    while media_id:
        media_id, digit = divmod(media_id, len(INSTAGRAM_SHORTCODE_ALPHABET))
        letters = INSTAGRAM_SHORTCODE_ALPHABET[digit] + letters
    return letters

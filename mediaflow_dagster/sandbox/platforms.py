"""The posts on Facebook, Instagram and YouTube, with the ids and URLs each platform gives them."""

from __future__ import annotations

import base64
import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mediaflow_dagster.sandbox.clock import SimulatedClock, iso_z
from mediaflow_dagster.sandbox.metrics import native_metrics

PUBLISHING_ACCOUNT_TYPE = {"facebook": "page", "instagram": "business", "youtube": "channel"}
ACCEPTED_MEDIA = {
    "facebook": ("image/", "video/"),
    "instagram": ("image/", "video/"),
    "youtube": ("video/",),
}
MEDIA_REQUIRED = frozenset({"instagram", "youtube"})
INSTAGRAM_SHORTCODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class Rejection:
    code: str
    message: str


@dataclass(frozen=True)
class Post:
    platform: str
    external_id: str
    external_url: str
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
    if platform not in PUBLISHING_ACCOUNT_TYPE:
        return Rejection("unsupported_platform", f"cannot publish to {platform!r}")
    expected = PUBLISHING_ACCOUNT_TYPE[platform]
    if account_type != expected:
        return Rejection(
            "unsupported_account_type",
            f"{platform} publishes only to a {expected} account, not a {account_type}",
        )
    return None


def missing_media_rejection(platform: str, media_url: str | None) -> Rejection | None:
    if media_url is None and platform in MEDIA_REQUIRED:
        return Rejection("media_required", f"a {platform} post needs a media_url")
    return None


def media_type_rejection(platform: str, media_type: str) -> Rejection | None:
    if media_type.startswith(ACCEPTED_MEDIA[platform]):
        return None
    return Rejection(
        "unsupported_media_type", f"{platform} does not take media of type {media_type!r}"
    )


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
        external_id = _new_post_id(platform, account_id)
        post = Post(
            platform=platform,
            external_id=external_id,
            external_url=_post_url(platform, external_id),
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
                    "account_id": post.account_id,
                    "publication_id": post.publication_id,
                    "idempotency_key": post.idempotency_key,
                    "published_at": iso_z(post.published_at),
                    "metrics": post.metrics(now),
                }
                for post in self._posts
            ],
        }


def _new_post_id(platform: str, account_id: str) -> str:
    if platform == "facebook":
        return f"{account_id}_{secrets.randbelow(9 * 10**15) + 10**15}"
    if platform == "instagram":
        return f"179{secrets.randbelow(10**14):014d}"
    return base64.urlsafe_b64encode(secrets.token_bytes(8)).decode().rstrip("=")


def _post_url(platform: str, external_id: str) -> str:
    if platform == "facebook":
        page_id, _, story_id = external_id.partition("_")
        return f"https://www.facebook.com/{page_id}/posts/{story_id}"
    if platform == "instagram":
        return f"https://www.instagram.com/p/{_instagram_shortcode(int(external_id))}/"
    return f"https://www.youtube.com/watch?v={external_id}"


def _instagram_shortcode(media_id: int) -> str:
    letters = ""
    while media_id:
        media_id, digit = divmod(media_id, len(INSTAGRAM_SHORTCODE_ALPHABET))
        letters = INSTAGRAM_SHORTCODE_ALPHABET[digit] + letters
    return letters

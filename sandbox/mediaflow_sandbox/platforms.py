"""The posts on every platform mediaflow publishes to, with the ids and URLs each one gives them,
and what each platform refuses before publishing."""

from __future__ import annotations

import base64
import itertools
import math
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mediaflow_sandbox.clock import SimulatedClock, iso_z
from mediaflow_sandbox.metrics import (
    EVERY_METRIC,
    Restatement,
    UtcInstant,
    native_metrics,
    native_names,
    restated,
    withheld,
)

ANY_MEDIA = ("",)
MINIMUM_TARGETING_AGE = 13
FIRST_WORDPRESS_POST_ID = 101
INSTAGRAM_SHORTCODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
HOUR = timedelta(hours=1)
MAX_HOURLY_TRUTH_HOURS = 31 * 24


PostKind = Literal["post", "article", "advertisement"]


@dataclass(frozen=True)
class PlatformRules:
    account_types: tuple[str, ...]
    accepted_media: tuple[str, ...]
    media_required: bool
    kinds: tuple[PostKind, ...] = ("post", "advertisement")
    """What the platform publishes: posts, articles (WordPress posts, LinkedIn article shares),
    ads (where it has an ad product)."""


PLATFORM_RULES = {
    "facebook": PlatformRules(("page",), ("image/", "video/"), media_required=False),
    "instagram": PlatformRules(("business",), ("image/", "video/"), media_required=True),
    "youtube": PlatformRules(("channel",), ("video/",), media_required=True),
    "x": PlatformRules(("profile", "business"), ("image/", "video/"), media_required=False),
    "tiktok": PlatformRules(("profile", "business"), ("video/",), media_required=True),
    "linkedin": PlatformRules(
        ("profile", "page"),
        ("image/", "video/"),
        media_required=False,
        kinds=("post", "article", "advertisement"),
    ),
    "wordpress": PlatformRules(
        ("page", "profile", "business"), ANY_MEDIA, media_required=False, kinds=("post", "article")
    ),
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
    kind: PostKind = "post"
    restatements: list[Restatement] = field(default_factory=list, compare=False, repr=False)

    def identity(self) -> dict[str, Any]:
        """Where the post lives and which publication made it, as the control API shows it."""
        return {
            "platform": self.platform,
            "external_id": self.external_id,
            "external_url": self.external_url,
            "publish_id": self.publish_id,
            "account_id": self.account_id,
            "publication_id": self.publication_id,
            "published_at": iso_z(self.published_at),
        }

    def minutes_live(self, now: datetime) -> int:
        return max(math.floor((now - self.published_at).total_seconds() / 60), 0)

    def metrics(self, now: datetime) -> dict[str, Any]:
        """The native counters the platform reports at `now`, restatements in force applied."""
        counted = native_metrics(self.platform, self.external_id, self.minutes_live(now))
        return restated(counted, self.restatements, now)


class PostSeed(BaseModel):
    """A post put straight on its platform, without a Make scenario or media; the platform
    gives it an id unless `external_id` is given. `published_at` defaults to the clock."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: Literal["facebook", "instagram", "youtube", "x", "tiktok", "linkedin", "wordpress"]
    account_id: str = Field(min_length=1)
    publication_id: int
    published_at: UtcInstant | None = None
    external_id: str | None = Field(default=None, min_length=1)


class PostConflict(ValueError):
    """A post with that id is already on the platform."""


class UnknownPost(LookupError):
    pass


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


def kind_rejection(platform: str, kind: PostKind) -> Rejection | None:
    if kind in PLATFORM_RULES[platform].kinds:
        return None
    return Rejection("unsupported_object_type", f"{platform} does not publish an {kind}")


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
    """Every post on every platform, found by platform and id in constant time."""

    def __init__(self, clock: SimulatedClock) -> None:
        self._clock = clock
        self._posts: dict[tuple[str, str], Post] = {}
        self._site_posts: Counter[str] = Counter()

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
        kind: PostKind = "post",
    ) -> Post:
        return self._add(
            platform=platform,
            external_id=self._new_post_id(platform, account_id),
            account_id=account_id,
            publication_id=publication_id,
            idempotency_key=idempotency_key,
            object_id=object_id,
            message=message,
            media_url=media_url,
            media_type=media_type,
            published_at=self._clock.now().replace(microsecond=0),
            kind=kind,
        )

    def seed(self, seeds: list[PostSeed]) -> list[Post]:
        """Put every seed on its platform at once; none if any given id is taken."""
        given = [(seed.platform, seed.external_id) for seed in seeds if seed.external_id]
        taken = [key for key, count in Counter(given).items() if count > 1 or key in self._posts]
        if taken:
            platform, external_id = taken[0]
            raise PostConflict(f"{platform} already has a post {external_id!r}")
        now = self._clock.now().replace(microsecond=0)
        return [
            self._add(
                platform=seed.platform,
                external_id=seed.external_id or self._new_post_id(seed.platform, seed.account_id),
                account_id=seed.account_id,
                publication_id=seed.publication_id,
                idempotency_key=f"seeded-{seed.platform}-{seed.publication_id}",
                object_id=0,
                message="",
                media_url=None,
                media_type=None,
                published_at=seed.published_at or now,
            )
            for seed in seeds
        ]

    def find(self, platform: str, external_id: str) -> Post | None:
        return self._posts.get((platform, external_id))

    def restate(self, restatement: Restatement) -> Post:
        """Have the platform correct one of a post's counters (or all of them) downwards."""
        post = self.find(restatement.platform, restatement.external_id)
        if post is None:
            raise UnknownPost(f"{restatement.platform} has no post {restatement.external_id!r}")
        names = native_names(post.platform)
        if restatement.metric != EVERY_METRIC and restatement.metric not in names:
            raise ValueError(
                f"metric: {post.platform} has no counter {restatement.metric!r}; "
                f"one of {', '.join(sorted(names))} or {EVERY_METRIC!r}"
            )
        post.restatements.append(restatement)
        return post

    def ground_truth(self, at: datetime | None = None) -> dict[str, Any]:
        """Every post with its native counters at `at` (default: the clock's now)."""
        now = self._clock.now()
        at = at or now
        return {
            "clock": iso_z(now),
            "at": iso_z(at),
            "posts": [
                {
                    **post.identity(),
                    "idempotency_key": post.idempotency_key,
                    "kind": post.kind,
                    **_truth_at(post, at),
                }
                for post in self._posts.values()
            ],
        }

    def hourly_ground_truth(
        self, start: datetime, end: datetime, platform: str | None = None
    ) -> dict[str, Any]:
        """The native counters of every post live before each whole hour from `start` to `end`
        (both included), one row per post and hour end."""
        hour_ends = list(_hour_ends(start, end))
        if len(hour_ends) > MAX_HOURLY_TRUTH_HOURS:
            raise ValueError(f"to: at most {MAX_HOURLY_TRUTH_HOURS} hours from `from`")
        return {
            "clock": iso_z(self._clock.now()),
            "from": iso_z(start),
            "to": iso_z(end),
            "rows": [
                {
                    "platform": post.platform,
                    "external_id": post.external_id,
                    "publication_id": post.publication_id,
                    "hour_end": iso_z(hour_end),
                    **_truth_at(post, hour_end),
                }
                for post in self._posts.values()
                if platform in (None, post.platform)
                for hour_end in hour_ends
                if post.published_at < hour_end
            ],
        }

    def _add(self, **fields: Any) -> Post:
        post = Post(
            **fields,
            external_url=_post_url(fields["platform"], fields["account_id"], fields["external_id"]),
            publish_id=(
                f"v_pub_url~v2-1.{_nineteen_digits()}" if fields["platform"] == "tiktok" else None
            ),
        )
        self._posts[(post.platform, post.external_id)] = post
        if post.platform == "wordpress":
            self._site_posts[post.account_id] += 1
        return post

    def _new_post_id(self, platform: str, account_id: str) -> str:
        if platform == "wordpress":
            first = FIRST_WORDPRESS_POST_ID + self._site_posts[account_id]
            candidates = (str(post_id) for post_id in itertools.count(first))
        else:
            candidates = (_random_post_id(platform, account_id) for _ in itertools.count())
        return next(post_id for post_id in candidates if (platform, post_id) not in self._posts)


def _random_post_id(platform: str, account_id: str) -> str:
    if platform == "facebook":
        return f"{account_id}_{secrets.randbelow(9 * 10**15) + 10**15}"
    if platform == "instagram":
        return f"179{secrets.randbelow(10**14):014d}"
    if platform == "youtube":
        return base64.urlsafe_b64encode(secrets.token_bytes(8)).decode().rstrip("=")
    if platform == "linkedin":
        return f"urn:li:share:{_nineteen_digits()}"
    return _nineteen_digits()


def _truth_at(post: Post, at: datetime) -> dict[str, Any]:
    metrics = post.metrics(at)
    return {"metrics": metrics, "withheld": withheld(post.platform, metrics)}


def _hour_ends(start: datetime, end: datetime) -> Iterator[datetime]:
    hour_end = start.replace(minute=0, second=0, microsecond=0)
    if hour_end < start:
        hour_end += HOUR
    while hour_end <= end:
        yield hour_end
        hour_end += HOUR


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

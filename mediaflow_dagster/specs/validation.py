"""Whether a piece of content can go to a platform as it is: every limit it breaks, each with the
limit, the actual value and a way to fix it. A fact nobody measured is reported only where the
platform's spec needs it."""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict

from mediaflow_dagster.cms.schema import OBJECT_TYPES
from mediaflow_dagster.specs.facts import (
    AdvertisementFacts,
    ContentFacts,
    MediaFacts,
)
from mediaflow_dagster.specs.message import (
    compose,
    inline_hashtag_count,
    message_length,
    unit_name,
)
from mediaflow_dagster.specs.schema import (
    MEDIA_KINDS,
    AdvertisementSpec,
    AspectRatio,
    AspectRatioRange,
    AudioSpec,
    FrameSpec,
    ImageSpec,
    MediaKind,
    PlatformSpec,
    PlaybackSpec,
    Size,
    TextLimit,
    VideoSpec,
)

ViolationCode = Literal[
    "unsupported_object_type",
    "text_too_long",
    "title_too_long",
    "too_many_hashtags",
    "unsupported_media_type",
    "media_facts_missing",
    "media_too_large",
    "image_too_small",
    "video_too_small",
    "image_dimensions_too_large",
    "video_dimensions_too_large",
    "wrong_aspect_ratio",
    "video_too_long",
    "video_too_short",
    "audio_too_long",
    "audio_too_short",
    "unsupported_codec",
    "body_too_long",
    "summary_too_long",
    "canonical_link_required",
    "headline_too_long",
    "primary_text_too_long",
    "unsupported_call_to_action",
    "unsupported_objective",
    "creative_required",
]

ADAPTED = "(adapted version available)"


class Violation(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: ViolationCode
    message: str
    suggested_fix: str


def check_content(spec: PlatformSpec, content: ContentFacts) -> list[Violation]:
    refused = list(_object_type_violations(spec, content))
    if content.object_type == "article":
        return refused or [*_article_violations(spec, content), *_media_violations(spec, content)]
    if content.object_type == "advertisement":
        return refused or [*_ad_violations(spec, content), *_media_violations(spec, content)]
    return [
        *refused,
        *_message_violations(spec, content),
        *_title_violations(spec, content),
        *_hashtag_violations(spec, content),
        *_media_violations(spec, content),
    ]


def _object_type_violations(spec: PlatformSpec, content: ContentFacts) -> Iterator[Violation]:
    if content.object_type not in spec.object_types:
        accepted = " or ".join(kind for kind in OBJECT_TYPES if kind in spec.object_types)
        yield Violation(
            code="unsupported_object_type",
            message=f"{spec.platform} takes {accepted} posts, not {content.object_type}",
            suggested_fix=f"leave {spec.platform} out of this {content.object_type}'s targets",
        )


def _message_violations(spec: PlatformSpec, content: ContentFacts) -> Iterator[Violation]:
    limit = spec.message.max_length
    if limit is None:
        return
    message = compose(spec, (content.text or "").strip(), content.link, content.hashtags)
    length = message_length(message, spec.message)
    if length > limit:
        unit = unit_name(spec.message)
        weighting = spec.message.weighting
        url_note = f" (a URL counts {weighting.url_length})" if weighting else ""
        yield Violation(
            code="text_too_long",
            message=(
                f"the {spec.platform} message (text, link and hashtags) is {length:,} {unit},"
                f" over its limit of {limit:,}{url_note}"
            ),
            suggested_fix=(
                f"cut the text at a word boundary so the message fits {limit:,} {unit} {ADAPTED}"
            ),
        )


def _title_violations(spec: PlatformSpec, content: ContentFacts) -> Iterator[Violation]:
    limit = spec.title_max_length
    if limit is not None and content.title is not None and len(content.title) > limit:
        yield Violation(
            code="title_too_long",
            message=(
                f"the title is {len(content.title):,} characters,"
                f" over {spec.platform}'s {limit:,}-character limit"
            ),
            suggested_fix=f"cut the title at a word boundary to {limit:,} characters {ADAPTED}",
        )


def _hashtag_violations(spec: PlatformSpec, content: ContentFacts) -> Iterator[Violation]:
    limit = spec.hashtags.max_count
    in_text = inline_hashtag_count(content.text or "")
    count = len(content.hashtags) + in_text
    if limit is None or count <= limit:
        return
    room = limit - in_text
    of_text = f" ({in_text} of them in the text)" if in_text else ""
    yield Violation(
        code="too_many_hashtags",
        message=f"the post has {count} hashtags{of_text}, over {spec.platform}'s limit of {limit}",
        suggested_fix=(
            f"keep the first {room} hashtags {ADAPTED}"
            if room > 0
            else f"drop the hashtag list and keep at most {limit} hashtags in the text"
        ),
    )


def _media_violations(spec: PlatformSpec, content: ContentFacts) -> Iterator[Violation]:
    media = content.media
    if media is None:
        if content.object_type == "advertisement":
            yield _creative_required(spec)
        kind = next((kind for kind in MEDIA_KINDS if kind == content.object_type), None)
        media_spec = spec.media_spec(kind) if kind else None
        if kind and media_spec:
            yield _facts_missing(spec, kind, ["mime_type", *_needed_facts(media_spec)])
        return
    kind = media.kind
    media_spec = _media_spec_for(spec, content.object_type, kind) if kind else None
    if kind is None or media_spec is None or not media_spec.accepts_mime_type(media.mime_type):
        yield _unsupported_media_type(spec, content.object_type, media, kind)
        return
    missing = [fact for fact in _needed_facts(media_spec) if getattr(media, fact) is None]
    if missing:
        yield _facts_missing(spec, kind, missing)
    yield from _size_violations(spec, kind, media_spec, media)
    if isinstance(media_spec, FrameSpec):
        yield from _frame_violations(spec, kind, media_spec, media)
    if isinstance(media_spec, PlaybackSpec):
        yield from _playback_violations(spec, kind, media_spec, media)


def _needed_facts(media_spec: ImageSpec | VideoSpec | AudioSpec) -> list[str]:
    """The media facts the spec's limits are checked against."""
    needed = ["bytes"] if media_spec.max_bytes else []
    if isinstance(media_spec, FrameSpec) and (
        _minimum(media_spec) or _maximum(media_spec) or media_spec.aspect_ratio
    ):
        needed += ["width", "height"]
    if isinstance(media_spec, PlaybackSpec):
        if media_spec.min_duration_seconds or media_spec.max_duration_seconds:
            needed.append("duration_seconds")
        if media_spec.codecs:
            needed.append("codec")
    return needed


def _facts_missing(spec: PlatformSpec, kind: MediaKind, missing: list[str]) -> Violation:
    return Violation(
        code="media_facts_missing",
        message=f"{spec.platform} checks the {kind}'s {', '.join(missing)}, which are unknown",
        suggested_fix=f"measure the {kind} (ffprobe gives every fact) and check it again",
    )


def _media_spec_for(
    spec: PlatformSpec, object_type: str, kind: MediaKind
) -> ImageSpec | VideoSpec | AudioSpec | None:
    """The spec media of `kind` is held to in an object of `object_type`: an article's cover,
    an ad's creative, or a post's media."""
    if object_type == "article":
        return spec.article.cover_image if spec.article and kind == "image" else None
    if object_type == "advertisement":
        return spec.advertisement.creative_spec(kind) if spec.advertisement else None
    return spec.media_spec(kind)


def _unsupported_media_type(
    spec: PlatformSpec, object_type: str, media: MediaFacts, kind: MediaKind | None
) -> Violation:
    media_spec = _media_spec_for(spec, object_type, kind) if kind else None
    accepted = {
        kind: taken
        for kind in MEDIA_KINDS
        if (taken := _media_spec_for(spec, object_type, kind)) is not None
    }
    mime_types = [mime_type for taken in accepted.values() for mime_type in taken.mime_types]
    return Violation(
        code="unsupported_media_type",
        message=f"{spec.platform} takes {', '.join(mime_types)}, not {media.mime_type}",
        suggested_fix=(
            f"convert the {kind} to {' or '.join(media_spec.mime_types)}"
            if media_spec
            else f"send {spec.platform} {' or '.join(accepted)} media instead"
        ),
    )


def _creative_required(spec: PlatformSpec) -> Violation:
    assert spec.advertisement is not None
    kinds = " or ".join(spec.advertisement.creative_kinds)
    return Violation(
        code="creative_required",
        message=f"a {spec.platform} ad promotes a creative ({kinds}); this one has none",
        suggested_fix=f"give the ad a ready {kinds} object of the campaign as its creative",
    )


def _article_violations(spec: PlatformSpec, content: ContentFacts) -> Iterator[Violation]:
    article_spec, article = spec.article, content.article
    assert article_spec is not None
    if article is None:
        return
    yield from _text_limit_violation(spec, "title", article_spec.title, content.title or "")
    if article_spec.delivery == "full_text":
        yield from _text_limit_violation(spec, "body", article_spec.body, article.body)
    yield from _text_limit_violation(spec, "summary", article_spec.summary, article.summary or "")
    if article_spec.delivery == "link_card" and not content.link:
        yield Violation(
            code="canonical_link_required",
            message=(
                f"{spec.platform} shares an article as a link to where it is published;"
                " this one has no canonical link"
            ),
            suggested_fix="publish the article (on WordPress, say), its URL as canonical_url",
        )


def _ad_violations(spec: PlatformSpec, content: ContentFacts) -> Iterator[Violation]:
    ad_spec, ad = spec.advertisement, content.advertisement
    assert ad_spec is not None
    if ad is None:
        return
    if ad_spec.headline is not None:
        yield from _text_limit_violation(spec, "headline", ad_spec.headline, ad.headline)
    yield from _text_limit_violation(spec, "primary_text", ad_spec.primary_text, ad.primary_text)
    yield from _offered(ad_spec, ad, spec.platform)


def _offered(
    ad_spec: AdvertisementSpec, ad: AdvertisementFacts, platform: str
) -> Iterator[Violation]:
    if ad.call_to_action not in ad_spec.call_to_actions:
        yield Violation(
            code="unsupported_call_to_action",
            message=f"{ad_spec.product} offers no {ad.call_to_action} call to action",
            suggested_fix=(
                f"choose one of {', '.join(ad_spec.call_to_actions)}, or leave {platform} out"
            ),
        )
    if ad.objective not in ad_spec.objectives:
        yield Violation(
            code="unsupported_objective",
            message=f"{ad_spec.product} has no {ad.objective} objective",
            suggested_fix=f"choose one of {', '.join(ad_spec.objectives)}, or leave {platform} out",
        )


def _text_limit_violation(
    spec: PlatformSpec, field: str, limit: TextLimit, text: str
) -> Iterator[Violation]:
    if limit.max_length is not None and len(text) > limit.max_length:
        words = field.replace("_", " ")
        advised = f" ({limit.recommended_length:,} advised)" if limit.recommended_length else ""
        yield Violation(
            code=f"{field}_too_long",
            message=(
                f"the {words} is {len(text):,} characters,"
                f" over {spec.platform}'s {limit.max_length:,}-character limit"
            ),
            suggested_fix=f"shorten the {words} to {limit.max_length:,} characters{advised}",
        )


def _size_violations(
    spec: PlatformSpec,
    kind: MediaKind,
    media_spec: ImageSpec | VideoSpec | AudioSpec,
    media: MediaFacts,
) -> Iterator[Violation]:
    limit = media_spec.max_bytes
    if limit is not None and media.bytes is not None and media.bytes > limit:
        yield Violation(
            code="media_too_large",
            message=(
                f"the {kind} is {_readable_bytes(media.bytes)} ({media.bytes:,} bytes),"
                f" over {spec.platform}'s {_readable_bytes(limit)} limit"
            ),
            suggested_fix=f"compress the {kind} under {_readable_bytes(limit)}",
        )


def _frame_violations(
    spec: PlatformSpec, kind: MediaKind, frame: FrameSpec, media: MediaFacts
) -> Iterator[Violation]:
    if media.width is None or media.height is None:
        return
    size = Size(width=media.width, height=media.height)
    minimum, maximum = _minimum(frame), _maximum(frame)
    if minimum and (media.width < (frame.min_width or 0) or media.height < (frame.min_height or 0)):
        recommended = f" (recommended {frame.recommended_size})" if frame.recommended_size else ""
        yield Violation(
            code=f"{kind}_too_small",
            message=f"the {kind} is {size}, under {spec.platform}'s minimum of {minimum}",
            suggested_fix=f"re-render the {kind} at least {minimum}{recommended}",
        )
    if maximum and (
        media.width > (frame.max_width or media.width)
        or media.height > (frame.max_height or media.height)
    ):
        yield Violation(
            code=f"{kind}_dimensions_too_large",
            message=f"the {kind} is {size}, over {spec.platform}'s maximum of {maximum}",
            suggested_fix=f"scale the {kind} down to at most {maximum}",
        )
    ratios = frame.aspect_ratio
    ratio = Fraction(media.width, media.height)
    if ratios is not None and ratio not in ratios:
        width = frame.recommended_size.width if frame.recommended_size else media.width
        reframed, bound = _nearest_in_range(width, ratio, ratios)
        yield Violation(
            code="wrong_aspect_ratio",
            message=(
                f"the {kind} is {size} ({float(ratio):.3g}:1), outside {spec.platform}'s"
                f" {ratios.min} to {ratios.max} aspect ratio range"
            ),
            suggested_fix=f"re-render the {kind} at {reframed} ({bound})",
        )


def _nearest_in_range(
    width: int, ratio: Fraction, ratios: AspectRatioRange
) -> tuple[Size, AspectRatio]:
    """A size `width` wide at the end of the range nearest to `ratio`, its height rounded so
    that it stays inside."""
    if ratio < ratios.min.value:
        return Size(width=width, height=max(math.floor(width / ratios.min.value), 1)), ratios.min
    return Size(width=width, height=math.ceil(width / ratios.max.value)), ratios.max


def _minimum(frame: FrameSpec) -> str:
    return _dimensions(frame.min_width, frame.min_height)


def _maximum(frame: FrameSpec) -> str:
    return _dimensions(frame.max_width, frame.max_height)


def _dimensions(width: int | None, height: int | None) -> str:
    if width and height:
        return str(Size(width=width, height=height))
    if width:
        return f"{width} px wide"
    if height:
        return f"{height} px high"
    return ""


def _playback_violations(
    spec: PlatformSpec, kind: MediaKind, playback: PlaybackSpec, media: MediaFacts
) -> Iterator[Violation]:
    duration = media.duration_seconds
    longest, shortest = playback.max_duration_seconds, playback.min_duration_seconds
    if duration is not None and longest is not None and duration > longest:
        yield Violation(
            code=f"{kind}_too_long",
            message=f"the {kind} lasts {duration:,g} s, over {spec.platform}'s {longest:,g} s",
            suggested_fix=f"trim the {kind} to {longest:,g} s",
        )
    if duration is not None and shortest is not None and duration < shortest:
        yield Violation(
            code=f"{kind}_too_short",
            message=f"the {kind} lasts {duration:,g} s, under {spec.platform}'s {shortest:,g} s",
            suggested_fix=f"lengthen the {kind} to at least {shortest:,g} s",
        )
    codecs = playback.codecs
    if codecs and media.codec is not None and media.codec not in codecs:
        yield Violation(
            code="unsupported_codec",
            message=(
                f"the {kind} is encoded in {media.codec}; {spec.platform} takes {', '.join(codecs)}"
            ),
            suggested_fix=f"re-encode the {kind} in {codecs[0]}",
        )


def _readable_bytes(count: int) -> str:
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count} bytes"

"""What a platform takes: the schema of `platform_specs.json`, a versioned table of every
platform's published limits.

Sizes are in bytes (the platforms' "MB" and "GB" read as 10^6 and 10^9), durations in seconds,
dimensions in pixels, codecs as ffprobe names them (`h264`, `hevc`, `vp9`, ...). A limit left out
(`null`) is one the platform does not document, and nothing is checked against it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    model_serializer,
    model_validator,
)

from mediaflow_dagster.cms.schema import ObjectType, Platform

MediaKind = Literal["image", "video", "audio"]
MEDIA_KINDS: tuple[MediaKind, ...] = get_args(MediaKind)
CreativeKind = Literal["image", "video"]
BodyFormat = Literal["markdown", "html"]
BODY_FORMATS: tuple[BodyFormat, ...] = get_args(BodyFormat)
ArticleDelivery = Literal["full_text", "link_card"]
CallToAction = Literal[
    "apply_now",
    "book_now",
    "buy_now",
    "contact_us",
    "download",
    "get_offer",
    "get_quote",
    "get_started",
    "install",
    "join",
    "learn_more",
    "order_now",
    "register",
    "request_demo",
    "see_more",
    "send_message",
    "shop_now",
    "sign_up",
    "subscribe",
    "watch_more",
]
"""mediaflow's words for the platforms' calls to action; each platform's spec maps those it
offers to its own code."""
AdObjective = Literal["awareness", "traffic", "engagement", "leads", "app_promotion", "sales"]
"""The six objectives Meta's simplified (ODAX) set names; the other platforms' map onto them."""
LengthUnit = Literal["character", "utf16_code_unit", "utf8_byte", "weighted"]
SpecVersion = str


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AspectRatio(Frozen):
    """Width to height, written as the platforms write it: "4:5", "1.91:1", "9:16"."""

    width: Fraction
    height: Fraction

    @model_validator(mode="before")
    @classmethod
    def _from_notation(cls, value: Any) -> Any:
        if isinstance(value, str):
            width, separator, height = value.partition(":")
            if not separator:
                raise ValueError(f"an aspect ratio is written width:height, not {value!r}")
            return {"width": Fraction(width), "height": Fraction(height)}
        return value

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"an aspect ratio is positive, not {self}")
        return self

    @model_serializer
    def _to_notation(self) -> str:
        return str(self)

    @property
    def value(self) -> Fraction:
        return self.width / self.height

    def __str__(self) -> str:
        return f"{_decimal(self.width)}:{_decimal(self.height)}"


def _decimal(number: Fraction) -> str:
    return str(number.numerator) if number.denominator == 1 else str(float(number))


class AspectRatioRange(Frozen):
    min: AspectRatio
    max: AspectRatio

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min.value > self.max.value:
            raise ValueError(f"aspect ratio range {self.min} to {self.max} is empty")
        return self

    def __contains__(self, ratio: Fraction) -> bool:
        return self.min.value <= ratio <= self.max.value


class Size(Frozen):
    width: PositiveInt
    height: PositiveInt

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


class WeightRange(Frozen):
    first: NonNegativeInt
    last: NonNegativeInt
    weight: PositiveInt


class TextWeighting(Frozen):
    """X's weighted count (twitter-text config v3): a code point weighs `weight` in its range,
    `default_weight` outside every range, and each URL weighs `url_length` whatever its length."""

    default_weight: PositiveInt
    ranges: tuple[WeightRange, ...]
    url_length: PositiveInt


class MessageSpec(Frozen):
    """The post's text as published: the text, the link line and the hashtags, joined by
    `separator`, measured in `length_unit`."""

    max_length: PositiveInt | None
    length_unit: LengthUnit = "character"
    weighting: TextWeighting | None = None
    separator: str = "\n\n"

    @model_validator(mode="after")
    def _weighting_iff_weighted(self) -> Self:
        if (self.length_unit == "weighted") != (self.weighting is not None):
            raise ValueError("a weighted length needs a weighting, and only it has one")
        return self


class HashtagSpec(Frozen):
    max_count: PositiveInt | None
    recommended_max: PositiveInt | None = None
    in_message: bool = True


class MediaSpec(Frozen):
    mime_types: tuple[str, ...] = Field(min_length=1)
    max_bytes: PositiveInt | None = None
    max_count: PositiveInt | None = 1

    def accepts_mime_type(self, mime_type: str) -> bool:
        """Exact match, or a `type/*` pattern."""
        family = mime_type.partition("/")[0]
        return any(allowed in (mime_type, f"{family}/*") for allowed in self.mime_types)


class FrameSpec(Frozen):
    min_width: PositiveInt | None = None
    min_height: PositiveInt | None = None
    max_width: PositiveInt | None = None
    max_height: PositiveInt | None = None
    aspect_ratio: AspectRatioRange | None = None
    recommended_size: Size | None = None


class PlaybackSpec(Frozen):
    min_duration_seconds: PositiveFloat | None = None
    max_duration_seconds: PositiveFloat | None = None
    codecs: tuple[str, ...] | None = None


class ImageSpec(MediaSpec, FrameSpec):
    pass


class VideoSpec(MediaSpec, FrameSpec, PlaybackSpec):
    pass


class AudioSpec(MediaSpec, PlaybackSpec):
    pass


class TextLimit(Frozen):
    """A text field's hard limit and the length the platform advises (shown, not enforced)."""

    max_length: PositiveInt | None
    recommended_length: PositiveInt | None = None


class ArticleSpec(Frozen):
    """How the platform takes a long-form post: `full_text` publishes the body itself,
    `link_card` shares the canonical link as a card (title, summary, cover) with the summary as
    the post's text, so the link is required and the body stays where it was published."""

    delivery: ArticleDelivery
    title: TextLimit
    body: TextLimit
    summary: TextLimit
    cover_image: ImageSpec


class AdvertisementSpec(Frozen):
    """What the platform's ad product takes: its text fields' limits (a `headline` of null: the
    format shows none, and none is sent), its calls to action (mediaflow's word to the
    platform's code), its objectives (mediaflow's word to the platform's) and each creative
    kind's specs."""

    product: str = Field(min_length=1)
    headline: TextLimit | None
    primary_text: TextLimit
    call_to_actions: dict[CallToAction, str] = Field(min_length=1)
    objectives: dict[AdObjective, str] = Field(min_length=1)
    image: ImageSpec | None = None
    video: VideoSpec | None = None

    @model_validator(mode="after")
    def _some_creative(self) -> Self:
        if self.image is None and self.video is None:
            raise ValueError("an ad product takes image or video creatives, or both")
        return self

    def creative_spec(self, kind: MediaKind) -> ImageSpec | VideoSpec | None:
        return {"image": self.image, "video": self.video}.get(kind)

    @property
    def creative_kinds(self) -> list[CreativeKind]:
        return [kind for kind in ("image", "video") if self.creative_spec(kind)]


class PlatformSpec(Frozen):
    """One platform's limits in one version of the table; `platform` and `version` come from
    where the entry sits in the table."""

    platform: Platform
    version: SpecVersion
    source: str = Field(min_length=1)
    object_types: frozenset[ObjectType] = Field(min_length=1)
    message: MessageSpec
    title_max_length: PositiveInt | None = None
    hashtags: HashtagSpec
    link_placement: Literal["append", "link_in_bio"]
    image: ImageSpec | None = None
    video: VideoSpec | None = None
    audio: AudioSpec | None = None
    article: ArticleSpec | None = None
    advertisement: AdvertisementSpec | None = None
    notes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _spec_iff_object_type(self) -> Self:
        specs = {"article": self.article, "advertisement": self.advertisement}
        for kind in (*MEDIA_KINDS, *specs):
            spec = specs[kind] if kind in specs else self.media_spec(kind)
            if (kind in self.object_types) != (spec is not None):
                raise ValueError(f"{self.platform}: {kind} objects and a `{kind}` spec go together")
        return self

    def media_spec(self, kind: MediaKind) -> ImageSpec | VideoSpec | AudioSpec | None:
        return {"image": self.image, "video": self.video, "audio": self.audio}[kind]

    @property
    def media_kinds(self) -> list[MediaKind]:
        return [kind for kind in MEDIA_KINDS if self.media_spec(kind)]

    @property
    def mime_types(self) -> list[str]:
        """Every media type the platform takes, images first."""
        specs = (self.image, self.video, self.audio)
        return [mime_type for spec in specs if spec for mime_type in spec.mime_types]


class PlatformSpecs(Frozen):
    """One version of the table: every platform's spec as of `version` (an ISO date)."""

    version: SpecVersion = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    platforms: dict[Platform, PlatformSpec] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _name_entries(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("platforms"), dict):
            platforms = {
                name: {**entry, "platform": name, "version": data.get("version")}
                if isinstance(entry, dict)
                else entry
                for name, entry in data["platforms"].items()
            }
            return {**data, "platforms": platforms}
        return data


class SpecTable(Frozen):
    """The whole file: every version ever published, so a stored publication's spec stays
    readable; the newest is the current one."""

    versions: tuple[PlatformSpecs, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_versions(self) -> Self:
        names = [specs.version for specs in self.versions]
        if len(names) != len(set(names)):
            raise ValueError(f"a version appears twice in {names}")
        return self

    @property
    def current(self) -> PlatformSpecs:
        return max(self.versions, key=lambda specs: specs.version)

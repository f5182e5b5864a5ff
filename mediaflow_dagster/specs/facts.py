"""What is known of a piece of content before it goes to a platform; any media fact but its type
may be unknown."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
)

from mediaflow_dagster.specs.schema import (
    MEDIA_KINDS,
    AdObjective,
    BodyFormat,
    CallToAction,
    MediaKind,
    ObjectType,
)


def _essence(mime_type: str) -> str:
    """`Video/MP4; codecs="avc1"` → `video/mp4`."""
    return mime_type.partition(";")[0].strip().lower()


class MediaFacts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mime_type: Annotated[str, AfterValidator(_essence)]
    bytes: NonNegativeInt | None = None
    width: PositiveInt | None = None
    height: PositiveInt | None = None
    duration_seconds: NonNegativeFloat | None = None
    codec: Annotated[str, AfterValidator(str.lower)] | None = None

    @property
    def kind(self) -> MediaKind | None:
        family = self.mime_type.partition("/")[0]
        return next((kind for kind in MEDIA_KINDS if kind == family), None)


class ArticleFacts(BaseModel):
    """An article's own fields; its title is the content's, its canonical link the content's
    link and its cover image the content's media."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    body: str
    body_format: BodyFormat = "markdown"
    summary: str | None = None


class AdvertisementFacts(BaseModel):
    """An ad's own fields; its destination is the content's link and its creative the
    content's media."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    headline: str
    primary_text: str
    call_to_action: CallToAction
    objective: AdObjective


class ContentFacts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    object_type: ObjectType
    text: str | None = None
    title: str | None = None
    hashtags: list[str] = []
    link: str | None = None
    media: MediaFacts | None = None
    article: ArticleFacts | None = None
    advertisement: AdvertisementFacts | None = None

"""What the API accepts: CMS requests and the n8n / Make callbacks, validated field by field."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    model_validator,
)

from mediaflow_dagster.cms.schema import AccountType, CandidateKind, ObjectType, Platform

Name = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SocialAccountIn(Strict):
    platform: Platform
    name: Name
    account_type: AccountType
    external_account_id: Name
    make_connection_id: Name
    make_scenario_id: Name
    make_webhook_url: HttpUrl


class CampaignIn(Strict):
    name: Name
    description: str | None = None
    topics: list[str] = []
    budget: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    start_date: date
    end_date: date
    social_account_ids: list[int] = []
    owner_email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)] | None = None


class CampaignObjectIn(Strict):
    object_type: ObjectType
    title: Name
    sources: list[Any] = []
    config: dict[str, Any] = {}


class Targeting(Strict):
    location: str | None = None
    radius_km: Annotated[float, Field(gt=0, le=1000)] | None = None
    age_min: Annotated[int, Field(ge=13, le=100)] | None = None
    age_max: Annotated[int, Field(ge=13, le=100)] | None = None

    @model_validator(mode="after")
    def ages_in_order(self) -> Targeting:
        if self.age_min and self.age_max and self.age_max < self.age_min:
            raise ValueError("age_max is below age_min")
        return self


class ApprovalIn(Strict):
    approved_by: Name
    scheduled_time: AwareDatetime | None = None
    targeting: Targeting | None = None


class CandidateFilter(Strict):
    kind: CandidateKind | None = None


class CampaignStatusIn(Strict):
    status: Literal["draft", "scheduled", "active", "paused", "completed", "canceled"]


class OnboardingIn(Strict):
    platform: Platform
    name: Name
    account_type: AccountType
    external_account_id: Name


class StoredFile(BaseModel):
    """A file n8n stored in SharePoint: where Graph finds it."""

    drive_id: str = Field(min_length=1)
    item_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    web_url: str | None = None


class GeneratedContent(BaseModel):
    text: str | None = None
    hashtags: list[str] = []


class Rendition(BaseModel):
    """The object made for one platform: its own copy, or its own file, or both."""

    platform: Platform
    text: str | None = None
    hashtags: list[str] | None = None
    media: StoredFile | None = None


class ContentReady(BaseModel):
    type: Literal["content.ready"]
    object_id: int
    request_id: str = Field(min_length=1)
    execution_id: str
    workflow: str | None = None
    content: GeneratedContent | None = None
    media: StoredFile | None = None
    thumbnail: StoredFile | None = None
    transcript: StoredFile | None = None
    renditions: list[Rendition] = []


class ContentFailed(BaseModel):
    type: Literal["content.failed"]
    object_id: int
    request_id: str = Field(min_length=1)
    execution_id: str
    workflow: str | None = None
    error: str


class PublicationError(BaseModel):
    code: str | None = None
    message: str


class PublicationPublished(BaseModel):
    type: Literal["publication.published"]
    publication_id: int
    idempotency_key: str
    callback_token: Annotated[str, Field(min_length=1)]
    status: Literal["published"]
    external_id: Annotated[str, Field(min_length=1)]
    external_url: str | None = None
    published_at: datetime


class PublicationFailed(BaseModel):
    type: Literal["publication.failed"]
    publication_id: int
    idempotency_key: str
    callback_token: Annotated[str, Field(min_length=1)]
    status: Literal["failed"]
    error: PublicationError


N8N_EVENTS = TypeAdapter(Annotated[ContentReady | ContentFailed, Field(discriminator="type")])
MAKE_EVENTS = TypeAdapter(
    Annotated[PublicationPublished | PublicationFailed, Field(discriminator="type")]
)


MAX_READINGS_PER_BATCH = 5000


class InsightReadingIn(Strict):
    platform: Platform
    external_post_id: Name
    metric: Annotated[str, Field(min_length=1, max_length=100)]
    value: Annotated[int, Field(ge=0)] | None
    collected_at: AwareDatetime
    api_version: Annotated[str, Field(max_length=20)] | None = None


class InsightsCollected(Strict):
    """A batch of lifetime counters an n8n insights workflow read from the platforms."""

    type: Literal["insights.collected"]
    readings: Annotated[
        list[InsightReadingIn], Field(min_length=1, max_length=MAX_READINGS_PER_BATCH)
    ]

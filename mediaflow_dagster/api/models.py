"""What the API takes and gives: CMS requests, the n8n / Make callbacks and every answer, validated
field by field. Every bound here is one the ops store would otherwise enforce with an error (a
column's length, a 32- or 64-bit integer, a date Python can convert): what passes these models
fits the stores on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    model_validator,
)

from mediaflow_dagster.api.scopes import Scope
from mediaflow_dagster.cms.schema import (
    AccountType,
    AlertDirection,
    AlertMetric,
    CandidateKind,
    ObjectType,
    Platform,
    ReportCadence,
)
from mediaflow_dagster.cms.webhooks import EventType
from mediaflow_dagster.specs.schema import AdObjective, BodyFormat, CallToAction

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
MAX_PAGE = 200

RowId = Annotated[int, Field(ge=1, le=INT32_MAX, description="A row's id (32-bit).")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Identifier = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(max_length=5000)]
Tag = Annotated[str, Field(min_length=1, max_length=100)]
CampaignDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


def _as_utc(moment: datetime) -> datetime:
    """The naive UTC instant every store keeps; an offset that pushes it out of the calendar is
    refused here rather than overflowing later."""
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError as error:
        raise ValueError("the instant is out of range once converted to UTC") from error


Instant = Annotated[AwareDatetime, AfterValidator(_as_utc)]
Stamp = Annotated[
    datetime,
    AfterValidator(lambda moment: moment if moment.tzinfo else moment.replace(tzinfo=UTC)),
    Field(description="An RFC 3339 instant; the stores keep UTC."),
]


class Strict(BaseModel):
    """A request body: a field it does not know is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class SocialAccountIn(Strict):
    platform: Platform
    name: Name
    account_type: AccountType
    external_account_id: Name
    make_connection_id: Identifier
    make_scenario_id: Identifier
    make_webhook_url: Annotated[HttpUrl, Field(max_length=500)]


Budget = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)]
Goal = Annotated[str, Field(min_length=1, max_length=500)]
Goals = Annotated[list[Goal], Field(max_length=20)]
AudienceAge = Annotated[int, Field(ge=13, le=120)]
Channels = Annotated[list[Platform], Field(max_length=7)]


class TargetAudience(Strict):
    """Who the campaign speaks to, as the platforms' targeting takes it."""

    locations: Annotated[list[Tag], Field(max_length=50)] = []
    age_min: AudienceAge | None = None
    age_max: AudienceAge | None = None
    interests: Annotated[list[Tag], Field(max_length=50)] = []
    languages: Annotated[
        list[Annotated[str, Field(pattern=r"^[a-z]{2}$")]], Field(max_length=20)
    ] = []

    @model_validator(mode="after")
    def _ages_in_order(self) -> TargetAudience:
        if self.age_min is not None and self.age_max is not None and self.age_max < self.age_min:
            raise ValueError("age_max is below age_min")
        return self


class SuccessMetric(Strict):
    """A threshold the campaign's performance is held to (what alerts compare against)."""

    metric: Literal[
        "impressions",
        "reach",
        "video_views",
        "engagements",
        "clicks",
        "engagement_rate",
        "click_through_rate",
        "cost_per_engagement",
        "cost_per_view",
        "cpm",
    ]
    threshold: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]
    direction: Literal["at_least", "at_most"] = "at_least"


SuccessMetrics = Annotated[list[SuccessMetric], Field(max_length=20)]


def _distinct_channels(channels: list[str] | None) -> list[str] | None:
    if channels is not None and len(set(channels)) != len(channels):
        raise ValueError("a channel is named twice")
    return channels


class CampaignIn(Strict):
    name: Name
    description: Text | None = None
    topics: Annotated[list[Tag], Field(max_length=50)] = []
    budget: Budget
    currency: Currency = "EUR"
    start_date: CampaignDate
    end_date: CampaignDate
    social_account_ids: Annotated[list[RowId], Field(max_length=100)] = []
    owner_email: Email | None = None
    goals: Goals = []
    target_audience: TargetAudience | None = None
    success_metrics: SuccessMetrics = []
    channels: Annotated[Channels, AfterValidator(_distinct_channels)] = Field(
        default=[], description="The platforms the campaign is planned for."
    )


class CampaignChanges(Strict):
    """The fields to change; a field left out stays. While active or paused only name,
    description, topics, goals, target_audience, success_metrics, channels, end_date and
    owner_email may change; a completed, canceled or archived campaign no longer changes."""

    name: Name | None = None
    description: Text | None = None
    topics: Annotated[list[Tag], Field(max_length=50)] | None = None
    budget: Budget | None = None
    currency: Currency | None = None
    start_date: CampaignDate | None = None
    end_date: CampaignDate | None = None
    owner_email: Email | None = None
    goals: Goals | None = None
    target_audience: TargetAudience | None = None
    success_metrics: SuccessMetrics | None = None
    channels: Annotated[Channels | None, AfterValidator(_distinct_channels)] = None


WebUrl = Annotated[HttpUrl, Field(max_length=2000)]


class MediaIn(Strict):
    """An image or a video by its URL, with the facts the platforms' specs check (measured where
    it was made: `ffprobe` gives them all); a fact a platform checks and that is missing makes
    that platform refuse it."""

    url: WebUrl
    mime_type: Annotated[str, Field(pattern=r"^(image|video)/[a-z0-9.+-]{1,50}$")]
    bytes: Annotated[int, Field(ge=0, le=INT64_MAX)] | None = None
    width: Annotated[int, Field(ge=1, le=100_000)] | None = None
    height: Annotated[int, Field(ge=1, le=100_000)] | None = None
    duration_seconds: Annotated[float, Field(ge=0, le=86_400)] | None = None
    codec: Annotated[str, Field(min_length=1, max_length=50)] | None = None


class Article(Strict):
    """A long-form post: the object's title is its title. Where a platform shares articles as
    links (LinkedIn) the canonical URL is the link and the summary the post's text."""

    body: Annotated[str, Field(min_length=1, max_length=1_000_000)]
    body_format: BodyFormat = Field(
        default="markdown", description="markdown is sent rendered as HTML where HTML is taken."
    )
    summary: Text | None = None
    cover_object_id: RowId | None = Field(
        default=None, description="An image object of the same campaign, the article's cover."
    )
    canonical_url: WebUrl | None = None


class AdBudget(Strict):
    amount: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
    currency: Currency = "EUR"
    period: Literal["daily", "lifetime"]


class AdSchedule(Strict):
    start_time: Instant
    end_time: Instant | None = None

    @model_validator(mode="after")
    def ends_after_it_starts(self) -> AdSchedule:
        if self.end_time is not None and self.end_time <= self.start_time:
            raise ValueError("end_time is not after start_time")
        return self


class AdvertisementIn(Strict):
    """A paid promotion of a creative (an image or video object of the same campaign); each
    platform's ad product says which calls to action and objectives it offers."""

    creative_object_id: RowId
    headline: Annotated[str, Field(min_length=1, max_length=255)]
    primary_text: Annotated[str, Field(min_length=1, max_length=5000)]
    call_to_action: CallToAction
    destination_url: WebUrl
    objective: AdObjective
    budget: AdBudget
    schedule: AdSchedule

    @model_validator(mode="after")
    def lifetime_budget_has_an_end(self) -> AdvertisementIn:
        if self.budget.period == "lifetime" and self.schedule.end_time is None:
            raise ValueError("schedule.end_time is required with a lifetime budget")
        return self


class CampaignObjectIn(Strict):
    object_type: ObjectType
    title: Name
    sources: Annotated[list[Any], Field(max_length=50)] = []
    config: dict[str, Any] = {}
    article: Article | None = Field(default=None, description="An article's fields; only then.")
    advertisement: AdvertisementIn | None = Field(
        default=None, description="An advertisement's fields; only then."
    )

    @model_validator(mode="after")
    def fields_of_its_type(self) -> CampaignObjectIn:
        for kind in ("article", "advertisement"):
            if (getattr(self, kind) is None) == (self.object_type == kind):
                raise ValueError(f"`{kind}` is required for an {kind} object, and only for one")
        return self


class Targeting(Strict):
    location: Name | None = None
    radius_km: Annotated[float, Field(gt=0, le=1000)] | None = None
    age_min: Annotated[int, Field(ge=13, le=100)] | None = None
    age_max: Annotated[int, Field(ge=13, le=100)] | None = None

    @model_validator(mode="after")
    def ages_in_order(self) -> Targeting:
        if self.age_min and self.age_max and self.age_max < self.age_min:
            raise ValueError("age_max is below age_min")
        return self


class ApprovalIn(Strict):
    """The approver is who signed in (or whose key it is): there is no `approved_by` to send."""

    scheduled_time: Instant | None = None
    targeting: Targeting | None = None


CampaignStatus = Literal["draft", "scheduled", "active", "paused", "completed", "canceled"]


class CampaignStatusIn(Strict):
    status: CampaignStatus


class OnboardingIn(Strict):
    platform: Platform
    name: Name
    account_type: AccountType
    external_account_id: Name


class ApiKeyIn(Strict):
    name: Name
    scopes: Annotated[list[Scope], Field(min_length=1)]
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] = 90


class WebhookSubscriptionIn(Strict):
    url: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        description="Where the events are POSTed: http(s), a public address unless settings "
        "allow private ones."
    )
    event_types: Annotated[list[EventType], Field(min_length=1)]
    description: Annotated[str, Field(max_length=200)] | None = None


class PerformanceThresholdIn(Strict):
    """A figure of the campaign to date (`campaign_performance__summary`) to watch after each
    build of the marts: an alert when it goes `below` or `above` `value`."""

    metric: AlertMetric
    direction: AlertDirection
    value: Annotated[Decimal, Field(ge=0, le=Decimal("999999999"), max_digits=15, decimal_places=6)]
    after_hours: Annotated[int, Field(ge=0, le=24 * 366)] = Field(
        default=0,
        description="Hours of data needed first, from the campaign's first published post to "
        "the latest collection in the marts (24: judge the rate after a day).",
    )


# Answers.

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """One page of a list; ask for the next with `cursor=<next_cursor>` until it is null."""

    items: list[Item]
    next_cursor: int | None


class AccountWiring(BaseModel):
    """How mediaflow reaches the account through Make: shown to admins only."""

    make_connection_id: str | None
    make_scenario_id: str | None
    make_hook_id: str | None
    make_webhook_url: str | None


class SocialAccount(BaseModel):
    id: int
    platform: Platform
    name: str
    account_type: AccountType
    external_account_id: str
    status: str
    status_reason: str | None
    status_checked_at: Stamp | None
    authorized_at: Stamp | None
    created_at: Stamp
    updated_at: Stamp
    wiring: AccountWiring | None = Field(
        description="Make's ids and the webhook URL; null unless the caller is an admin."
    )


Token = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4096,
        pattern=r"^[\x21-\x7e]+$",
        description="As the platform issued it (visible ASCII); stored encrypted, never shown.",
    ),
]
ScopeName = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]


class AccountCredentialIn(Strict):
    """The account's own read credential for its platform's insights API."""

    access_token: Token
    refresh_token: Token | None = None
    expires_at: Instant | None = Field(
        default=None, description="When the access token expires; none for one that does not."
    )
    scopes: Annotated[list[ScopeName], Field(min_length=1, max_length=50)] = Field(
        description="The scopes the token was granted, as the platform names them."
    )


class AccountCredential(BaseModel):
    """What may be shown of an account's credential: never a token."""

    expires_at: Stamp | None
    scopes: list[str]
    refreshable: bool
    reconnect_reason: str | None = Field(
        description="Why the account must be reconnected: the last read found the credential "
        "expired, revoked or without a scope insights need."
    )
    refreshed_at: Stamp | None
    updated_at: Stamp


class MakeRelease(BaseModel):
    scenario: str = Field(
        description="switched off, already gone, none (never had one), already released, or not yet"
    )
    connection: str = Field(description="deleted, already gone, none, already released, or not yet")
    finished: bool = Field(
        description="false when Make could not be reached or refused: the account stays "
        "revoked and the next account check finishes the release"
    )
    error: str | None


class Revocation(BaseModel):
    account: SocialAccount
    make: MakeRelease


class Onboarding(BaseModel):
    account: SocialAccount
    authorize_url: str


class Authorized(BaseModel):
    status: Literal["authorized"]
    account_id: int


class Campaign(BaseModel):
    id: int
    name: str
    description: str | None
    topics: list[str]
    budget: Decimal
    currency: str
    start_date: date
    end_date: date
    status: str
    owner_email: str | None
    social_account_ids: list[int]
    goals: list[str]
    target_audience: dict[str, Any] | None
    success_metrics: list[dict[str, Any]]
    channels: list[str]
    version: int = Field(description="Changes with every change; the `ETag` is made of it.")
    archived_at: Stamp | None
    created_at: Stamp
    updated_at: Stamp


class StoredAdSchedule(BaseModel):
    start_time: Stamp
    end_time: Stamp | None


class Advertisement(AdvertisementIn):
    schedule: StoredAdSchedule


class CampaignObject(BaseModel):
    id: int
    campaign_id: int
    object_type: ObjectType
    title: str
    sources: list[Any]
    config: dict[str, Any]
    status: str
    content_text: str | None
    hashtags: list[str]
    media_url: str | None
    media_mime_type: str | None
    media_bytes: int | None
    media_width: int | None
    media_height: int | None
    media_duration_seconds: float | None
    media_codec: str | None
    sharepoint_drive_id: str | None
    sharepoint_item_id: str | None
    thumbnail_item_id: str | None
    error: str | None
    generation_attempts: int
    generation_requested_at: Stamp | None
    ready_at: Stamp | None
    approved_at: Stamp | None
    scheduled_time: Stamp | None
    targeting: dict[str, Any] | None
    content_hash: str | None
    article: Article | None
    advertisement: Advertisement | None
    created_at: Stamp
    updated_at: Stamp


class Candidate(BaseModel):
    id: int
    campaign_id: int
    source: str
    kind: CandidateKind
    external_id: str
    title: str
    summary: str | None
    url: str | None
    preview_url: str | None
    author: str | None
    author_url: str | None
    width: int | None
    height: int | None
    published_at: Stamp | None
    found_at: Stamp
    picked_at: Stamp | None
    picked_object_id: int | None


class PickedCandidate(BaseModel):
    candidate: Candidate
    object: CampaignObject


class ApiKey(BaseModel):
    id: int
    prefix: str = Field(description="The key's public part: how it is named in logs and audits.")
    name: str
    scopes: list[str]
    created_by: str
    created_at: Stamp
    expires_at: Stamp
    revoked_at: Stamp | None


class IssuedApiKey(ApiKey):
    key: str = Field(description="The key itself: shown this once, kept by mediaflow only hashed.")


class AuditEntry(BaseModel):
    id: int
    actor: str
    credential: str
    method: str
    route: str
    target: str
    status: int
    at: Stamp


class WebhookSubscription(BaseModel):
    id: int
    url: str
    event_types: list[str]
    description: str | None
    status: Literal["active", "disabled"]
    disabled_reason: str | None
    created_by: str
    created_at: Stamp
    updated_at: Stamp


class IssuedWebhookSubscription(WebhookSubscription):
    secret: str = Field(
        description="The Standard Webhooks secret (`whsec_…`) to verify every delivery with: "
        "shown this once."
    )


class WebhookDelivery(BaseModel):
    id: int
    message_id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    subscription_id: int
    event_type: str
    payload: dict[str, Any]
    status: Literal["pending", "delivered", "dead"]
    attempts: int
    next_attempt_at: Stamp | None
    last_status: int | None
    last_error: str | None
    created_at: Stamp
    delivered_at: Stamp | None


class Health(BaseModel):
    status: Literal["ok"]


class ReadinessCheck(BaseModel):
    ok: bool
    detail: str | None


class DependencyState(BaseModel):
    state: Literal["ok", "degraded", "failing", "unknown"]
    detail: str | None
    checked_at: Stamp | None


class Readiness(BaseModel):
    status: Literal["ready", "degraded", "unavailable"] = Field(
        description="ready: every check passed and no service is known to fail; degraded: "
        "ready, but a service the runs depend on was failing when last checked; unavailable: "
        "the ops store or the warehouse cannot be used (answered 503)."
    )
    checks: dict[str, ReadinessCheck] = Field(description="ops_store and warehouse, checked now.")
    dependencies: dict[str, DependencyState] = Field(
        description="Make, n8n, Graph, SMTP and the SMS provider (from the heartbeat) and each "
        "platform (from its publishing circuit, the last insights collection and its accounts' "
        "read credentials), as last known."
    )


class CallbackAnswer(BaseModel):
    status: Literal["accepted", "duplicate"]
    event_id: str


class UnknownPost(BaseModel):
    platform: str
    external_post_id: str


class InsightsAnswer(CallbackAnswer):
    stored: int | None = None
    duplicates: int | None = None
    unknown_posts: list[UnknownPost] | None = None


class FieldProblem(BaseModel):
    field: str
    location: Literal["body", "query", "path", "header"]
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details (`application/problem+json`), the shape of every error."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


# Callbacks (n8n, Make): lenient about fields they add, strict about those mediaflow reads.


class StoredFile(BaseModel):
    """A file n8n stored in SharePoint: where Graph finds it."""

    drive_id: Name
    item_id: Name
    name: Name
    web_url: Annotated[str, Field(max_length=1000)] | None = None


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
    object_id: RowId
    request_id: Identifier
    execution_id: Identifier
    workflow: Identifier | None = None
    content: GeneratedContent | None = None
    media: StoredFile | None = None
    thumbnail: StoredFile | None = None
    transcript: StoredFile | None = None
    renditions: list[Rendition] = []


class ContentFailed(BaseModel):
    type: Literal["content.failed"]
    object_id: RowId
    request_id: Identifier
    execution_id: Identifier
    workflow: Identifier | None = None
    error: str


class PublicationError(BaseModel):
    code: str | None = None
    message: str


class PublicationPublished(BaseModel):
    type: Literal["publication.published"]
    publication_id: RowId
    idempotency_key: Identifier
    callback_token: Annotated[str, Field(min_length=1, max_length=200)]
    status: Literal["published"]
    external_id: Name
    external_url: Annotated[str, Field(max_length=1000)] | None = None
    published_at: datetime


class PublicationFailed(BaseModel):
    type: Literal["publication.failed"]
    publication_id: RowId
    idempotency_key: Identifier
    callback_token: Annotated[str, Field(min_length=1, max_length=200)]
    status: Literal["failed"]
    error: PublicationError


N8N_EVENTS = TypeAdapter(Annotated[ContentReady | ContentFailed, Field(discriminator="type")])
MAKE_EVENTS = TypeAdapter(
    Annotated[PublicationPublished | PublicationFailed, Field(discriminator="type")]
)
EVENT_TAGS = frozenset(
    {"content.ready", "content.failed", "publication.published", "publication.failed"}
)


MAX_READINGS_PER_BATCH = 5000


class InsightReadingIn(Strict):
    platform: Platform
    external_post_id: Name
    metric: Identifier
    value: Annotated[int, Field(ge=0, le=INT64_MAX)] | None
    collected_at: Instant
    api_version: Annotated[str, Field(max_length=20)] | None = None


class InsightsCollected(Strict):
    """A batch of lifetime counters an n8n insights workflow read from the platforms."""

    type: Literal["insights.collected"]
    readings: Annotated[
        list[InsightReadingIn], Field(min_length=1, max_length=MAX_READINGS_PER_BATCH)
    ]


class SearchHit(BaseModel):
    id: str
    type: str
    title: str
    title_html: str = Field(description="The title, HTML-escaped, its matches in `<mark>`.")
    snippet: str = Field(description="The best passage, HTML-escaped, its matches in `<mark>`.")
    document: dict[str, Any] = Field(description="What the index holds of it.")


class SearchResults(BaseModel):
    hits: list[SearchHit]
    total: int = Field(description="Documents matching the query and filters.")
    page: int
    per_page: int
    total_pages: int
    facets: dict[str, dict[str, int]] = Field(
        description="Per facet (type, status, kind, platform, campaign), the count of matching "
        "documents for each value; campaign: the 20 with most."
    )
    estimated: bool = Field(
        description="True when `total` and `facets` are estimated from a sample of the "
        "matches: a search the database answers that matches more than 500 documents."
    )
    backend: Literal["sqlite", "postgres", "meilisearch"] = Field(
        description="What answered the search."
    )
    fallback_reason: str | None = Field(
        default=None,
        description="Why Meilisearch, the configured backend, did not answer (the database did).",
    )


class SearchStatus(BaseModel):
    configured_backend: Literal["sqlite", "postgres", "meilisearch"]
    answering_backend: Literal["sqlite", "postgres", "meilisearch"]
    fallback_reason: str | None
    documents: int
    synced_at: Stamp | None
    rebuilt_at: Stamp | None
    meilisearch_indexed_before: Stamp | None
    pending_deletions: int = Field(description="Deletions Meilisearch has yet to take.")


class PerformanceThreshold(BaseModel):
    id: int
    campaign_id: int
    metric: AlertMetric
    direction: AlertDirection
    value: Decimal
    after_hours: int
    state: Literal["clear", "crossed"] = Field(
        description="`crossed` from the build that crossed it until one where it recovered."
    )
    created_by: str
    created_at: Stamp
    evaluated_at: Stamp | None


class PerformanceAlert(BaseModel):
    id: int
    threshold_id: int | None = Field(description="None once the threshold was deleted.")
    campaign_id: int
    metric: AlertMetric
    direction: AlertDirection
    threshold: Decimal
    observed: float
    data_as_of: Stamp | None
    notification_request_id: int | None
    webhook_deliveries: int
    crossed_at: Stamp
    recovered_at: Stamp | None


class CampaignReport(BaseModel):
    id: int
    campaign_id: int
    cadence: ReportCadence
    period_start: date
    period_end: date
    figures: dict[str, Any]
    notification_request_id: int | None
    created_at: Stamp
    html_url: str
    pdf_url: str

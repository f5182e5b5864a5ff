"""What the communication endpoints take and give: contacts and their consent, imports, the
suppression list, templates, notification requests and analytics."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from mediaflow_dagster.api.models import DependencyState, Instant, RowId, Stamp, Strict
from mediaflow_dagster.cms.schema import Channel, Platform, Purpose
from mediaflow_dagster.communication.contact_fields import (
    ContactFields,
    Email,
    Phone,
    Segment,
)

Source = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00]+$")]
WordingVersion = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[^\x00]+$")]


class ConsentIn(Strict):
    channel: Channel
    purpose: Purpose
    source: Source = Field(description="Where it was given: `website_form`, `in_store`, …")
    wording_version: WordingVersion = Field(description="The version of the text the contact saw.")


class ContactIn(ContactFields, Strict):
    consents: Annotated[list[ConsentIn], Field(max_length=4)] = Field(default=[])


class WithdrawalIn(Strict):
    channel: Channel
    purposes: Annotated[list[Purpose], Field(min_length=1, max_length=2)] = Field(
        default=["marketing"]
    )


class Consent(BaseModel):
    id: int
    channel: Channel
    purpose: Purpose
    status: Literal["pending", "granted", "withdrawn"]
    source: str
    wording_version: str
    recorded_at: Stamp
    confirmed_at: Stamp | None
    withdrawn_at: Stamp | None
    withdrawal_source: str | None


class Contact(BaseModel):
    id: int
    pseudonym: str = Field(description="The only id of the contact the warehouse knows.")
    first_name: str
    last_name: str | None
    email: str | None
    phone: str | None
    language: str
    time_zone: str
    tags: list[str]
    consents: list[Consent]
    created_at: Stamp
    updated_at: Stamp


class ContactImportIn(Strict):
    csv: Annotated[str, Field(min_length=1, max_length=1_500_000)] = Field(
        description="The file, with a header line: first_name, last_name, email, phone, "
        "language, time_zone, tags (separated by `;`), email_marketing and sms_marketing "
        "(`yes` records a marketing consent waiting for its double opt-in)."
    )
    source: Source = "csv_import"
    wording_version: WordingVersion


class LineError(BaseModel):
    line: int
    field: str
    reason: str


class ContactImport(BaseModel):
    id: int
    status: Literal["pending", "done", "failed"]
    total_lines: int
    processed_lines: int
    imported: int
    errors: list[LineError]
    created_at: Stamp
    finished_at: Stamp | None


class SuppressionIn(Strict):
    channel: Channel
    address: Email | Phone
    reason: Literal["hard_bounce", "complaint", "withdrawal"]


class Suppression(BaseModel):
    id: int
    channel: Channel
    address_index: str = Field(description="The keyed hash of the address, never the address.")
    reason: str
    recorded_at: Stamp


class Unsubscribed(BaseModel):
    status: Literal["unsubscribed"]
    channel: Channel


class Confirmed(BaseModel):
    status: Literal["confirmed"]
    channel: Channel
    purpose: Purpose


TemplateName = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,100}$")]
TemplateText = Annotated[str, Field(min_length=1, max_length=100_000, pattern=r"^[^\x00]*$")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
TemplateData = Annotated[dict[str, Any], Field(description="What the template's variables read.")]


class TemplateIn(Strict):
    language: Language
    purpose: Purpose
    subject: TemplateText
    html_body: TemplateText
    text_body: TemplateText
    sms_body: TemplateText | None = None


class NotificationTemplate(BaseModel):
    id: int
    name: str
    language: str
    version: int
    purpose: Purpose
    subject: str
    html_body: str
    text_body: str
    sms_body: str | None
    created_by: str
    created_at: Stamp


class PreviewIn(Strict):
    language: Language = "fr"
    version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    data: TemplateData


class Preview(BaseModel):
    template_id: int
    version: int
    language: str
    subject: str
    html_body: str
    text_body: str
    sms_body: str | None


class Audience(Strict):
    """Who receives it: the contacts named, or every contact of a segment."""

    contact_ids: Annotated[list[RowId], Field(min_length=1, max_length=10_000)] | None = None
    segment: Segment | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Audience:
        if (self.contact_ids is None) == (self.segment is None):
            raise ValueError("name either contact_ids or a segment")
        return self


class NotifyIn(Strict):
    template: TemplateName
    audience: Audience
    data: TemplateData = Field(default={})
    channels: Annotated[list[Channel], Field(min_length=1, max_length=2)] = Field(
        default=["email"],
        description="In order of preference: each contact gets the first they can receive on "
        "(with `all_channels`, every one of them).",
    )
    all_channels: bool = False
    send_at: Instant | None = None
    best_hour: bool = Field(
        default=False,
        description="Send each contact's message at the hour they opened most messages at.",
    )
    campaign_id: RowId | None = None

    @model_validator(mode="after")
    def _distinct_channels(self) -> NotifyIn:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("a channel is named twice")
        return self


class NotificationRequest(BaseModel):
    id: int
    template_name: str
    channels: list[Channel]
    all_channels: bool
    send_at: Stamp | None
    best_hour: bool
    campaign_id: int | None
    status: Literal["pending", "planned"]
    created_at: Stamp
    planned_at: Stamp | None
    messages: dict[str, int] = Field(description="How many messages are in each status.")


class Erasure(BaseModel):
    id: int
    requested_by: str
    requested_at: Stamp
    stores: dict[str, Any] = Field(
        description="Rows each store lost (the ops store's per table); the other stores are "
        "purged by the `erasures` run."
    )
    finished_at: Stamp | None


class PeriodFigures(BaseModel):
    """A period's sums from the daily campaign mart; null where the platforms report no such
    figure (reach on X, for example) or nothing was published."""

    posts_published: int
    impressions: int | None
    reach: int | None
    video_views: int | None
    engagements: int | None
    clicks: int | None
    spend: Decimal | None = Field(description="Budget allocated to the period's days.")
    engagement_rate: float | None = Field(description="Engagements per impression.")
    cost_per_engagement: Decimal | None


class Compared(BaseModel):
    current: PeriodFigures
    previous: PeriodFigures = Field(description="The period of the same length just before.")
    change: dict[str, float | None] = Field(
        description="Each figure's relative change from the previous period (0.25 = up 25 %); "
        "null where the previous period has nothing to compare with."
    )


class PlatformAnalytics(Compared):
    platform: Platform


class CampaignAnalytics(Compared):
    campaign_id: int
    campaign_name: str
    currency: str | None
    platforms: list[PlatformAnalytics]


class Analytics(BaseModel):
    """Campaign and platform figures of a period beside the period before it, a page of
    campaigns at a time; ask for the next with `cursor=<next_cursor>` until it is null."""

    start: date
    end: date
    previous_start: date
    previous_end: date
    marts_built_at: Stamp | None = Field(
        description="When the marts read were published (embedded warehouse); null on "
        "PostgreSQL, where they are rebuilt in place."
    )
    items: list[CampaignAnalytics]
    next_cursor: int | None


class OpenCircuit(BaseModel):
    platform: Platform
    open_until: Stamp
    consecutive_failures: int
    last_error: str | None


class PublicationQueue(BaseModel):
    pending: int = Field(description="To be sent to the account's Make scenario.")
    sending: int
    sent: int = Field(description="Sent; Make's callback with the post id not in yet.")
    unknown: int = Field(description="Sent without an answer: reconciled, never resent blindly.")


class QueueDepths(BaseModel):
    callback_inbox_unprocessed: int = Field(description="Callbacks stored, not processed yet.")
    publications: PublicationQueue
    notification_messages_pending: int
    webhook_deliveries_pending: int
    webhook_dead_letters: int


class ScheduleRun(BaseModel):
    name: str
    last_success_at: Stamp | None = Field(description="When its last successful run ended.")


class ScheduleRuns(BaseModel):
    state: Literal["known", "unknown"] = Field(
        description="unknown: the Dagster instance could not be read now (`detail` says why)."
    )
    detail: str | None
    items: list[ScheduleRun]


class OperationsStatus(BaseModel):
    dependencies: dict[str, DependencyState] = Field(
        description="Each external service as the runs last found it (the API calls none)."
    )
    open_circuits: list[OpenCircuit]
    queues: QueueDepths
    schedules: ScheduleRuns

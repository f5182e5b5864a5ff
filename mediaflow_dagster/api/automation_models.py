"""What the communication module's campaign routes take and give: running campaigns with their
channels and phase, the publish request and its answer, phases and automation rules."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from mediaflow_dagster.api.models import (
    Budget,
    Currency,
    Instant,
    MediaIn,
    Name,
    RowId,
    Stamp,
    Strict,
    Targeting,
    Text,
    WebUrl,
)
from mediaflow_dagster.api.module_events import MODULE_EVENT_TAGS
from mediaflow_dagster.cms.schema import Channel, PhaseName, Platform
from mediaflow_dagster.communication.contact_fields import Segment

Hashtags = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=30)
]
Platforms = Annotated[list[Platform], Field(min_length=1, max_length=7)]
Media = Annotated[
    list[MediaIn], Field(max_length=1, description="The post's image or video (one per post).")
]


def _distinct(values: list[str], what: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"a {what} is named twice")


class PostContent(Strict):
    title: Name
    body: Annotated[str, Field(min_length=1, max_length=10_000)]
    media: Media = Field(default_factory=list)
    hashtags: Hashtags = Field(default_factory=list)


class PublishIn(Strict):
    """The communication module's publish request, for one campaign."""

    campaign_id: RowId
    content: PostContent
    platforms: Platforms
    scheduled_time: Instant | None = None
    targeting: Targeting | None = None

    @model_validator(mode="after")
    def _distinct_platforms(self) -> PublishIn:
        _distinct(self.platforms, "platform")
        return self


class PublicationRef(BaseModel):
    platform: Platform
    social_account_id: int
    publication_id: str = Field(
        description="The publication's id on that account: its idempotency key, under which "
        "the publishing runs send it (once) and its outcome is found."
    )


class Published(BaseModel):
    status: Literal["queued", "scheduled"] = Field(
        description="queued: it goes out with the next publishing run; scheduled: at its time."
    )
    campaign_id: int
    object_id: int = Field(description="The campaign object made of it: GET /api/objects/{id}.")
    scheduled_time: Stamp | None
    publications: list[PublicationRef]


Edge = Literal["start", "end"]
Channels = Annotated[list[Channel], Field(min_length=1, max_length=2)]


class PostAction(PostContent):
    do: Literal["post"]
    on: Edge = "start"
    platforms: Platforms


class NotifyAction(Strict):
    do: Literal["notify"]
    on: Edge = "start"
    template: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,100}$")]
    segment: Segment
    data: dict[str, Any] = Field(default_factory=dict)
    channels: Channels = Field(default_factory=lambda: ["email"])


class PauseAction(Strict):
    do: Literal["pause"]
    on: Edge = "end"


PhaseAction = Annotated[PostAction | NotifyAction | PauseAction, Field(discriminator="do")]


class PhaseIn(Strict):
    phase: PhaseName
    starts_at: Instant
    ends_at: Instant
    actions: Annotated[list[PhaseAction], Field(max_length=10)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> PhaseIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at is not after starts_at")
        return self


class PhasesIn(Strict):
    phases: Annotated[list[PhaseIn], Field(max_length=3)]

    @model_validator(mode="after")
    def _one_of_each(self) -> PhasesIn:
        _distinct([phase.phase for phase in self.phases], "phase")
        return self


class Phase(BaseModel):
    phase: PhaseName
    starts_at: Stamp
    ends_at: Stamp
    actions: list[dict[str, Any]]
    started_at: Stamp | None
    ended_at: Stamp | None
    outcome: str | None = Field(description="What its start and end did.")


class RunningCampaign(BaseModel):
    id: int
    name: str
    status: str
    start_date: date
    end_date: date
    owner_email: str | None
    channels: list[Platform] = Field(description="The platforms of its active targeted accounts.")
    phase: PhaseName | None = Field(description="The phase that started and has not ended.")
    phases: list[Phase]


EventType = Literal[tuple(sorted(MODULE_EVENT_TAGS))]  # type: ignore[valid-type]


class PostConfig(Strict):
    """Post the featured recipe (the plat du jour) in a campaign, on some of its platforms."""

    campaign_id: RowId | None = Field(description="Required to enable the rule.")
    platforms: Platforms
    hashtags: Hashtags = Field(default_factory=list)


class NotifyConfig(Strict):
    """Send the promotion to the contacts of its segment with a template (given `offer`)."""

    template: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,100}$")]
    channels: Channels = Field(default_factory=lambda: ["email"])
    offer_url: WebUrl


ItemId = Annotated[str, Field(min_length=1, max_length=100)]


class PauseConfig(Strict):
    """Pause the campaign of the promotion each stock item is for, once it is low."""

    campaigns_by_item: Annotated[
        dict[Annotated[str, Field(max_length=100)], RowId], Field(max_length=1000)
    ]


class CampaignConfig(Strict):
    """Create the discovery campaign for the slow-moving dishes."""

    name: Name
    discount_percent: Annotated[int, Field(ge=1, le=100)]
    starts_after_days: Annotated[int, Field(ge=0, le=365)] = 1
    duration_days: Annotated[int, Field(ge=1, le=366)] = 14
    budget: Budget
    currency: Currency = "EUR"
    social_account_ids: Annotated[list[RowId], Field(max_length=100)] = Field(default_factory=list)


class MenuConfig(Strict):
    """Make the recipes module's changed menu the next version of a mediaflow menu."""

    menu_id: RowId


CONFIG_OF_ACTION: dict[str, type[Strict]] = {
    "post": PostConfig,
    "notify": NotifyConfig,
    "pause": PauseConfig,
    "create_campaign": CampaignConfig,
    "replace_menu": MenuConfig,
}
RuleAction = Literal["post", "notify", "pause", "create_campaign", "replace_menu"]
RuleName = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,100}$")]


class RuleFields(Strict):
    name: RuleName
    description: Text | None = None
    event_type: EventType
    enabled: bool = True


class PostRule(RuleFields):
    action: Literal["post"]
    config: PostConfig


class NotifyRule(RuleFields):
    action: Literal["notify"]
    config: NotifyConfig


class PauseRule(RuleFields):
    action: Literal["pause"]
    config: PauseConfig


class CampaignRule(RuleFields):
    action: Literal["create_campaign"]
    config: CampaignConfig


class MenuRule(RuleFields):
    action: Literal["replace_menu"]
    config: MenuConfig


RuleIn = Annotated[
    PostRule | NotifyRule | PauseRule | CampaignRule | MenuRule, Field(discriminator="action")
]


class RuleChanges(Strict):
    """The fields to change; `config`, when given, is the whole new one."""

    name: RuleName | None = None
    description: Text | None = None
    config: dict[str, Any] | None = None
    enabled: bool | None = None


class Rule(BaseModel):
    id: int
    name: str
    description: str | None
    event_type: str
    action: RuleAction
    config: dict[str, Any]
    enabled: bool
    enabled_at: Stamp | None = Field(description="It acts on the events that arrived since.")
    version: int
    updated_by: str
    created_at: Stamp
    updated_at: Stamp


class ActionTaken(BaseModel):
    inbox_id: int
    rule_id: int
    rule_name: str
    action: str
    outcome: Literal["done", "skipped", "failed"]
    detail: str | None
    acted_at: Stamp

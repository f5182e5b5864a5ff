"""What the menu endpoints take and give: a menu with where it goes, and each version's
synchronisation per platform."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from mediaflow_dagster.api.models import RowId, Stamp, Strict
from mediaflow_dagster.cms.schema import Channel
from mediaflow_dagster.communication.contact_fields import Segment
from mediaflow_dagster.communication.menus import MENU_PLATFORMS, Menu, MenuPlatform


class MenuNotify(Strict):
    """Who hears of each visible change, through the `menu_update` template."""

    segment: Segment
    channels: Annotated[list[Channel], Field(min_length=1, max_length=2)] = Field(default=["email"])


class MenuIn(Strict):
    menu: Menu
    campaign_id: RowId = Field(
        description="The campaign whose Facebook and Instagram accounts post the menu."
    )
    platforms: Annotated[list[MenuPlatform], Field(min_length=1, max_length=4)] = Field(
        default=list(MENU_PLATFORMS)
    )
    notify: MenuNotify | None = Field(
        default=None, description="Absent: no notification is sent for this menu."
    )

    @model_validator(mode="after")
    def _distinct_platforms(self) -> MenuIn:
        if len(set(self.platforms)) != len(self.platforms):
            raise ValueError("a platform is named twice")
        return self


class PlatformSync(BaseModel):
    platform: MenuPlatform
    status: Literal["pending", "published", "refused", "superseded"]
    external_post_id: str | None = None
    reason: str | None = None
    left_out: list[str] = Field(description="The items this platform cannot show, and why.")


class MenuSync(BaseModel):
    version: int = Field(description="The latest version that changed what the menu looks like.")
    state: Literal["waiting", "synced", "superseded"]
    synced_at: Stamp | None
    object_id: int | None = Field(description="The campaign object that posts it.")
    notification_request_id: int | None
    platforms: list[PlatformSync]


class MenuOut(BaseModel):
    id: int
    version: int
    visible_change: bool = Field(
        description="Whether the latest version changed any platform's document."
    )
    campaign_id: int
    platforms: list[MenuPlatform]
    notify: MenuNotify | None
    menu: Menu
    created_by: str
    created_at: Stamp
    updated_at: Stamp
    sync: MenuSync


class MenuVersionOut(BaseModel):
    menu_id: int
    version: int
    visible_change: bool
    menu: Menu
    documents: dict[str, dict[str, Any]] = Field(description="Each platform's document.")
    created_by: str
    created_at: Stamp

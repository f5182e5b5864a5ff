"""Events from the restaurant's other modules (recipes, CRM, stock, accounting), as they arrive
at `POST /api/communication/webhook`: each module signs with its own Standard Webhooks secret
(the signature covers the event id, the timestamp within five minutes, and the raw body), and
may send only its own event types, each validated against its schema.

The module is known by the secret that verifies the signature, never by anything the body says.
Events are kept in the inbox under `<module>:<event id>`, so a module's redelivery is a
duplicate and two modules never collide; the automation rules act on them later."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, model_validator

from mediaflow_dagster.api.models import Identifier, Instant, MediaIn, Name, Strict, Text
from mediaflow_dagster.communication.menus import Menu

Module = Literal["recipes", "crm", "stock", "accounting"]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1000000"), max_digits=12, decimal_places=2)]
Count = Annotated[int, Field(ge=0, le=10**9)]
EventDay = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


class RecipeFeatured(Strict):
    """A recipe the kitchen features (the plat du jour)."""

    type: Literal["recipe.featured"]
    recipe_id: Identifier
    name: Name
    description: Text = ""
    price: Money | None = None
    image: MediaIn | None = None
    featured_on: EventDay


class PromotionCreated(Strict):
    type: Literal["promotion.created"]
    promotion_id: Identifier
    title: Name
    message: Text
    segment: Identifier = Field(description="The contacts' tag the promotion is for.")
    starts_on: EventDay
    ends_on: EventDay
    discount_percent: Annotated[int, Field(ge=0, le=100)]

    @model_validator(mode="after")
    def ends_after_it_starts(self) -> PromotionCreated:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class ConversionRecorded(Strict):
    """A reservation or an order, with the tracked click that led to it when there was one
    (the `mf_click` of the address the customer arrived at) and the earlier tracked clicks the
    site kept for the same visitor, with their consent, oldest first: the path attribution
    credits."""

    type: Literal["conversion.recorded"]
    conversion_id: Identifier
    kind: Literal["reservation", "order"]
    amount: Money
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    occurred_at: Instant
    click_id: Identifier | None = None
    earlier_click_ids: Annotated[list[Identifier], Field(max_length=50)] = Field(
        default_factory=list
    )


class StockLow(Strict):
    type: Literal["stock.low"]
    item_id: Identifier
    name: Name
    quantity: Annotated[Decimal, Field(ge=0, le=Decimal("1e9"), max_digits=15, decimal_places=3)]
    threshold: Annotated[Decimal, Field(ge=0, le=Decimal("1e9"), max_digits=15, decimal_places=3)]
    unit: Annotated[str, Field(min_length=1, max_length=20)]


class DishSales(Strict):
    dish_id: Identifier
    name: Name
    units_sold: Count


class SlowMovingDishes(Strict):
    """Dishes that sold least over a period, from the sales data."""

    type: Literal["sales.slow_moving"]
    period_start: EventDay
    period_end: EventDay
    dishes: Annotated[list[DishSales], Field(min_length=1, max_length=100)]


class MenuChanged(Strict):
    """A menu as the recipes module now has it, whole; a `replace_menu` rule makes it the next
    version of the mediaflow menu it names, which the menu synchronisation then publishes."""

    type: Literal["menu.changed"]
    menu: Menu


ModuleEvent = Annotated[
    RecipeFeatured
    | PromotionCreated
    | ConversionRecorded
    | StockLow
    | SlowMovingDishes
    | MenuChanged,
    Field(discriminator="type"),
]
MODULE_EVENTS = TypeAdapter(ModuleEvent)
EVENT_TYPES_OF: dict[str, frozenset[str]] = {
    "recipes": frozenset({"recipe.featured", "menu.changed"}),
    "crm": frozenset({"promotion.created", "conversion.recorded"}),
    "stock": frozenset({"stock.low"}),
    "accounting": frozenset({"sales.slow_moving"}),
}
MODULES: tuple[str, ...] = tuple(EVENT_TYPES_OF)
MODULE_EVENT_TAGS = frozenset().union(*EVENT_TYPES_OF.values())


def event_type_refusal(module: str, event_type: str) -> str | None:
    """Why `module` may not send `event_type`; None when it may."""
    if event_type in EVENT_TYPES_OF[module]:
        return None
    allowed = ", ".join(sorted(EVENT_TYPES_OF[module]))
    return f"the {module} module sends {allowed}, not {event_type}"


def inbox_event_id(module: str, event_id: str) -> str:
    return f"{module}:{event_id}"

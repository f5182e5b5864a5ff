"""A restaurant's menu as its editors write it: a name, a type, when it is valid, its categories
and their items, each with a price, a description, its allergens (the 14 of EU Regulation
1169/2011, Annex II) and a photo; where it goes and whether subscribed contacts hear of it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, PositiveInt, model_validator

MenuType = Literal["regular", "seasonal", "special"]
MenuPlatform = Literal["facebook", "instagram", "website", "google_business"]
MENU_PLATFORMS: tuple[str, ...] = get_args(MenuPlatform)
POSTED_PLATFORMS = ("facebook", "instagram")
"""The platforms a menu reaches as a post through the publication pipeline; the website feed
and the Google Business Profile document are served as documents."""


class Allergen(StrEnum):
    """The 14 allergens EU law requires a menu to declare (Regulation 1169/2011, Annex II)."""

    GLUTEN = "gluten"
    CRUSTACEANS = "crustaceans"
    EGGS = "eggs"
    FISH = "fish"
    PEANUTS = "peanuts"
    SOYBEANS = "soybeans"
    MILK = "milk"
    NUTS = "nuts"
    CELERY = "celery"
    MUSTARD = "mustard"
    SESAME = "sesame"
    SULPHITES = "sulphites"
    LUPIN = "lupin"
    MOLLUSCS = "molluscs"


Label = Annotated[str, Field(min_length=1, max_length=5000, pattern=r"^[^\x00]+$")]
Description = Annotated[str, Field(max_length=100_000, pattern=r"^[^\x00]*$")]
Hashtag = Annotated[str, Field(pattern=r"^#?[^\s#\x00]{1,100}$")]
Price = Annotated[Decimal, Field(ge=0, le=1_000_000, decimal_places=2)]


class Photo(BaseModel):
    """A photo by its address, with what is known of its file (the specs check them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Annotated[HttpUrl, Field(max_length=1000)]
    mime_type: Annotated[str, Field(pattern=r"^image/[a-z0-9.+-]{1,50}$")]
    bytes: PositiveInt | None = None
    width: PositiveInt | None = None
    height: PositiveInt | None = None


class MenuItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Label
    description: Description | None = None
    price: Price
    allergens: Annotated[list[Allergen], Field(max_length=14)] = []
    image: Photo | None = None

    @model_validator(mode="after")
    def _allergens_once(self) -> MenuItem:
        if len(set(self.allergens)) != len(self.allergens):
            raise ValueError("an allergen is named twice")
        return self


class MenuCategory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Label
    description: Description | None = None
    items: Annotated[list[MenuItem], Field(min_length=1, max_length=200)]


class Menu(BaseModel):
    """What a menu says; every platform's document is made from it alone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]
    type: MenuType = "regular"
    description: Description | None = None
    valid_from: date
    valid_until: date | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    language: Annotated[str, Field(pattern=r"^[a-z]{2}$")] = "fr"
    image: Photo | None = Field(
        default=None, description="The photo of the Facebook and Instagram posts."
    )
    hashtags: Annotated[list[Hashtag], Field(max_length=30)] = []
    website_url: Annotated[HttpUrl, Field(max_length=1000)] | None = Field(
        default=None, description="Where the menu lives on the restaurant's website."
    )
    categories: Annotated[list[MenuCategory], Field(min_length=1, max_length=50)]

    @model_validator(mode="after")
    def _valid_period(self) -> Menu:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(f"valid_until {self.valid_until} is before valid_from")
        return self

"""What a contact is made of, checked field by field: the same rules for the API and for each
line of a CSV import (whose errors name the line and the field)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from mediaflow_dagster.communication.phones import e164


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"not an IANA time zone: {name!r}") from error
    return name


def _phone(number: str) -> str:
    return e164(number)


PersonName = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[
    str,
    Field(pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$", max_length=320),
    AfterValidator(str.strip),
]
Phone = Annotated[str, Field(max_length=32), AfterValidator(_phone)]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_time_zone)]
Segment = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,100}$")]


class ContactFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: PersonName
    last_name: PersonName | None = None
    email: Email | None = None
    phone: Phone | None = Field(default=None, description="E.164: `+33612345678`.")
    language: Language = "fr"
    time_zone: TimeZone = "Europe/Paris"
    tags: Annotated[list[Segment], Field(max_length=50)] = Field(
        default=[], description="Segments the contact belongs to: `regular_customers`, …"
    )

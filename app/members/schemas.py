"""The family member API's shapes (DESIGN §3 FamilyMember). The national ID number goes in,
never out: a member says only whether one is recorded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, field_validator

from app.kit import national_id
from app.kit.schema import Email, In, Name, Phone
from app.models.enums import Language, MemberRelation, NotificationChannel
from app.models.family_message import MESSAGE_MAX


def _valid_national_id(value: str) -> str:
    # The message names no digits: it may reach a log line or a page beside the field.
    if not national_id.is_valid(value):
        raise ValueError(
            "Not a valid national ID number: 11 digits, a birth date and two check digits"
        )
    return value


NationalId = Annotated[
    str,
    Field(
        min_length=11,
        max_length=11,
        description="Fødselsnummer or D-number; stored encrypted and never returned",
        json_schema_extra={"writeOnly": True},
    ),
    AfterValidator(_valid_national_id),
]
BirthYear = Annotated[int, Field(ge=1900, le=2100)]


def _not_in_future(year: int | None) -> int | None:
    if year is not None and year > datetime.now(UTC).year:
        raise ValueError("A birth year cannot be in the future")
    return year


class MemberCreate(In):
    name: Name
    relation: MemberRelation
    birth_year: BirthYear
    language: Language = Language.nb
    parental_responsibility: StrictBool = False
    national_id: NationalId | None = None
    email: Email | None = Field(None, description="Where the member's e-mail notices go")
    phone: Phone | None = Field(None, description="The member's mobile number, for SMS notices")
    notify_channel: NotificationChannel = Field(
        NotificationChannel.none,
        description="How the member hears that something waits on the family's pages: "
        "email needs an e-mail address, sms a mobile number",
    )

    _birth_year = field_validator("birth_year")(_not_in_future)


class MemberPatch(In):
    """Fields given are changed; ``national_id: null`` forgets the number, ``email: null`` and
    ``phone: null`` forget the address and the number."""

    name: Name | None = None
    relation: MemberRelation | None = None
    birth_year: BirthYear | None = None
    language: Language | None = None
    parental_responsibility: StrictBool | None = None
    national_id: NationalId | None = None
    email: Email | None = None
    phone: Phone | None = None
    notify_channel: NotificationChannel | None = None

    _birth_year = field_validator("birth_year")(_not_in_future)


class MemberOut(BaseModel):
    id: uuid.UUID
    family_id: uuid.UUID
    name: str
    relation: MemberRelation
    birth_year: int
    language: Language
    parental_responsibility: bool
    has_national_id: bool = Field(description="Whether a national ID number is recorded")
    may_sign_in: bool = Field(
        description="An adult, or a young person from 16, with a national ID number: may sign "
        "in through ID-porten to the family's pages"
    )
    email: str | None
    phone: str | None
    notify_channel: NotificationChannel
    version: int


class NotifyChoice(In):
    """A member's own choice of channel, on the family's pages."""

    notify_channel: NotificationChannel


class FamilyMessageCreate(BaseModel):
    """A message from the family to the plan lead: some words, not a correspondence."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX)]

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("Write a message")
        return value

"""The canvas and the whole canvas document, as the API takes and gives them."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.actions.schemas import ActionOut
from app.goals.schemas import GoalOut
from app.kit.schema import Code, FreeText, In, Name, Out, Score
from app.models.enums import (
    CanvasStatus,
)
from app.needs.schemas import NeedOut, ReferralOut


class ParticipantRole(enum.StrEnum):
    family_member = "family_member"
    plan_lead = "plan_lead"
    service = "service"
    network = "network"
    interpreter = "interpreter"
    other = "other"


class Participant(In):
    name: Name
    role: ParticipantRole
    unit_id: uuid.UUID | None = None
    # Stored and given back only when there is one: the list of a canvas saved before
    # interpreters had a language reads exactly as it did.
    language: Name | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The language an interpreter interprets, as the family says it "
        '("arabisk", "somali"); an interpreter\'s only',
    )

    @field_validator("language")
    @classmethod
    def _an_interpreters(cls, value: str | None, info: ValidationInfo) -> str | None:
        role = info.data.get("role")
        if value is not None and role is not None and role is not ParticipantRole.interpreter:
            raise PydanticCustomError(
                "language_not_interpreter", "Only an interpreter has a language here"
            )
        return value


class ParticipantRow(Participant):
    """A person on the participants form, where an interpreter's row asks for the language
    interpreted and cannot be saved without it. The API's ``Participant`` takes an interpreter
    without one: the canvas PATCH is a stable contract (DESIGN §8), and clients and canvases
    from before interpreters had a language send and hold such rows."""

    language: Name | None = Field(
        default=None, validate_default=True, exclude_if=lambda value: value is None
    )

    @field_validator("language")
    @classmethod
    def _required_for_an_interpreter(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("role") is ParticipantRole.interpreter:
            raise PydanticCustomError(
                "language_missing", "Give the language the interpreter interprets"
            )
        return value


class ParticipantsForm(In):
    """The participants form as a whole: any number of people saved in one go."""

    participants: list[ParticipantRow] = Field(max_length=50)


class Period(In):
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None

    model_config = {"extra": "forbid", "populate_by_name": True}

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError("The period must end after it starts")
        return self


class Centre(In):
    what_matters: FreeText


class DomainPatch(In):
    situation: FreeText | None = None
    family_score: Score | None = None
    worker_score: Score | None = None
    indicators: list[Code] | None = Field(default=None, max_length=50)
    strengths: FreeText | None = None


class CanvasCreate(In):
    template_key: Code


class CanvasPatch(In):
    centre: Centre | None = None
    domains: dict[Code, DomainPatch] | None = Field(default=None, max_length=50)
    participants: list[Participant] | None = Field(default=None, max_length=50)
    period: Period | None = None
    next_review_date: date | None = None
    status: CanvasStatus | None = None


class DomainOut(Out):
    situation: str
    family_score: int | None
    worker_score: int | None
    indicators: list[str]
    strengths: str


class AssignedOut(BaseModel):
    """The live actions and referrals assigned to the caller's units in one family."""

    actions: list[ActionOut]
    referrals: list[ReferralOut]


class PeriodOut(BaseModel):
    from_: date | None = Field(serialization_alias="from")
    to: date | None


class CanvasOut(BaseModel):
    id: uuid.UUID
    family_id: uuid.UUID
    template_key: str
    template_version: int
    status: CanvasStatus
    version: int
    centre: dict[str, str]
    domains: dict[str, DomainOut]
    participants: list[dict[str, Any]]
    period: PeriodOut
    next_review_date: date | None
    needs: list[NeedOut]
    referrals: list[ReferralOut]
    goals: list[GoalOut]
    actions: list[ActionOut]
    updated_at: datetime

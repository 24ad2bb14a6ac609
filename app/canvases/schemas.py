"""The canvas and the whole canvas document, as the API takes and gives them."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

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

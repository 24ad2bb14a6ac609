from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.kit.schema import Code, FreeText, In, Name, Out, RequiredText, Score
from app.models.enums import (
    ActionStatus,
    CanvasStatus,
    GoalAchievement,
    GoalHorizon,
    GoalLifecycle,
    ReferralOutcome,
    ReferralStatus,
    ResponsibleKind,
    ServiceStatus,
    UnitLevel,
)


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


class NeedCreate(In):
    domain: Code
    text: RequiredText
    priority: int = Field(ge=1, le=3)
    indicators: list[Code] = Field(default_factory=list, max_length=20)


class NeedOut(Out):
    id: uuid.UUID
    domain: str
    text: str
    priority: int
    indicators: list[str]
    version: int


class ReferralCreate(In):
    service_id: uuid.UUID | None = None
    external_service_name: Name | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ReferralCreate:
        if (self.service_id is None) == (self.external_service_name is None):
            raise ValueError("Give either service_id or external_service_name")
        return self


class ReferralPatch(In):
    status: ReferralStatus | None = None
    reason: FreeText | None = None
    outcome: ReferralOutcome | None = None


class ReferralOut(Out):
    id: uuid.UUID
    need_id: uuid.UUID
    service_id: uuid.UUID | None
    external_service_name: str | None
    provider_unit_id: uuid.UUID | None
    status: ReferralStatus
    reason: str | None
    outcome: ReferralOutcome | None
    version: int


class GoalCreate(In):
    horizon: GoalHorizon
    text: RequiredText
    domains: list[Code] = Field(default_factory=list, max_length=20)


class GoalPatch(In):
    """How a goal is going, recorded at a follow-up: its lifecycle and its achievement, apart
    (FHIR Goal). ``achievement_status: null`` clears the achievement."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    lifecycle_status: GoalLifecycle | None = None
    achievement_status: GoalAchievement | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> GoalPatch:
        if not self.model_fields_set:
            raise ValueError("Give lifecycle_status, achievement_status or both")
        return self


class GoalOut(Out):
    id: uuid.UUID
    horizon: GoalHorizon
    text: str
    domains: list[str]
    lifecycle_status: GoalLifecycle
    achievement_status: GoalAchievement | None
    version: int


class Responsible(In):
    kind: ResponsibleKind
    unit_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    member: Name | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Responsible:
        if self.kind is ResponsibleKind.unit and self.unit_id is None:
            raise ValueError("A unit is responsible: give unit_id")
        if self.kind is ResponsibleKind.family and (self.unit_id or self.user_id):
            raise ValueError("The family is responsible: give member, not unit_id or user_id")
        return self


class ActionCreate(In):
    text: RequiredText
    responsible: Responsible
    due: date | None = None
    need_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    goal_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    referral_id: uuid.UUID | None = None


class ActionPatch(In):
    text: RequiredText | None = None
    responsible: Responsible | None = None
    due: date | None = None
    status: ActionStatus | None = None
    reason: FreeText | None = None
    need_ids: list[uuid.UUID] | None = Field(default=None, max_length=50)
    goal_ids: list[uuid.UUID] | None = Field(default=None, max_length=50)


class ResponsibleOut(BaseModel):
    kind: ResponsibleKind
    unit_id: uuid.UUID | None
    user_id: uuid.UUID | None
    member: str | None


class ActionOut(BaseModel):
    id: uuid.UUID
    text: str
    responsible: ResponsibleOut
    due: date | None
    status: ActionStatus
    reason: str | None
    need_ids: list[uuid.UUID]
    goal_ids: list[uuid.UUID]
    referral_id: uuid.UUID | None
    version: int


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


class ServiceOut(BaseModel):
    id: uuid.UUID
    key: str
    name: str
    alternate_name: str | None
    provider_unit_id: uuid.UUID
    provider_name: str
    level: UnitLevel
    status: ServiceStatus
    description: str
    eligibility_description: str | None
    application_process: str | None
    fees_description: str | None
    url: str | None
    minimum_age: int | None
    maximum_age: int | None
    domains: list[str]
    indicators: list[str]
    translations: dict[str, Any]


class Suggestion(BaseModel):
    service: ServiceOut
    score: int
    matched_domain: bool
    matched_indicators: list[str]

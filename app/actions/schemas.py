"""What the API and the pages take and give for actions."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field, model_validator

from app.kit.schema import ConcernsMember, FreeText, In, Name, RequiredText
from app.models.enums import (
    ActionStatus,
    ResponsibleKind,
)


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
    concerns_member_id: ConcernsMember = None


class ActionPatch(In):
    text: RequiredText | None = None
    responsible: Responsible | None = None
    due: date | None = None
    status: ActionStatus | None = None
    reason: FreeText | None = None
    need_ids: list[uuid.UUID] | None = Field(default=None, max_length=50)
    goal_ids: list[uuid.UUID] | None = Field(default=None, max_length=50)
    concerns_member_id: ConcernsMember = None


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
    concerns_member_id: uuid.UUID | None = None
    version: int


class ActionStatusForm(ActionPatch):
    """A status form's change: the status is the point of it, so it must be given."""

    status: ActionStatus

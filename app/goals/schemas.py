"""What the API and the pages take and give for goals."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import ConfigDict, Field, model_validator

from app.kit.schema import Code, ConcernsMember, FreeText, In, Out, RequiredText
from app.models.enums import (
    GoalAchievement,
    GoalHorizon,
    GoalLifecycle,
)


class GoalCreate(In):
    horizon: GoalHorizon
    text: RequiredText
    domains: list[Code] = Field(default_factory=list, max_length=20)
    target_date: date | None = Field(
        default=None, description="When the family hopes to have reached it"
    )
    concerns_member_id: ConcernsMember = None


class GoalPatch(In):
    """How a goal is going, recorded at a follow-up: its lifecycle and its achievement, apart
    (FHIR Goal). ``achievement_status: null`` clears the achievement.

    Or a correction (DESIGN §3, Corrections): its words, horizon, life domains or target date
    (``target_date: null`` clears it), the earlier values kept in its history. Or
    ``lifecycle_status: entered-in-error`` on its own, with an optional ``reason``: the goal
    was written by mistake."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    lifecycle_status: GoalLifecycle | None = None
    achievement_status: GoalAchievement | None = None
    text: RequiredText | None = None
    horizon: GoalHorizon | None = None
    domains: list[Code] | None = Field(default=None, max_length=20)
    target_date: date | None = None
    concerns_member_id: ConcernsMember = None
    reason: FreeText | None = Field(
        default=None, description="Why it is corrected or was entered in error (optional)"
    )

    @model_validator(mode="after")
    def _not_empty(self) -> GoalPatch:
        if not self.model_fields_set - {"reason"}:
            raise ValueError(
                "Give lifecycle_status, achievement_status, or what to correct: text, horizon, "
                "domains, target_date or concerns_member_id"
            )
        return self


class GoalOut(Out):
    id: uuid.UUID
    horizon: GoalHorizon
    text: str
    domains: list[str]
    target_date: date | None = None
    lifecycle_status: GoalLifecycle
    achievement_status: GoalAchievement | None
    concerns_member_id: uuid.UUID | None = None
    version: int

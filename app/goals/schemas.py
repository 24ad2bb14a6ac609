"""What the API and the pages take and give for goals."""

from __future__ import annotations

import uuid

from pydantic import ConfigDict, Field, model_validator

from app.kit.schema import Code, In, Out, RequiredText
from app.models.enums import (
    GoalAchievement,
    GoalHorizon,
    GoalLifecycle,
)


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

"""The review API's shapes: a unit's decision, the review queue, and what changed between two
versions of a plan (the plan itself, with its reviews, is ``app.plans.schemas.PlanOut``)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.kit.schema import FreeText, In
from app.models.enums import ReviewStatus

# Plan version numbers are INTEGER columns: a number beyond it is a bad request, not a lookup.
PLAN_NUMBER_MAX = 2**31 - 1


# --- review -----------------------------------------------------------------------------------


class Decision(enum.StrEnum):
    approved = "approved"
    changes_requested = "changes_requested"


class ReviewDecision(In):
    decision: Decision
    comment: FreeText | None = Field(
        default=None, description="Required when the decision is changes_requested"
    )
    unit_id: uuid.UUID | None = Field(
        default=None,
        description="The asked unit the caller decides for; needed only when the caller "
        "belongs to more than one asked unit",
    )


class ReviewQueueItem(BaseModel):
    """A plan waiting for one of the caller's units."""

    plan_id: uuid.UUID
    family_id: uuid.UUID
    family_display_name: str
    number: int
    submitted_at: datetime
    unit_id: uuid.UUID
    unit_name: str
    review_status: ReviewStatus
    actions_for_unit: int = Field(description="Actions of the plan the unit is responsible for")


# --- diff -------------------------------------------------------------------------------------


class FieldChange(BaseModel):
    field: str
    before: Any
    after: Any


class ItemChange(BaseModel):
    id: str = Field(description="The item's id (a participant's name: participants have none)")
    changes: list[FieldChange]
    item: dict[str, Any] = Field(description="The item as it is in this version")


class ListDiff(BaseModel):
    added: list[dict[str, Any]] = Field(default_factory=list)
    removed: list[dict[str, Any]] = Field(default_factory=list)
    changed: list[ItemChange] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


class ValueChange(BaseModel):
    before: Any
    after: Any


class PlanDiff(BaseModel):
    """What changed from an earlier (or later) version of the same family's plan to this one.

    Goals, actions and needs are matched by their id, participants by their name. A field
    that did not change is null (period, next review date, centre)."""

    plan_id: uuid.UUID
    number: int
    against_plan_id: uuid.UUID
    against: int
    centre: ValueChange | None = Field(description="The family's own words: what matters")
    period: ValueChange | None
    next_review_date: ValueChange | None
    needs: ListDiff
    goals: ListDiff
    actions: ListDiff
    participants: ListDiff

    @property
    def unchanged(self) -> bool:
        return (
            self.centre is None
            and self.period is None
            and self.next_review_date is None
            and all(d.empty for d in (self.needs, self.goals, self.actions, self.participants))
        )

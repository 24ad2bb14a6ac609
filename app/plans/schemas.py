from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.kit.schema import FreeText, In, Name
from app.models.enums import PlanOutcome, PlanStatus, ReviewStatus


class ReviewOut(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    status: ReviewStatus
    comment: str | None
    reviewer_id: uuid.UUID | None
    reviewer_name: str | None = None
    decided_at: datetime | None


class PlanOut(BaseModel):
    id: uuid.UUID
    family_id: uuid.UUID
    canvas_id: uuid.UUID
    number: int
    status: PlanStatus
    submitted_at: datetime
    family_approved_by: str | None
    family_approved_at: datetime | None
    activated_at: datetime | None
    superseded_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: PlanOutcome | None = None
    outcome_note: str | None = None
    reviews: list[ReviewOut]
    content: dict[str, Any]
    version: int


class PlanSummary(BaseModel):
    """One version of the family's plan, to find the one to open or compare."""

    id: uuid.UUID
    number: int
    status: PlanStatus
    submitted_at: datetime
    activated_at: datetime | None


# --- the family's approval and closing --------------------------------------------------------


class FamilyApproval(In):
    approved_by: Name = Field(description="The family member who approved the plan")


class PlanClose(In):
    outcome: PlanOutcome
    note: FreeText | None = None

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.models.enums import PlanStatus, ReviewStatus


class ReviewOut(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    status: ReviewStatus
    comment: str | None
    reviewer_id: uuid.UUID | None
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
    reviews: list[ReviewOut]
    content: dict[str, Any]
    version: int

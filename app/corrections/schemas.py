"""What the API gives of an item's corrections: its history of earlier wording."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.models.enums import CorrectedRecord


class FieldChangeOut(BaseModel):
    field: str = Field(description="The field as the API names it (text, domain, due …)")
    before: Any
    after: Any


class NamedOut(BaseModel):
    id: uuid.UUID
    name: str


class CorrectionOut(BaseModel):
    """One correction of an item: what each changed field said before and after, who made it
    for which unit, and why (when a reason was given). Marking an item entered in error is one
    too: its status field changes."""

    id: uuid.UUID
    record_type: CorrectedRecord
    record_id: uuid.UUID
    at: datetime
    by: NamedOut
    unit: NamedOut | None
    changes: list[FieldChangeOut]
    reason: str | None
    record_version: int = Field(description="The item's version after this correction")
    entered_in_error: bool = Field(description="This correction marked the item entered in error")

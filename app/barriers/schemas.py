from __future__ import annotations

import enum
import uuid
from datetime import datetime

from pydantic import BaseModel

from app.kit.schema import Code, FreeText, In, MunicipalityCode, RequiredText
from app.models.enums import BarrierCategory, BarrierStatus, ResponsibleLevel


class BarrierCreate(In):
    category: BarrierCategory
    domain: Code
    responsible_level: ResponsibleLevel
    text: RequiredText
    municipality_code: MunicipalityCode | None = None
    # Only to check the text against this family's names; never stored (the barrier is not
    # linked to a family).
    family_id: uuid.UUID | None = None


class Decision(enum.StrEnum):
    approved = "approved"
    rejected = "rejected"


class BarrierDecision(In):
    decision: Decision
    comment: FreeText | None = None
    # The coordinator may tidy the text before approving it.
    text: RequiredText | None = None


class BarrierOut(BaseModel):
    id: uuid.UUID
    category: BarrierCategory
    domain: str
    responsible_level: ResponsibleLevel
    text: str
    municipality_code: str | None
    status: BarrierStatus
    created_at: datetime
    decided_at: datetime | None
    decision_comment: str | None

"""An audit event as the API gives it (DESIGN §8): codes, not words."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AuditEventOut(BaseModel):
    at: datetime
    username: str | None
    unit: str | None
    role: str | None
    action: str
    record_type: str
    record_id: str | None
    purpose: str | None

"""The inbox as the API shows it: items derived from the current state, newest first."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from app.inbox.service import InboxKind


class InboxItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: InboxKind
    at: datetime
    new: bool
    family_id: uuid.UUID
    family_name: str
    plan_id: uuid.UUID | None
    plan_number: int | None
    action_id: uuid.UUID | None
    consent_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    unit_name: str | None
    due: date | None
    text: str
    link: str


class InboxOut(BaseModel):
    items: list[InboxItemOut]
    unseen: int

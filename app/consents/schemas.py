"""The consent API's shapes (DESIGN §8): a consent to record, and a consent as it stands."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, field_validator

from app.kit.schema import In, Name
from app.models.enums import ConsentPurpose


class ConsentCreate(In):
    unit_id: uuid.UUID
    purpose: ConsentPurpose = ConsentPurpose.share_plan
    given_by: Name
    expires_at: datetime | None = None

    @field_validator("expires_at")
    @classmethod
    def _aware_and_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Give a time with an offset, like 2027-01-31T23:59:59+01:00")
        if value <= datetime.now(UTC):
            raise ValueError("The expiry must be in the future")
        return value


class ConsentOut(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    purpose: ConsentPurpose
    given_by: str
    given_at: datetime
    expires_at: datetime | None
    withdrawn_at: datetime | None
    active: bool
    version: int

"""The consent API's shapes (DESIGN §8): a consent to record, several at once, and a consent as
it stands."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, Field, field_validator

from app.kit.schema import In, Name
from app.models.enums import ConsentPurpose


def _aware_and_future(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("Give a time with an offset, like 2027-01-31T23:59:59+01:00")
    if value <= datetime.now(UTC):
        raise ValueError("The expiry must be in the future")
    return value


class ConsentCreate(In):
    unit_id: uuid.UUID
    purpose: ConsentPurpose = ConsentPurpose.share_plan
    given_by: Name
    expires_at: datetime | None = None

    _expiry = field_validator("expires_at")(_aware_and_future)


class ConsentBatchCreate(In):
    """One family member's consent, for one purpose and term, to share the plan with each of
    several units: one consent per unit, recorded together or not at all."""

    unit_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=50,
        description="The units the plan is shared with; none may be the plan lead's own, "
        "have an active consent already, or be named twice",
    )
    purpose: ConsentPurpose = ConsentPurpose.share_plan
    given_by: Name
    expires_at: datetime | None = None

    _expiry = field_validator("expires_at")(_aware_and_future)


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


class ConsentsOut(BaseModel):
    """The consents a batch recorded, one per unit, in the order the units were named."""

    items: list[ConsentOut]

"""What the API and the pages take and give for needs and their referrals."""

from __future__ import annotations

import uuid

from pydantic import Field, model_validator

from app.kit.schema import Code, FreeText, In, Name, Out, RequiredText
from app.models.enums import (
    ReferralOutcome,
    ReferralStatus,
)


class NeedCreate(In):
    domain: Code
    text: RequiredText
    priority: int = Field(ge=1, le=3)
    indicators: list[Code] = Field(default_factory=list, max_length=20)


class NeedOut(Out):
    id: uuid.UUID
    domain: str
    text: str
    priority: int
    indicators: list[str]
    version: int


class ReferralCreate(In):
    service_id: uuid.UUID | None = None
    external_service_name: Name | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ReferralCreate:
        if (self.service_id is None) == (self.external_service_name is None):
            raise ValueError("Give either service_id or external_service_name")
        return self


class ReferralPatch(In):
    status: ReferralStatus | None = None
    reason: FreeText | None = None
    outcome: ReferralOutcome | None = None


class ReferralOut(Out):
    id: uuid.UUID
    need_id: uuid.UUID
    service_id: uuid.UUID | None
    external_service_name: str | None
    provider_unit_id: uuid.UUID | None
    status: ReferralStatus
    reason: str | None
    outcome: ReferralOutcome | None
    version: int

"""What the API and the pages take and give for needs and their referrals."""

from __future__ import annotations

import uuid

from pydantic import ConfigDict, Field, model_validator

from app.kit.schema import Code, ConcernsMember, FreeText, In, Name, Out, RequiredText
from app.models.enums import (
    NeedStatus,
    ReferralOutcome,
    ReferralStatus,
)


class NeedCreate(In):
    domain: Code
    text: RequiredText
    priority: int = Field(ge=1, le=3)
    indicators: list[Code] = Field(default_factory=list, max_length=20)
    concerns_member_id: ConcernsMember = None


class NeedPatch(In):
    """A correction of a need (DESIGN §3, Corrections): its words, life domain, priority or
    indicator codes, each given replacing what is there, the earlier values kept in its
    history. Or ``status: entered_in_error``, on its own with an optional ``reason``: the need
    was written by mistake. Its open referrals are then cancelled as entered in error too, and
    its open actions that serve no other need or goal are marked entered in error with it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    text: RequiredText | None = None
    domain: Code | None = None
    priority: int | None = Field(default=None, ge=1, le=3)
    indicators: list[Code] | None = Field(default=None, max_length=20)
    status: NeedStatus | None = None
    concerns_member_id: ConcernsMember = None
    reason: FreeText | None = Field(
        default=None, description="Why it is corrected or was entered in error (optional)"
    )

    @model_validator(mode="after")
    def _not_empty(self) -> NeedPatch:
        if not self.model_fields_set - {"reason"}:
            raise ValueError(
                "Give what to correct: text, domain, priority, indicators, "
                "concerns_member_id or status"
            )
        return self


class NeedOut(Out):
    id: uuid.UUID
    domain: str
    text: str
    priority: int
    indicators: list[str]
    status: NeedStatus = NeedStatus.active
    concerns_member_id: uuid.UUID | None = None
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
    """A status change (with its reason and outcome), or a correction of the service: another
    one from the catalogue while the referral is still proposed, or the name of one outside
    it. Not both at once."""

    status: ReferralStatus | None = None
    reason: FreeText | None = None
    outcome: ReferralOutcome | None = None
    service_id: uuid.UUID | None = Field(
        default=None, description="Correction: the right service (only while proposed)"
    )
    external_service_name: Name | None = Field(
        default=None, description="Correction: the name of a service outside the catalogue"
    )


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

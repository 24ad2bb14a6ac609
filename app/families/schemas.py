from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator

from app.kit.schema import In, MunicipalityCode, Name
from app.models.enums import ConsentPurpose, ErasureReason, FamilyStatus, Language

BirthYear = Annotated[int, Field(ge=1900, le=2100)]


class Household(In):
    adults: int = Field(ge=0, le=20)
    children_birth_years: list[BirthYear] = Field(default_factory=list, max_length=20)
    single_parent: bool = False

    @field_validator("children_birth_years")
    @classmethod
    def _not_in_future(cls, years: list[int]) -> list[int]:
        this_year = datetime.now(UTC).year
        if any(year > this_year for year in years):
            raise ValueError("A birth year cannot be in the future")
        return years


class FamilyCreate(In):
    display_name: Name
    municipality_code: MunicipalityCode
    language: Language = Language.nb
    household: Household
    national_id: Annotated[str, StringConstraints(pattern=r"^[0-9]{11}$")] | None = Field(
        default=None, description="Optional; stored encrypted and never returned."
    )


class FamilyPatch(In):
    display_name: Name | None = None
    municipality_code: MunicipalityCode | None = None
    language: Language | None = None
    household: Household | None = None
    status: FamilyStatus | None = None


class UserRef(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str


class FamilyOut(BaseModel):
    id: uuid.UUID
    display_name: str
    municipality_code: str
    language: Language
    household: Household
    plan_lead: UserRef
    lead_unit_id: uuid.UUID
    status: FamilyStatus
    access: str = Field(description="lead_side or consented: how the caller sees this family")
    created_at: datetime
    version: int


class ErasureQuery(BaseModel):
    reason: ErasureReason


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


class AuditEventOut(BaseModel):
    at: datetime
    username: str | None
    unit: str | None
    role: str | None
    action: str
    record_type: str
    record_id: str | None
    purpose: str | None

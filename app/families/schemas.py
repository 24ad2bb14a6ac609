from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StrictInt, StringConstraints, field_validator

from app.corrections.schemas import FieldChangeOut
from app.kit.schema import NO_NUL, In, MunicipalityCode, Name
from app.models.enums import CorrectedRecord, ErasureReason, FamilyStatus, Language

BirthYear = Annotated[int, Field(ge=1900, le=2100)]


class Household(In):
    adults: StrictInt = Field(ge=0, le=20)
    children_birth_years: list[BirthYear] = Field(default_factory=list, max_length=20)
    single_parent: StrictBool = False  # 0 or "no" is not a yes-or-no (found by schemathesis)

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
    household: Household | None = Field(
        description="null for a unit with the family's consent: a consent shares the plan, "
        "not the household"
    )
    plan_lead: UserRef
    lead_unit_id: uuid.UUID
    status: FamilyStatus
    access: str = Field(description="lead_side or consented: how the caller sees this family")
    created_at: datetime
    version: int


class ErasureQuery(BaseModel):
    reason: ErasureReason


# --- handover (DESIGN §4.6) ------------------------------------------------------------------


class HandoverCreate(In):
    to_user_id: uuid.UUID
    unit_id: uuid.UUID | None = Field(
        default=None, description="One of the new plan lead's units; default: the first."
    )
    # Kept short and work-related ("Kari slutter"); stored on the handover record.
    note: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=500, pattern=NO_NUL)]
        | None
    ) = None


class HandoverOut(BaseModel):
    id: uuid.UUID
    family_id: uuid.UUID
    from_user_id: uuid.UUID | None
    from_unit_id: uuid.UUID | None
    to_user_id: uuid.UUID
    to_unit_id: uuid.UUID
    changed_by_id: uuid.UUID
    note: str | None
    at: datetime
    family_version: int = Field(description="The family's version after the handover (its ETag)")


# --- timeline --------------------------------------------------------------------------------


class TimelineKind(enum.StrEnum):
    """What happened in the family's case: one fixed code per kind of entry."""

    plan_submitted = "plan_submitted"
    plan_approved_by_unit = "plan_approved_by_unit"
    plan_changes_requested = "plan_changes_requested"
    plan_approved_by_family = "plan_approved_by_family"
    plan_active = "plan_active"
    plan_superseded = "plan_superseded"
    plan_closed = "plan_closed"
    action_status = "action_status"
    referral_status = "referral_status"
    consent_given = "consent_given"
    consent_withdrawn = "consent_withdrawn"
    plan_lead_changed = "plan_lead_changed"
    reading_recorded = "reading_recorded"
    item_corrected = "item_corrected"
    item_entered_in_error = "item_entered_in_error"


class NamedRef(BaseModel):
    id: uuid.UUID
    name: str


class TimelineEntry(BaseModel):
    at: datetime
    kind: TimelineKind
    actor: NamedRef | None = Field(description="Who did it; null for what followed by itself")
    actor_unit: NamedRef | None = Field(description="The unit the actor acted for")
    unit: NamedRef | None = Field(
        default=None,
        description="The unit the entry is about: consented, reviewing, providing, new lead's",
    )
    plan_id: uuid.UUID | None = None
    plan_number: int | None = None
    review_id: uuid.UUID | None = None
    action_id: uuid.UUID | None = None
    referral_id: uuid.UUID | None = None
    consent_id: uuid.UUID | None = None
    handover_id: uuid.UUID | None = None
    reading_id: uuid.UUID | None = None
    need_id: uuid.UUID | None = None
    goal_id: uuid.UUID | None = None
    record_type: CorrectedRecord | None = Field(
        default=None, description="What was corrected or entered in error"
    )
    changes: list[FieldChangeOut] | None = Field(
        default=None, description="A correction's fields, each with its value before and after"
    )
    text: str | None = Field(
        default=None,
        description=(
            "The action's, need's or goal's text, the service a referral goes to, or a"
            " reading's date"
        ),
    )
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = Field(
        default=None,
        description="Why: a reason, a review comment, a handover or closing note, or what was "
        "said at a follow-up meeting",
    )
    outcome: str | None = None
    family_member: str | None = Field(
        default=None, description="Who in the family gave consent or approved the plan"
    )
    member_actor: str | None = Field(
        default=None,
        description="The family member who did it themselves, signed in through ID-porten on "
        "the family's pages (then actor is null)",
    )
    from_lead: NamedRef | None = None
    to_lead: NamedRef | None = None
    next_review_date: date | None = Field(
        default=None, description="The next review a follow-up meeting agreed on"
    )

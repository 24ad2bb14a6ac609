from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import JSONType, enum_column_type, json_list
from app.models.enums import FamilyStatus, HouseholdType, Language


class Family(Base):
    """A household. Minimal identifiers: the national ID number is optional and encrypted."""

    __tablename__ = "family"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    display_name: Mapped[str] = mapped_column(String(200))
    municipality_code: Mapped[str] = mapped_column(String(4), index=True)
    language: Mapped[Language] = mapped_column(enum_column_type(Language, "language"))
    household_adults: Mapped[int] = mapped_column(Integer)
    household_children_birth_years: Mapped[list[int]] = mapped_column(JSONType, default=json_list)
    household_single_parent: Mapped[bool] = mapped_column(Boolean)
    # Derived from the three facts above by set_household(); reports group by it.
    household_type: Mapped[HouseholdType] = mapped_column(
        enum_column_type(HouseholdType, "household_type")
    )
    national_id_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    plan_lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    lead_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    status: Mapped[FamilyStatus] = mapped_column(
        enum_column_type(FamilyStatus, "family_status"), default=FamilyStatus.active
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Optimistic concurrency: every UPDATE carries "AND version = <read version>".
    __mapper_args__ = {"version_id_col": version}

    def set_household(
        self, adults: int, children_birth_years: list[int], single_parent: bool
    ) -> None:
        self.household_adults = adults
        self.household_children_birth_years = list(children_birth_years)
        self.household_single_parent = single_parent
        self.household_type = HouseholdType.of(
            children=len(children_birth_years), single_parent=single_parent
        )

    def household_dict(self) -> dict[str, Any]:
        return {
            "adults": self.household_adults,
            "children_birth_years": list(self.household_children_birth_years),
            "single_parent": self.household_single_parent,
        }


class PlanLeadChange(Base):
    """Handover history: the family is not person-dependent (DESIGN §4.6)."""

    __tablename__ = "plan_lead_change"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("family.id", ondelete="CASCADE"), index=True
    )
    from_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    to_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    to_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"))
    from_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id"))
    changed_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    # Why the family moved, for the record (e.g. "Kari slutter"), kept short and work-related.
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

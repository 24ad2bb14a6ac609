from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import enum_column_type
from app.models.enums import ConsentPurpose


class Consent(Base):
    """A named family member's consent to share the family's plan with one unit."""

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_family_id_unit_id", "family_id", "unit_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    family_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(
        enum_column_type(ConsentPurpose, "consent_purpose")
    )
    given_by: Mapped[str] = mapped_column(String(200))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The user who recorded it; none when a family member gave it themselves (below).
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    # Given by a family member themselves, signed in through ID-porten (DESIGN §12).
    given_by_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("family_member.id", ondelete="SET NULL")
    )
    withdrawn_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    # Withdrawn by a family member themselves, signed in through ID-porten (DESIGN §12).
    withdrawn_by_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("family_member.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Optimistic concurrency: every UPDATE carries "AND version = <read version>".
    __mapper_args__ = {"version_id_col": version}

    def is_active(self, now: datetime) -> bool:
        if self.withdrawn_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now

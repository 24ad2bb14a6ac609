from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import enum_column_type
from app.models.enums import ReferralOutcome, ReferralStatus


class Referral(Base):
    """A need mapped to a service in the catalogue, or to one outside it."""

    __tablename__ = "referral"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    need_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("need.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("family.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id"), index=True)
    external_service_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[ReferralStatus] = mapped_column(
        enum_column_type(ReferralStatus, "referral_status"), default=ReferralStatus.proposed
    )
    reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[ReferralOutcome | None] = mapped_column(
        enum_column_type(ReferralOutcome, "referral_outcome")
    )
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Optimistic concurrency: every UPDATE carries "AND version = <read version>".
    __mapper_args__ = {"version_id_col": version}


class ReferralEvent(Base):
    """Every status change of a referral: who, from which unit, when and why."""

    __tablename__ = "referral_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ReferralStatus | None] = mapped_column(
        enum_column_type(ReferralStatus, "referral_event_from")
    )
    to_status: Mapped[ReferralStatus] = mapped_column(
        enum_column_type(ReferralStatus, "referral_event_to")
    )
    reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[ReferralOutcome | None] = mapped_column(
        enum_column_type(ReferralOutcome, "referral_event_outcome")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import JSONType, enum_column_type
from app.models.enums import PlanStatus, ReviewStatus


class Plan(Base):
    """An immutable, numbered version of a canvas's plan. ``content`` is the frozen snapshot;
    only the status fields change after submission."""

    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("family_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("family.id", ondelete="CASCADE"), index=True
    )
    canvas_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("canvas.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[PlanStatus] = mapped_column(
        enum_column_type(PlanStatus, "plan_status"), default=PlanStatus.in_review
    )
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    submitted_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    family_approved_by: Mapped[str | None] = mapped_column(String(200))
    family_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    family_approval_recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id")
    )
    # Approved by the family member themselves, signed in through ID-porten: stronger than a
    # name typed by the plan lead (DESIGN §12), which stays for families who cannot sign in.
    family_approved_by_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("family_member.id", ondelete="SET NULL")
    )
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    # PlanOutcome code, and the plan lead's short summary of how it went.
    outcome: Mapped[str | None] = mapped_column(String(80))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Optimistic concurrency: every UPDATE carries "AND version = <read version>".
    __mapper_args__ = {"version_id_col": version}

    reviews: Mapped[list[PlanReview]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PlanReview.position"
    )


class PlanReview(Base):
    """One per unit asked to review a plan version. The record of who approved what stays even
    after the unit's consent is withdrawn (DESIGN §4.4)."""

    __tablename__ = "plan_review"
    __table_args__ = (UniqueConstraint("plan_id", "unit_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[ReviewStatus] = mapped_column(
        enum_column_type(ReviewStatus, "review_status"), default=ReviewStatus.pending
    )
    comment: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Optimistic concurrency: every UPDATE carries "AND version = <read version>".
    __mapper_args__ = {"version_id_col": version}

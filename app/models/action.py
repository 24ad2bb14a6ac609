from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import enum_column_type
from app.models.enums import ActionStatus, ResponsibleKind

action_need = Table(
    "action_need",
    Base.metadata,
    Column("action_id", ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
    Column("need_id", ForeignKey("need.id", ondelete="CASCADE"), primary_key=True),
)

action_goal = Table(
    "action_goal",
    Base.metadata,
    Column("action_id", ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
    Column("goal_id", ForeignKey("goal.id", ondelete="CASCADE"), primary_key=True),
)


class Action(Base):
    """Who does what by when: the family itself, or a unit (optionally a named user)."""

    __tablename__ = "action"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    canvas_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("canvas.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("family.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    responsible_kind: Mapped[ResponsibleKind] = mapped_column(
        enum_column_type(ResponsibleKind, "responsible_kind")
    )
    responsible_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id"), index=True)
    responsible_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    responsible_member: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        enum_column_type(ActionStatus, "action_status"), default=ActionStatus.planned
    )
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    referral_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("referral.id", ondelete="SET NULL")
    )
    # Whom in the family it concerns ("gjelder"); none: the whole family (DESIGN §12).
    concerns_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("family_member.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Optimistic concurrency: every UPDATE carries "AND version = <read version>".
    __mapper_args__ = {"version_id_col": version}


class ActionEvent(Base):
    """Every status change of an action: who, from which unit, when and why."""

    __tablename__ = "action_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    action_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("action.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ActionStatus | None] = mapped_column(
        enum_column_type(ActionStatus, "action_event_from")
    )
    to_status: Mapped[ActionStatus] = mapped_column(
        enum_column_type(ActionStatus, "action_event_to")
    )
    reason: Mapped[str | None] = mapped_column(Text)
    # Who: a user, or a family member who marked the family's own action done on the
    # family's pages (DESIGN §12).
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("family_member.id", ondelete="SET NULL")
    )
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

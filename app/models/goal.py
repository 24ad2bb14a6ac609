from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import JSONType, enum_column_type, json_list
from app.models.enums import GoalAchievement, GoalHorizon, GoalLifecycle


class Goal(Base):
    """A dream, long- or short-term goal in the family's words. Lifecycle and achievement are
    separate, as in FHIR Goal: a goal can be active and worsening, or completed and achieved."""

    __tablename__ = "goal"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    canvas_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("canvas.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("family.id", ondelete="CASCADE"), index=True
    )
    horizon: Mapped[GoalHorizon] = mapped_column(enum_column_type(GoalHorizon, "goal_horizon"))
    text: Mapped[str] = mapped_column(Text)
    domains: Mapped[list[str]] = mapped_column(JSONType, default=json_list)
    # When the family hopes to have reached it (FHIR Goal.target.dueDate); a dream has none.
    target_date: Mapped[date | None] = mapped_column(Date)
    lifecycle_status: Mapped[GoalLifecycle] = mapped_column(
        enum_column_type(GoalLifecycle, "goal_lifecycle"), default=GoalLifecycle.active
    )
    achievement_status: Mapped[GoalAchievement | None] = mapped_column(
        enum_column_type(GoalAchievement, "goal_achievement")
    )
    # Whom in the family it concerns ("gjelder"); none: the whole family (DESIGN §12).
    concerns_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("family_member.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Optimistic concurrency: every UPDATE carries "AND version = <read version>".
    __mapper_args__ = {"version_id_col": version}

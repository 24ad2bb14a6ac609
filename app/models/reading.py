from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import JSONType


class Reading(Base):
    """A dated set of domain scores. Reading 1 is the first canvas; never overwritten."""

    __tablename__ = "reading"
    __table_args__ = (UniqueConstraint("family_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("family.id", ondelete="CASCADE"), index=True
    )
    canvas_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("canvas.id", ondelete="SET NULL")
    )
    number: Mapped[int] = mapped_column(Integer)
    taken_on: Mapped[date] = mapped_column(Date)
    # {domain_key: {"family": int | None, "worker": int | None}}
    scores: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # What the family and the caseworker said about the change, in the family's words. Lead
    # side only, like the scores: a consent shares the plan, not the follow-up (DESIGN §4.1).
    note: Mapped[str | None] = mapped_column(Text)
    # The next review this meeting agreed on (it moved the current canvas's date), kept here
    # so the history says so and a meeting is not taken for the review it scheduled.
    next_review_date: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

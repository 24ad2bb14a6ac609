from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import enum_column_type
from app.models.enums import BarrierCategory, BarrierStatus, ResponsibleLevel


class Barrier(Base):
    """A rule, routine or capacity problem that stood in a family's way, written for the system
    level. Deliberately not linked to a family: it carries no personal data."""

    __tablename__ = "barrier"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    category: Mapped[BarrierCategory] = mapped_column(
        enum_column_type(BarrierCategory, "barrier_category")
    )
    domain: Mapped[str] = mapped_column(String(80))
    responsible_level: Mapped[ResponsibleLevel] = mapped_column(
        enum_column_type(ResponsibleLevel, "responsible_level")
    )
    text: Mapped[str] = mapped_column(Text)
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    status: Mapped[BarrierStatus] = mapped_column(
        enum_column_type(BarrierStatus, "barrier_status"), default=BarrierStatus.pending
    )
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The coordinator who approved or rejected the text, when, and why (shown to the author).
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)

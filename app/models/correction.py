from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import JSONType, enum_column_type, json_list
from app.models.enums import CorrectedRecord


class Correction(Base):
    """One correction of a need, goal, action or referral (DESIGN §3, Corrections): the
    fields it changed, each with its value before and after, so the earlier wording stays in
    the item's history; or the item marked entered in error. Written in the transaction of the
    change itself, never changed afterwards."""

    __tablename__ = "correction"
    __table_args__ = (Index("ix_correction_record", "record_type", "record_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("family.id", ondelete="CASCADE"), index=True
    )
    canvas_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("canvas.id", ondelete="CASCADE"), index=True
    )
    record_type: Mapped[CorrectedRecord] = mapped_column(
        enum_column_type(CorrectedRecord, "correction_record_type")
    )
    # Not a foreign key: the record is one of four tables.
    record_id: Mapped[uuid.UUID] = mapped_column()
    # [{"field": "text", "before": ..., "after": ...}, ...] in the API's field names.
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=json_list)
    # Why, as the caseworker gave it, or none.
    reason: Mapped[str | None] = mapped_column(Text)
    # The record's version after the change.
    record_version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import JSONType, enum_column_type, json_list
from app.models.enums import CanvasStatus


class Canvas(Base):
    """One conversation with one family on one template version."""

    __tablename__ = "canvas"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("family.id", ondelete="CASCADE"), index=True
    )
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("canvas_template.id"))
    status: Mapped[CanvasStatus] = mapped_column(
        enum_column_type(CanvasStatus, "canvas_status"), default=CanvasStatus.draft
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    what_matters: Mapped[str] = mapped_column(Text, default="")
    participants: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=json_list)
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    next_review_date: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    domains: Mapped[list[CanvasDomain]] = relationship(
        lazy="raise", order_by="CanvasDomain.position", cascade="all, delete-orphan"
    )


class CanvasDomain(Base):
    """The family's own account of one life domain on a canvas."""

    __tablename__ = "canvas_domain"
    __table_args__ = (UniqueConstraint("canvas_id", "domain_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    canvas_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("canvas.id", ondelete="CASCADE"))
    domain_key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    situation: Mapped[str] = mapped_column(Text, default="")
    family_score: Mapped[int | None] = mapped_column(Integer)
    worker_score: Mapped[int | None] = mapped_column(Integer)
    indicators: Mapped[list[str]] = mapped_column(JSONType, default=json_list)
    strengths: Mapped[str] = mapped_column(Text, default="")

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import enum_column_type
from app.models.enums import UnitLevel


class Unit(Base):
    """An org unit: "NAV Fredrikstad", "Barneverntjenesten i Sarpsborg", "Frivilligsentralen"."""

    __tablename__ = "unit"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[UnitLevel] = mapped_column(enum_column_type(UnitLevel, "unit_level"))
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

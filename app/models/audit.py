from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """Append-only trail of who did what to whose data.

    No foreign keys on purpose: the trail outlives an erased family (its tombstone) and never
    blocks deleting a record. Names are copied in so the trail reads the same later.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_family_id_at", "family_id", "at"),)

    id: Mapped[int] = mapped_column(
        # SQLite autoincrements only an INTEGER PRIMARY KEY.
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # A family member on the family's own pages (signed in through ID-porten), instead of a
    # user: the trail keeps the member's id, never their name.
    member_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    username: Mapped[str | None] = mapped_column(String(80))
    unit: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(64))
    family_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    purpose: Mapped[str | None] = mapped_column(String(80))
    request_id: Mapped[str | None] = mapped_column(String(64))

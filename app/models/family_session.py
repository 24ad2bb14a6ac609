from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow


class FamilySession(Base):
    """A family member's browser session on the family's own pages (DESIGN §12), begun by an
    ID-porten sign-in: a principal of its own, never a staff session or an API token. Only the
    SHA-256 of the secret is stored. The same idle and absolute limits as staff sessions."""

    __tablename__ = "family_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("family_member.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

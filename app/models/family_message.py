from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow

# A short note, not a correspondence: longer matters belong in a meeting.
MESSAGE_MAX = 2000


class FamilyMessage(Base):
    """A message a family member wrote to the plan lead from the family's pages (DESIGN §12).
    The text is personal data: it is shown on the family's pages and the lead side, never put
    in a URL, a log line or a notification."""

    __tablename__ = "family_message"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("family.id", ondelete="CASCADE"), index=True
    )
    # Kept when the member is later removed from the family: the message was still written.
    member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("family_member.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(String(MESSAGE_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

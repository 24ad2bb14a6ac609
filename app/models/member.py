from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import enum_column_type
from app.models.enums import Language, MemberRelation, NotificationChannel

# A young person consents for themselves, and signs in, from this age (DESIGN §3).
SELF_CONSENT_AGE = 16


class FamilyMember(Base):
    """A person in the family, recorded by the plan lead (DESIGN §3). The national ID number is
    optional: stored encrypted, and found by a keyed hash of it (``national_id_key``), never by
    decrypting every row; it links an ID-porten sign-in to the member."""

    __tablename__ = "family_member"
    __table_args__ = (Index("ix_family_member_national_id_key", "national_id_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("family.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[MemberRelation] = mapped_column(
        enum_column_type(MemberRelation, "member_relation")
    )
    birth_year: Mapped[int] = mapped_column(Integer)
    language: Mapped[Language] = mapped_column(enum_column_type(Language, "member_language"))
    # Recorded by the plan lead: a child's data is shown to the adults who have it (§12).
    parental_responsibility: Mapped[bool] = mapped_column(Boolean, default=False)
    national_id_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    # HMAC-SHA256 of the number under a key derived from the data key (app/kit/crypto.py).
    national_id_key: Mapped[str | None] = mapped_column(String(64))
    # How the member hears that something waits for them on the family's pages (DESIGN §12):
    # personal data, shown to the member and the plan lead's side only, never in a message, a
    # log line or a URL. The plan lead records them; the member chooses the channel too.
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    notify_channel: Mapped[NotificationChannel] = mapped_column(
        enum_column_type(NotificationChannel, "member_notify_channel"),
        default=NotificationChannel.none,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Optimistic concurrency: every UPDATE carries "AND version = <read version>".
    __mapper_args__ = {"version_id_col": version}

    def age_in(self, year: int) -> int:
        """The age this year at most: only the birth year is kept."""
        return year - self.birth_year

    def may_sign_in(self, year: int) -> bool:
        """Adults, and a young person from 16 (by birth year); children under 16 never."""
        if self.relation is not MemberRelation.child:
            return True
        return self.age_in(year) >= SELF_CONSENT_AGE

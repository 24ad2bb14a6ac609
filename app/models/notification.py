"""Word that reaches people outside the app (DESIGN §12): each user's choice of channel, and
the outbox of messages waiting to be sent.

The outbox holds no address and no text: the address is read from the recipient's choice and
the message is made from its kind and language when it is sent, so a changed address is used
at once and nothing in this table says more than "something of this kind waits for this user".
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import enum_column_type
from app.models.enums import NotificationChannel, NotificationKind, NotificationStatus


class NotificationSetting(Base):
    """A user's choice: e-mail, SMS or none, where to, and in which language. The address and
    the number are personal data: only the user (and the admin) see them."""

    __tablename__ = "notification_setting"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[NotificationChannel] = mapped_column(
        enum_column_type(NotificationChannel, "notification_channel"),
        default=NotificationChannel.none,
    )
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="nb")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Notification(Base):
    """One message in the outbox: queued when the event that causes it is written, in the same
    transaction, and sent by the worker (app/notifications/delivery.py). Its recipient is a
    user (staff) or a family member, never both: a member's message goes when the member is
    erased with the family (the foreign key cascades)."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_due", "status", "next_attempt_at"),
        CheckConstraint("(user_id IS NULL) <> (member_id IS NULL)", name="one_recipient"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("family_member.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column_type(NotificationKind, "notification_kind")
    )
    channel: Mapped[NotificationChannel] = mapped_column(
        enum_column_type(NotificationChannel, "notification_channel")
    )
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column_type(NotificationStatus, "notification_status"),
        default=NotificationStatus.queued,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A code such as "smtp_unreachable", never the server's words (they may quote an address).
    last_error: Mapped[str | None] = mapped_column(String(40))
    # "<kind>:<the event's ids>:<user id>": the same event never notifies the same user twice.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

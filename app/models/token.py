from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow


class ApiToken(Base):
    """A bearer token or a browser session. Only the SHA-256 of the secret is stored."""

    __tablename__ = "api_token"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="bearer")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sessions and bearer tokens alike end after a while without use (the idle timeout of
    # DESIGN §11, accounts.service.actor_for_token), and at expires_at however busy.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Family mode (DESIGN §12): while set, this browser session shows only this family's own
    # things, and every other staff page and form is refused (app/web/deps.py) until the
    # worker signs in again; ``family_mode_return`` is the page the worker left from. A
    # family erased meanwhile takes the session with it: signed out is safe.
    family_mode_family_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("family.id", ondelete="CASCADE")
    )
    family_mode_return: Mapped[str | None] = mapped_column(String(500))


class LoginAttempt(Base):
    """Failed and successful sign-ins, for throttling. Keys are keyed hashes, never usernames."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_key_at", "username_key", "at"),
        Index("ix_login_attempt_client_key_at", "client_key", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username_key: Mapped[str] = mapped_column(String(64))
    client_key: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

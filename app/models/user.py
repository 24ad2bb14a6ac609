from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, LargeBinary, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import enum_column_type
from app.models.enums import Role
from app.models.unit import Unit

user_unit = Table(
    "user_unit",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "user_account"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column_type(Role, "role"))
    # None for a user who signs in only through the municipality's provider.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # The subject (``sub``) the OpenID Connect provider of DUK_OIDC_ISSUER knows this user by
    # (DESIGN §11): one installation trusts one provider, so the subject alone is unique.
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Inbox items that arose after this moment are shown as new.
    inbox_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The second factor of a local password (TOTP, RFC 6238; DESIGN §11): the shared secret,
    # encrypted with the data key (app/kit/crypto.py), made when enrolment begins; when the
    # first code confirmed it; and the last time step a code was accepted for, so no code is
    # accepted twice.
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    units: Mapped[list[Unit]] = relationship(secondary=user_unit, lazy="raise")


class RecoveryCode(Base):
    """A single-use code that stands in for a TOTP code when the phone is lost; hashed with
    argon2 as passwords are, shown once at enrolment."""

    __tablename__ = "recovery_code"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

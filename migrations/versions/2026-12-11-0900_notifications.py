"""Notifications (DESIGN §12): each user's choice of channel (e-mail, SMS or none) with the
address, number and language, and the outbox of messages waiting to be sent, one per event and
recipient (its dedupe key), with attempts and the next attempt's time for retries.

Revision ID: d4f6b8c0e2a4
Revises: b9c1d3e5f7a9
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "d4f6b8c0e2a4"
down_revision: str | None = "b9c1d3e5f7a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "review_requested",
    "changes_requested",
    "action_due",
    "consent_expiring",
    "family_approval_requested",
    "family_next_meeting",
)


def _channel() -> sa.Enum:
    return sa.Enum(
        "email", "sms", "none", name="notification_channel", native_enum=False,
        create_constraint=True,
    )  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="notification_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("channel", _channel(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sent",
                "failed",
                name="notification_status",
                native_enum=False,
                create_constraint=True,
            ),  # fmt: skip
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=40), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_dedupe_key")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification_setting",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("channel", _channel(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_setting_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_setting")),
    )


def downgrade() -> None:
    op.drop_table("notification_setting")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_user_id"))
        batch_op.drop_index("ix_notification_due")
    op.drop_table("notification")

"""Word to family members (DESIGN §12): a member's e-mail address and mobile number, recorded
by the plan lead, and the member's choice of channel (e-mail, SMS or none); and the outbox
holds messages to members beside those to staff: a message has a user or a member, never
both, and a member's messages go with the member.

Revision ID: e2b4d6f8a0c1
Revises: e8a0c2e4f6b8
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e2b4d6f8a0c1"
down_revision: str | None = "e8a0c2e4f6b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("family_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column(
                "notify_channel",
                sa.Enum(
                    "email",
                    "sms",
                    "none",
                    name="member_notify_channel",
                    native_enum=False,
                    create_constraint=True,
                    length=5,
                ),
                nullable=False,
                server_default="none",
            )
        )
    # The server default filled the rows there were; the model gives every new row its own.
    with op.batch_alter_table("family_member", schema=None) as batch_op:
        batch_op.alter_column("notify_channel", server_default=None)

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_member_id_family_member"),
            "family_member",
            ["member_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(batch_op.f("ix_notification_member_id"), ["member_id"], unique=False)
        batch_op.alter_column("user_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_check_constraint(
            "one_recipient", sa.text("(user_id IS NULL) <> (member_id IS NULL)")
        )


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

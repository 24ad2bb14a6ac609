"""Messages from the family to the plan lead (DESIGN §12): written by a member on the family's
pages, read by the plan lead's side, with the time it was read. And a member's language can be
any of the seven a family's can (the members migration allowed only nb, nn and en, so a member
recorded in Arabic or Somali was refused by the database). A consent can be given by a family
member on the family's pages: who (given_by_member_id), and no user recorded it.

Revision ID: a1c3e5f7b9d2
Revises: c3e5a7b9d1f3
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "a1c3e5f7b9d2"
down_revision: str | None = "c3e5a7b9d1f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGES = ("nb", "nn", "en", "ar", "so", "uk", "pl")


def upgrade() -> None:
    op.create_table(
        "family_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["family.id"],
            name=op.f("fk_family_message_family_id_family"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["family_member.id"],
            name=op.f("fk_family_message_member_id_family_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_message")),
    )
    with op.batch_alter_table("family_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_message_family_id"), ["family_id"], unique=False
        )
    # The constraint is named as the model's enum (ck_family_member_member_language by the
    # naming convention); batch mode rebuilds the table on SQLite to replace it.
    with op.batch_alter_table("family_member", schema=None) as batch_op:
        batch_op.drop_constraint("member_language", type_="check")
        batch_op.create_check_constraint(
            "member_language", sa.text(f"language IN ({', '.join(repr(c) for c in LANGUAGES)})")
        )

    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("given_by_member_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_consent_given_by_member_id_family_member"),
            "family_member",
            ["given_by_member_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.alter_column("recorded_by_id", existing_type=sa.Uuid(), nullable=True)


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

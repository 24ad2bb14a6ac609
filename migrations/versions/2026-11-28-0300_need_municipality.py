"""need-pattern reports: each need keeps the municipality where it was recorded, and the report
index covers period, domain, municipality and family

Revision ID: b3c5d7e9f1a2
Revises: 9a4b6c8d2e15
Create Date: 2026-11-28 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3c5d7e9f1a2"
down_revision: str | None = "9a4b6c8d2e15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.add_column(sa.Column("municipality_code", sa.String(length=4), nullable=True))
    # Needs recorded before this migration: where their family lives now.
    op.execute(
        "UPDATE need SET municipality_code ="
        " (SELECT family.municipality_code FROM family WHERE family.id = need.family_id)"
    )
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.alter_column(
            "municipality_code", existing_type=sa.String(length=4), nullable=False
        )
        batch_op.drop_index("ix_need_created_at_domain_family")
        batch_op.create_index(
            "ix_need_report",
            ["created_at", "domain", "municipality_code", "family_id"],
            unique=False,
        )


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

"""Whom in the family a need, goal or action concerns ("gjelder", DESIGN §12): a member, or
none for the whole family. A child's item is shown on the family's pages only to the adults
with parental responsibility and the child. Removing the member leaves the item to the whole
family (SET NULL); the plan versions keep the id they were frozen with.

Revision ID: d4f6a8c0e2b4
Revises: e2b4d6f8a0c1
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4f6a8c0e2b4"
down_revision: str | None = "e2b4d6f8a0c1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("need", "goal", "action")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("concerns_member_id", sa.Uuid(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_concerns_member_id_family_member"),
                "family_member",
                ["concerns_member_id"],
                ["id"],
                ondelete="SET NULL",
            )
            # Removing a member sets these to null: without an index that scans every row.
            batch_op.create_index(
                batch_op.f(f"ix_{table}_concerns_member_id"), ["concerns_member_id"], unique=False
            )


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

"""The family's language can also be Arabic, Somali, Ukrainian or Polish (DESIGN §12): the
language column's CHECK constraint is replaced by one that knows the seven codes.

Revision ID: f6b8d0e2a4c6
Revises: d4f6b8c0e2a4
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f6b8d0e2a4c6"
down_revision: str | None = "d4f6b8c0e2a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGES = ("nb", "nn", "en", "ar", "so", "uk", "pl")


def upgrade() -> None:
    # Every code is two letters, so the column keeps its length; only the constraint (named
    # as the model names it, ck_family_language by the naming convention) changes. Batch mode
    # rebuilds the table on SQLite, which cannot replace a constraint in place.
    with op.batch_alter_table("family", schema=None) as batch_op:
        batch_op.drop_constraint("language", type_="check")
        batch_op.create_check_constraint(
            "language", sa.text(f"language IN ({', '.join(repr(c) for c in LANGUAGES)})")
        )


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

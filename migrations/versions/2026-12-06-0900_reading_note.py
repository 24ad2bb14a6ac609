"""A follow-up reading keeps what was said about the change (a note in the family's words) and
the next review the meeting agreed on (issue 13).

Revision ID: e6f8a0b2c4d6
Revises: d5e7f9a1b3c5
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e6f8a0b2c4d6"
down_revision: str | None = "d5e7f9a1b3c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("next_review_date", sa.Date(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

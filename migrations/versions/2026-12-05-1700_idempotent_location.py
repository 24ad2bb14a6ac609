"""A stored answer to a creating request keeps its Location, so a replayed 201 says where the
created record is, as the first answer did (RFC 9110 §15.3.2).

Revision ID: c4d6e8f0a2b4
Revises: b3c5d7e9f1a2
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4d6e8f0a2b4"
down_revision: str | None = "b3c5d7e9f1a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotent_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location", sa.String(length=300), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

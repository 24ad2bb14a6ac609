"""Family mode on the caseworker's tablet (DESIGN §12): a browser session may show only one
family's own things until the worker signs in again. The session row says which family, and
the page the worker left from.

Revision ID: e8a0c2e4f6b8
Revises: a1c3e5f7b9d2
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e8a0c2e4f6b8"
down_revision: str | None = "a1c3e5f7b9d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("family_mode_family_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("family_mode_return", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_api_token_family_mode_family_id_family"),
            "family",
            ["family_mode_family_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

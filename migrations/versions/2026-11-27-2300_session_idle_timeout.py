"""browser sessions: last_seen_at for the idle timeout

Revision ID: 5b1c0d2e7a41
Revises: ce82cffc8018
Create Date: 2026-11-27 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "5b1c0d2e7a41"
down_revision: str | None = "ce82cffc8018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", app.db.UTCDateTime(timezone=True)))


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

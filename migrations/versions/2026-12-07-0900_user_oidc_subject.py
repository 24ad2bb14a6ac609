"""A staff user may be linked to the subject (``sub``) the municipality's OpenID Connect
provider knows them by, and such a user may have no password of Duk's own (issue 14).

Revision ID: f7a9b1c3d5e7
Revises: e6f8a0b2c4d6
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f7a9b1c3d5e7"
down_revision: str | None = "e6f8a0b2c4d6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch_op.alter_column("password_hash", existing_type=sa.String(length=200), nullable=True)
        batch_op.create_unique_constraint(
            batch_op.f("uq_user_account_oidc_subject"), ["oidc_subject"]
        )


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

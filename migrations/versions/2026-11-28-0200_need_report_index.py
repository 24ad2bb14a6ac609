"""need-pattern reports: an index covering period, domain and family of needs

Revision ID: 9a4b6c8d2e15
Revises: 7d2e4f9a1c03
Create Date: 2026-11-28 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9a4b6c8d2e15"
down_revision: str | None = "7d2e4f9a1c03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.create_index(
            "ix_need_created_at_domain_family",
            ["created_at", "domain", "family_id"],
            unique=False,
        )


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

"""A referral can be cancelled as entered in error (DESIGN §3, Corrections): a mapping made by
mistake, which the reports do not count as anything the family or the service decided.

Revision ID: d5e7f9a1b3c5
Revises: c4d6e8f0a2b4
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5e7f9a1b3c5"
down_revision: str | None = "c4d6e8f0a2b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTCOMES = (
    "got_help",
    "not_eligible",
    "no_capacity",
    "could_not_contact",
    "no_longer_interested",
    "referred_elsewhere",
    "entered_in_error",
)


def upgrade() -> None:
    allowed = ", ".join(f"'{code}'" for code in OUTCOMES)
    # The outcome columns are strings limited by a CHECK constraint (app/models/_types.py):
    # the constraint is replaced by one that knows the new code. Batch mode rebuilds the table
    # on SQLite, which cannot alter a constraint in place.
    for table, constraint in (
        ("referral", "referral_outcome"),
        ("referral_event", "referral_event_outcome"),
    ):
        # Named as the model names it; the naming convention makes it ck_<table>_<name>.
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(constraint, type_="check")
            batch_op.create_check_constraint(constraint, sa.text(f"outcome IN ({allowed})"))


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

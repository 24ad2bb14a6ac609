"""Corrections (DESIGN §3): a need, goal, action or referral corrected keeps its earlier wording
in the correction table; a need, goal or action written by mistake is marked entered in error
(a need's new status, and a new code of the goal's lifecycle and the action's status); a goal
gets a target date.

Revision ID: b9c1d3e5f7a9
Revises: a8b0c2d4e6f8
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db

revision: str = "b9c1d3e5f7a9"
down_revision: str | None = "a8b0c2d4e6f8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTION_STATUSES = ("planned", "in_progress", "done", "cancelled", "entered_in_error")
GOAL_LIFECYCLES = ("proposed", "active", "on-hold", "completed", "cancelled", "entered-in-error")
NEED_STATUSES = ("active", "entered_in_error")
RECORD_TYPES = ("need", "goal", "action", "referral")


def _in(column: str, codes: tuple[str, ...]) -> sa.TextClause:
    return sa.text(f"{column} IN ({', '.join(repr(code) for code in codes)})")


def upgrade() -> None:
    # The status columns are strings as long as their longest code, limited by a CHECK
    # constraint (app/models/_types.py): each grows to the new code's length and its constraint
    # is replaced by one that knows it. Batch mode rebuilds the table on SQLite, which can do
    # neither in place. Constraints are named as the model names them; the naming convention
    # makes them ck_<table>_<name>.
    for table, column, constraint in (
        ("action", "status", "action_status"),
        ("action_event", "from_status", "action_event_from"),
        ("action_event", "to_status", "action_event_to"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(constraint, type_="check")
            batch_op.alter_column(
                column,
                existing_type=sa.String(length=11),
                type_=sa.String(length=16),
                existing_nullable=column == "from_status",
            )
            batch_op.create_check_constraint(constraint, _in(column, ACTION_STATUSES))

    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_constraint("goal_lifecycle", type_="check")
        batch_op.alter_column(
            "lifecycle_status",
            existing_type=sa.String(length=9),
            type_=sa.String(length=16),
            existing_nullable=False,
        )
        batch_op.create_check_constraint("goal_lifecycle", _in("lifecycle_status", GOAL_LIFECYCLES))
        batch_op.add_column(sa.Column("target_date", sa.Date(), nullable=True))

    # Every need recorded so far stands; the default is only for them.
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="active")
        )
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=16), server_default=None)
        batch_op.create_check_constraint("need_status", _in("status", NEED_STATUSES))
        # The report reads standing needs only: the status joins the index it answers from.
        batch_op.drop_index("ix_need_report")
        batch_op.create_index(
            "ix_need_report",
            ["created_at", "domain", "municipality_code", "family_id", "status"],
            unique=False,
        )

    op.create_table(
        "correction",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("canvas_id", sa.Uuid(), nullable=False),
        sa.Column(
            "record_type",
            sa.Enum(
                *RECORD_TYPES,
                name="correction_record_type",
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["canvas_id"],
            ["canvas.id"],
            name=op.f("fk_correction_canvas_id_canvas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["family.id"],
            name=op.f("fk_correction_family_id_family"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_correction_unit_id_unit")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_correction_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction")),
    )
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_correction_canvas_id"), ["canvas_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_correction_family_id"), ["family_id"], unique=False)
        batch_op.create_index("ix_correction_record", ["record_type", "record_id"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

"""cross-sector review, follow-up and reports: plan approval and closure, handover details,
inbox marker, barrier decisions, household type and need indicators for statistics

Revision ID: 7d2e4f9a1c03
Revises: 5b1c0d2e7a41
Create Date: 2026-11-28 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "7d2e4f9a1c03"
down_revision: str | None = "5b1c0d2e7a41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOUSEHOLD_TYPES = ("single_parent", "couple_with_children", "without_children")


def upgrade() -> None:
    household_type = sa.Enum(
        *HOUSEHOLD_TYPES, name="household_type", native_enum=False, create_constraint=True
    )
    with op.batch_alter_table("family", schema=None) as batch_op:
        batch_op.add_column(sa.Column("household_type", household_type, nullable=True))
    family = sa.table(
        "family",
        sa.column("id", sa.Uuid),
        sa.column("household_single_parent", sa.Boolean),
        sa.column("household_children_birth_years", sa.JSON),
    )
    # Families made before this migration: derive the type from the stored facts.
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            family.c.id, family.c.household_single_parent, family.c.household_children_birth_years
        )
    ).all()
    for family_id, single_parent, birth_years in rows:
        children = len(birth_years or [])
        kind = (
            "without_children"
            if children == 0
            else "single_parent"
            if single_parent
            else "couple_with_children"
        )
        connection.execute(
            sa.update(sa.table("family", sa.column("id", sa.Uuid), sa.column("household_type")))
            .where(sa.column("id") == family_id)
            .values(household_type=kind)
        )
    with op.batch_alter_table("family", schema=None) as batch_op:
        batch_op.alter_column("household_type", existing_type=household_type, nullable=False)

    with op.batch_alter_table("plan_lead_change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_unit_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_lead_change_from_unit_id_unit"), "unit", ["from_unit_id"], ["id"]
        )

    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("family_approval_recorded_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("superseded_at", app.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("closed_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("outcome_note", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_family_approval_recorded_by_id_user_account"),
            "user_account",
            ["family_approval_recorded_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_closed_by_id_user_account"),
            "user_account",
            ["closed_by_id"],
            ["id"],
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("inbox_seen_at", app.db.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("barrier", schema=None) as batch_op:
        batch_op.drop_constraint("fk_barrier_approved_by_id_user_account", type_="foreignkey")
        batch_op.alter_column("approved_by_id", new_column_name="decided_by_id")
        batch_op.alter_column("approved_at", new_column_name="decided_at")
    # A second batch: on SQLite the foreign key must name the column by its new name.
    with op.batch_alter_table("barrier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_comment", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_barrier_decided_by_id_user_account"),
            "user_account",
            ["decided_by_id"],
            ["id"],
        )

    op.create_table(
        "need_indicator",
        sa.Column("need_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
            name=op.f("fk_need_indicator_need_id_need"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("need_id", "code", name=op.f("pk_need_indicator")),
    )
    with op.batch_alter_table("need_indicator", schema=None) as batch_op:
        batch_op.create_index("ix_need_indicator_code", ["code"], unique=False)
    # Needs recorded before this migration keep their codes in need.indicators (JSON).
    need = sa.table("need", sa.column("id", sa.Uuid), sa.column("indicators", sa.JSON))
    indicator = sa.table("need_indicator", sa.column("need_id", sa.Uuid), sa.column("code"))
    rows = connection.execute(sa.select(need.c.id, need.c.indicators)).all()
    values = [
        {"need_id": need_id, "code": code}
        for need_id, codes in rows
        for code in dict.fromkeys(codes or [])
    ]
    if values:
        connection.execute(sa.insert(indicator), values)


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

"""Family members (DESIGN §3 FamilyMember): name, relation, birth year, language, parental
responsibility, and optionally a national ID number, encrypted, with its keyed hash to find it
by; their sessions on the family's own pages (ID-porten, DESIGN §12); and the member an audit
event is about, when a family member did it.

Revision ID: c3e5a7b9d1f3
Revises: f6b8d0e2a4c6
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "c3e5a7b9d1f3"
down_revision: str | None = "f6b8d0e2a4c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RELATIONS = ("parent", "child", "other_adult")
LANGUAGES = ("nb", "nn", "en")


def _enum(codes: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(
        *codes,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(code) for code in codes),
    )


def upgrade() -> None:
    op.create_table(
        "family_member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("relation", _enum(RELATIONS, "member_relation"), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=False),
        sa.Column("language", _enum(LANGUAGES, "member_language"), nullable=False),
        sa.Column("parental_responsibility", sa.Boolean(), nullable=False),
        sa.Column("national_id_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("national_id_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["family.id"],
            name=op.f("fk_family_member_family_id_family"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_member")),
    )
    with op.batch_alter_table("family_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_member_family_id"), ["family_id"], unique=False)
        batch_op.create_index("ix_family_member_national_id_key", ["national_id_key"], unique=False)

    op.create_table(
        "family_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["family_member.id"],
            name=op.f("fk_family_session_member_id_family_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_family_session_token_hash")),
    )
    with op.batch_alter_table("family_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_session_member_id"), ["member_id"], unique=False
        )

    # Who in the family withdrew a consent, or approved a plan, themselves through ID-porten.
    for table, column in (
        ("consent", "withdrawn_by_member_id"),
        ("plan", "family_approved_by_member_id"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.Uuid(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_{column}_family_member"),
                "family_member",
                [column],
                ["id"],
                ondelete="SET NULL",
            )

    # An action's status changed by a family member on the family's pages: no user then.
    with op.batch_alter_table("action_event", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(sa.Column("member_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_action_event_member_id_family_member"),
            "family_member",
            ["member_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # A plain ADD COLUMN on both databases: the trail is never rebuilt (its PostgreSQL trigger
    # refuses UPDATE and DELETE, and an added column of NULLs is neither).
    op.add_column("audit_event", sa.Column("member_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("Duk migrates forward only; restore a backup to go back")

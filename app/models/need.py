from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import JSONType, enum_column_type, json_list
from app.models.enums import NeedStatus


class Need(Base):
    """A need on a canvas, in the family's words, with the template's indicator codes."""

    __tablename__ = "need"
    __table_args__ = (
        Index("ix_need_domain_created_at", "domain", "created_at"),
        # Need-pattern reports read a period's standing needs by domain, municipality and
        # family: with all five in the index, PostgreSQL answers from it alone (DESIGN §9: 1M
        # needs in < 1 s).
        Index(
            "ix_need_report",
            "created_at",
            "domain",
            "municipality_code",
            "family_id",
            "status",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    canvas_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("canvas.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("family.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(80))
    # The family's municipality when the need was recorded: statistics count a need where it
    # arose, and need-pattern reports read it here without joining every family.
    municipality_code: Mapped[str] = mapped_column(String(4))
    text: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer)
    indicators: Mapped[list[str]] = mapped_column(JSONType, default=json_list)
    # Entered in error: kept, with its history, but gone from the plan and the reports.
    status: Mapped[NeedStatus] = mapped_column(
        enum_column_type(NeedStatus, "need_status"), default=NeedStatus.active
    )
    # Whom in the family it concerns ("gjelder"); none: the whole family. A child's item is
    # shown on the family's pages only to the adults with parental responsibility and the
    # child (DESIGN §12; app/family/visibility.py).
    concerns_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("family_member.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Optimistic concurrency: every UPDATE carries "AND version = <read version>".
    __mapper_args__ = {"version_id_col": version}


class NeedIndicator(Base):
    """One row per indicator code of a need: the structured field need-pattern reports group
    by (DESIGN §7), kept in step with ``Need.indicators`` by the canvases service."""

    __tablename__ = "need_indicator"
    __table_args__ = (Index("ix_need_indicator_code", "code"),)

    need_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("need.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(80), primary_key=True)

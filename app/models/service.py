from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, new_id, utcnow
from app.models._types import JSONType, enum_column_type, json_list
from app.models.enums import ServiceStatus, UnitLevel


class Service(Base):
    """A catalogue entry, with Open Referral (HSDS) field names. Defunct services are kept so
    that old plans that name them stay valid."""

    __tablename__ = "service"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    alternate_name: Mapped[str | None] = mapped_column(String(200))
    provider_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    level: Mapped[UnitLevel] = mapped_column(enum_column_type(UnitLevel, "service_level"))
    status: Mapped[ServiceStatus] = mapped_column(
        enum_column_type(ServiceStatus, "service_status"), default=ServiceStatus.active
    )
    description: Mapped[str] = mapped_column(Text)
    eligibility_description: Mapped[str | None] = mapped_column(Text)
    application_process: Mapped[str | None] = mapped_column(Text)
    fees_description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(200))
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)
    domains: Mapped[list[str]] = mapped_column(JSONType, default=json_list)
    indicators: Mapped[list[str]] = mapped_column(JSONType, default=json_list)
    translations: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Optimistic concurrency: every UPDATE carries "AND version = <read version>".
    __mapper_args__ = {"version_id_col": version}

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from app.kit.schema import NO_NUL, In
from app.models.enums import Role, UnitLevel


class TokenCreate(In):
    username: Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=NO_NUL)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    # Where the installation requires a second factor (in production): the 6-digit code from
    # the user's authenticator app, or one of their recovery codes. Ignored elsewhere.
    totp: Annotated[str | None, StringConstraints(min_length=1, max_length=40)] = None


class TokenOut(BaseModel):
    token: str
    expires_at: datetime


class UnitBrief(BaseModel):
    id: uuid.UUID
    slug: str
    name: str


class MeOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    units: list[UnitBrief]


class UnitOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    level: UnitLevel
    municipality_code: str | None
    parent_id: uuid.UUID | None


class HealthOut(BaseModel):
    status: str
    database: str

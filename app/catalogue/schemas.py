"""The catalogue's services as the API gives them, and the suggestions for a need."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from pydantic import BaseModel

from app.models.enums import (
    ServiceStatus,
    UnitLevel,
)


class ServiceOut(BaseModel):
    id: uuid.UUID
    key: str
    name: str
    alternate_name: str | None
    provider_unit_id: uuid.UUID
    provider_name: str
    level: UnitLevel
    status: ServiceStatus
    description: str
    eligibility_description: str | None
    application_process: str | None
    fees_description: str | None
    url: str | None
    minimum_age: int | None
    maximum_age: int | None
    domains: list[str]
    indicators: list[str]
    translations: dict[str, Any]


class AgeFit(enum.StrEnum):
    """Whether someone in the household is of an age the service takes: a child's age is
    known from the birth year; an adult's is not recorded, only that they are grown up."""

    fits = "fits"
    no_age_limit = "no_age_limit"
    adult_maybe = "adult_maybe"
    nobody = "nobody"


class Suggestion(BaseModel):
    service: ServiceOut
    score: int
    matched_domain: bool
    matched_indicators: list[str]
    age_fit: AgeFit

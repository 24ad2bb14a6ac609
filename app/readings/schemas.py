from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator

from app.kit.i18n import local_today
from app.kit.schema import Code, In, Score


class ScorePair(In):
    """One domain of a reading: the family's score and the worker's, each 1–10 or not given."""

    family: Score | None = None
    worker: Score | None = None


class ReadingCreate(In):
    taken_on: date
    scores: dict[Code, ScorePair] = Field(max_length=50)

    @field_validator("taken_on")
    @classmethod
    def _not_in_future(cls, taken_on: date) -> date:
        if taken_on > local_today():
            raise ValueError("A reading cannot be taken in the future")
        return taken_on


class ScorePairOut(BaseModel):
    family: int | None
    worker: int | None


class ReadingAuthor(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str


class ReadingOut(BaseModel):
    id: uuid.UUID
    family_id: uuid.UUID
    number: int
    taken_on: date
    scores: dict[str, ScorePairOut]
    created_by: ReadingAuthor
    created_at: datetime

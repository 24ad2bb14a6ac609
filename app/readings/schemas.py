from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from app.kit.i18n import local_today
from app.kit.schema import NO_NUL, Code, In, Score

# A few sentences of what was said at the meeting, not a case file: shorter than the API's
# general limit for free text (DESIGN §8).
NOTE_MAX = 2000
ReadingNote = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=NOTE_MAX, pattern=NO_NUL)
]


class ScorePair(In):
    """One domain of a reading: the family's score and the worker's, each 1–10 or not given."""

    family: Score | None = None
    worker: Score | None = None


class ReadingCreate(In):
    taken_on: date
    scores: dict[Code, ScorePair] = Field(max_length=50)
    note: ReadingNote | None = Field(
        default=None,
        description="What the family and the caseworker said about the change, in the "
        f"family's words (at most {NOTE_MAX} characters). Lead side only, like the scores.",
    )
    next_review_date: date | None = Field(
        default=None,
        description="The next review agreed at the meeting, after taken_on: it becomes the "
        "next review date of the canvas the family is followed up on (the one its plan in "
        "force was made from, else its newest).",
    )

    @field_validator("taken_on")
    @classmethod
    def _not_in_future(cls, taken_on: date) -> date:
        if taken_on > local_today():
            raise ValueError("A reading cannot be taken in the future")
        return taken_on

    @field_validator("next_review_date")
    @classmethod
    def _after_the_meeting(cls, when: date | None, info: ValidationInfo) -> date | None:
        taken_on = info.data.get("taken_on")  # absent when it was refused itself
        if when is not None and isinstance(taken_on, date) and when <= taken_on:
            raise ValueError("The next review must be after the date of the meeting")
        return when


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
    note: str | None = Field(description="What was said about the change, as written")
    next_review_date: date | None = Field(
        description="The next review this meeting set on the canvas; null if it set none"
    )
    created_by: ReadingAuthor
    created_at: datetime

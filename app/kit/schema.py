"""Base classes and field types for API schemas."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# DESIGN §8: a free-text field holds at most 10,000 characters.
MAX_TEXT = 10_000

FreeText = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
RequiredText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Score = Annotated[int, Field(ge=1, le=10)]
Id = uuid.UUID


class In(BaseModel):
    """A request body: unknown fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)

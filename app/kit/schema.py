"""Base classes and field types for API schemas."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# DESIGN §8: a free-text field holds at most 10,000 characters.
MAX_TEXT = 10_000

# PostgreSQL text cannot hold a NUL character: refuse it as invalid input (422) instead of
# failing on the write (500). Found by fuzzing the API on PostgreSQL.
NO_NUL = r"^[^\x00]*$"

FreeText = Annotated[str, StringConstraints(max_length=MAX_TEXT, pattern=NO_NUL)]
RequiredText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT, pattern=NO_NUL)]
# One e-mail address, as an SMTP server takes it: something@host, no spaces, no angle brackets.
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=254,
        pattern=r"^[^@\s<>,;\x00]+@[^@\s<>,;\x00]+\.[^@\s<>,;\x00]+$",
    ),
]
# A phone number in international form or Norwegian eight digits: + and 8 to 15 digits.
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9]{8,15}$")]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
]
MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=NO_NUL)]
Score = Annotated[int, Field(ge=1, le=10)]
Id = uuid.UUID
# Whom in the family a need, goal or action concerns ("gjelder", DESIGN §12); null: the whole
# family.
ConcernsMember = Annotated[
    uuid.UUID | None,
    Field(
        description="The family member it concerns (gjelder); null: the whole family. A "
        "child's is shown on the family's pages only to the adults with parental "
        "responsibility and to the child"
    ),
]


class In(BaseModel):
    """A request body: unknown fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)

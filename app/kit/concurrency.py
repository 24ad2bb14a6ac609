"""Optimistic concurrency over HTTP: ``ETag`` is the record's version, ``If-Match`` must carry
it on every update (DESIGN §8)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header, Response

from app.kit.errors import BadRequest, PreconditionFailed, PreconditionRequired

# One entity tag of an If-Match list: "7", W/"7", or the bare 7 (DESIGN §8). At most 9 digits:
# versions are INTEGER columns, and a bigger number could never match one.
_TAG = re.compile(r'^(W/)?"?([0-9]{1,9})"?$')


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def expected_version(if_match: str | None, current: int) -> int:
    """The version an update may proceed from, by RFC 9110 If-Match: ``*`` or a list of entity
    tags, compared strongly (a weak tag ``W/"7"`` never matches). Returns the record's current
    version when the header matches it (the update then makes sure nobody changed the record
    meanwhile); 412 when it does not, 428 when it is missing, 400 when it is not one."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "Send If-Match with the version you edited (the ETag of your last read)."
        )
    if if_match.strip() == "*":
        return current
    strong: list[int] = []
    for part in if_match.split(","):
        match = _TAG.match(part.strip())
        if match is None:
            raise BadRequest('If-Match must be the record\'s version as an entity tag, like "7".')
        if match.group(1) is None:
            strong.append(int(match.group(2)))
    if current in strong:
        return current
    raise PreconditionFailed(
        f"The record is at version {current}; If-Match names another version (or only a weak "
        "tag, which never matches an update). Reload it, merge and try again."
    )


def check_version(current: int, expected: int) -> None:
    if current != expected:
        raise PreconditionFailed(
            f"The record is at version {current}; you edited version {expected}. "
            "Reload it, merge and try again."
        )


IfMatch = Annotated[str | None, Header(alias="If-Match")]

"""Optimistic concurrency over HTTP: ``ETag`` is the record's version, ``If-Match`` must carry
it on every update (DESIGN §8)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header, Response

from app.kit.errors import BadRequest, PreconditionFailed, PreconditionRequired

# At most 9 digits: versions are INTEGER columns, and a bigger number could never match one.
_TAG = re.compile(r'^\s*(?:W/)?"?([0-9]{1,9})"?\s*$')


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def expected_version(if_match: str | None) -> int:
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "Send If-Match with the version you edited (the ETag of your last read)."
        )
    match = _TAG.match(if_match)
    if match is None:
        raise BadRequest('If-Match must be the record\'s version as an entity tag, like "7".')
    return int(match.group(1))


def check_version(current: int, expected: int) -> None:
    if current != expected:
        raise PreconditionFailed(
            f"The record is at version {current}; you edited version {expected}. "
            "Reload it, merge and try again."
        )


IfMatch = Annotated[str | None, Header(alias="If-Match")]

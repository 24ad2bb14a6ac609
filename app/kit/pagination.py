"""``{items, next}`` pages for lists that can grow without bound (DESIGN §8)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from app.kit.errors import Invalid

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        kind, _, value = raw.partition(":")
        offset = int(value)
        if kind != "o" or offset < 0:
            raise ValueError(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Invalid.field("query.cursor", "Not a cursor from this API") from exc
    return offset


def encode_keyset(at: datetime, row_id: int) -> str:
    """A cursor that points after one row of a newest-first list, by its (time, id) key."""
    raw = f"k:{at.isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_keyset(cursor: str | None) -> tuple[datetime, int] | None:
    # A keyset cursor, not an offset, for lists that grow at the top while a client pages
    # through them (the audit trail grows by one event each time a page of it is read): an
    # offset would then repeat an item on every page.
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        kind, _, value = raw.partition(":")
        at_text, _, id_text = value.rpartition("|")
        at, row_id = datetime.fromisoformat(at_text), int(id_text)
        if kind != "k" or at.tzinfo is None:
            raise ValueError(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Invalid.field("query.cursor", "Not a cursor from this API") from exc
    return at, row_id


Cursor = Annotated[str | None, Query(max_length=100, description="Opaque cursor from `next`")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]

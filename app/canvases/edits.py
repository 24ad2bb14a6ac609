"""Saving what a worker changed on a canvas that may have moved on since their screen was
drawn: the tablet's autosave, the domain form and the sections of the canvas page all save
through here, so two people on one duk never overwrite each other unseen.

A field is saved when nobody else changed it since the worker's edit began (its stored value
is still the edit's ``base``); a field someone else changed is a conflict, and then nothing is
written. A refusal writes nothing: ``patch_canvas`` validates before its one conditional
UPDATE, so the caller has nothing to roll back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.scope import FamilyScope
from app.canvases import service as canvas_service
from app.canvases.merge import merge_text
from app.canvases.schemas import CanvasOut, CanvasPatch
from app.kit.errors import FieldError, Invalid, PreconditionFailed
from app.models import Canvas

TEXT_PARTS = ("situation", "strengths")


@dataclass(frozen=True, slots=True)
class Change:
    """One field the worker changed, and the value their edit started from."""

    field: str
    value: Any
    base: Any = None
    has_base: bool = False


@dataclass(frozen=True, slots=True)
class Conflict:
    change: Change
    theirs: Any
    # For a text: the three-way merge with both versions of the sentences both changed, which
    # "Merge both" offers; None for a score or a list.
    merged: str | None = None


@dataclass(frozen=True, slots=True)
class Saved:
    """What a save did: nothing but the conflicts, when there are any; else the fields saved
    as a merge of the worker's edit and someone else's, with the text that was saved."""

    conflicts: list[Conflict] = field(default_factory=list)
    merged: dict[str, str] = field(default_factory=dict)


def _patch_for(changes: list[Change]) -> CanvasPatch:
    """The API's patch document for the changes (validated exactly like the API's)."""
    data: dict[str, Any] = {}
    for change in changes:
        if change.field == "centre.what_matters":
            data["centre"] = {"what_matters": change.value}
        else:
            _, key, part = change.field.split(".")
            data.setdefault("domains", {}).setdefault(key, {})[part] = change.value
    return CanvasPatch.model_validate(data)


def _stored(session: Session, canvas: Canvas, field: str) -> Any:
    if field == "centre.what_matters":
        return canvas.what_matters
    _, key, part = field.split(".")
    for row in canvas_service.domain_rows(session, canvas):
        if row.domain_key == key:
            return getattr(row, part)
    raise Invalid([FieldError("field", f"Unknown domain {key!r}")])


def same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n") == b.replace("\r\n", "\n")
    return bool(a == b)


def save_changes(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    canvas: Canvas,
    changes: list[Change],
    version: int,
) -> Saved:
    """Save the changes made on ``version`` of the canvas. When the canvas has moved on since,
    a field that nobody else touched (its stored value is still the editor's ``base``) is saved
    on the current version: no false conflict. A text someone else changed too is merged from
    the base both started from: changes to different sentences are saved together. Where both
    changed the same sentence, or a score or list, it is a conflict, and nothing is written."""
    patch = _patch_for(changes)  # bad input is a 422 before anything is compared
    merged: dict[str, str] = {}
    for attempt in range(2):
        if canvas.version != version:
            todo: list[Change] = []
            conflicts: list[Conflict] = []
            merged = {}
            for change in changes:
                stored = _stored(session, canvas, change.field)
                if same(stored, change.value):
                    continue
                untouched = same(stored, change.base) if change.has_base else False
                if not change.has_base and not _is_text(change.field):
                    untouched = True  # a tap on a score or a toggle: the last tap wins
                if untouched:
                    todo.append(change)
                    continue
                if not (change.has_base and _is_text(change.field)):
                    conflicts.append(Conflict(change, stored))
                    continue
                result = merge_text(str(change.base or ""), str(stored), str(change.value))
                if result.clean:
                    merged[change.field] = result.text
                    todo.append(Change(change.field, result.text, stored, has_base=True))
                else:
                    conflicts.append(Conflict(change, stored, result.text))
            if conflicts:
                return Saved(conflicts=conflicts)
            if not todo:
                return Saved()
            patch = _patch_for(todo)
        try:
            canvas_service.patch_canvas(session, actor, scope, canvas, patch, canvas.version)
        except PreconditionFailed:
            # Another save won the race between our read and our write; read again, once.
            if attempt:
                raise
            session.expire_all()
            continue
        return Saved(merged=merged)
    return Saved()  # pragma: no cover - the loop returns or raises


def _is_text(name: str) -> bool:
    return name == "centre.what_matters" or name.endswith(TEXT_PARTS)


def fingerprint(value: Any) -> str:
    """What a section looked like when the form was drawn: a stale ``version`` is only a
    conflict when this section itself has changed since (an autosave of the centre text moves
    the version on too, and must not make these forms fail)."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def save_section(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    canvas: Canvas,
    patch: CanvasPatch,
    version: int,
    base: str,
    current: Callable[[CanvasOut], Any],
) -> bool:
    """Save the section; False (nothing written) when someone else changed it meanwhile."""
    for attempt in range(2):
        if canvas.version != version:
            doc = canvas_service.canvas_document(session, canvas)
            if fingerprint(current(doc)) != base:
                return False
        try:
            canvas_service.patch_canvas(session, actor, scope, canvas, patch, canvas.version)
        except PreconditionFailed:
            if attempt:
                return False
            session.expire_all()
            continue
        return True
    return False  # pragma: no cover - the loop returns

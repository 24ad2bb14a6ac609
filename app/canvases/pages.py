"""Pages of the canvases room (HTML for the browser; the JSON API is in routes.py): the duk
itself, the domain editor, and the autosave the tablet uses while the worker types."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import Reach, can_edit_case
from app.access.scope import FamilyScope, record_scope
from app.canvases import service as canvas_service
from app.canvases.schemas import CanvasOut, CanvasPatch, ParticipantRole
from app.canvases.template_schema import CanvasTemplateDef
from app.kit.errors import FieldError, Invalid, NotFound, PreconditionFailed
from app.kit.i18n import long_date, request_language
from app.kit.templating import render
from app.models import Canvas
from app.models.enums import UnitLevel
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

TEXT_PARTS = ("situation", "strengths")
DOMAIN_PARTS = (*TEXT_PARTS, "family_score", "worker_score", "indicators")
FIELD = re.compile(
    r"^(?:centre\.what_matters|domains\.[a-z][a-z0-9_]{0,79}\."
    r"(?:situation|strengths|family_score|worker_score|indicators))$"
)
EXCERPT = 110  # characters of the family's own words on a domain tile

# The outer ring: where a service comes from. Templates may name ring categories, but services
# carry no ring key yet, so the ring groups by the level of the service's provider.
RING_GROUPS = (
    ("municipal", (UnitLevel.municipal,)),
    ("state", (UnitLevel.regional, UnitLevel.state)),
    ("voluntary", (UnitLevel.voluntary, UnitLevel.private)),
    ("outside", (None,)),
)


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


class AutosaveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    field: str = Field(max_length=200, pattern=FIELD.pattern)
    value: Any = None
    base: Any = None


def _canvas_scope(
    session: Session, actor: Actor, canvas_id: uuid.UUID
) -> tuple[Canvas, FamilyScope]:
    return record_scope(session, actor, Canvas, canvas_id, "canvas", Reach.case)


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


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n") == b.replace("\r\n", "\n")
    return bool(a == b)


def _save(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    canvas: Canvas,
    changes: list[Change],
    version: int,
) -> list[Conflict]:
    """Save the changes made on ``version`` of the canvas. When the canvas has moved on since,
    a field that nobody else touched (its stored value is still the editor's ``base``) is saved
    on the current version: no false conflict. A field someone else changed is a conflict, and
    then nothing is written."""
    patch = _patch_for(changes)  # bad input is a 422 before anything is compared
    for attempt in range(2):
        if canvas.version != version:
            todo: list[Change] = []
            conflicts: list[Conflict] = []
            for change in changes:
                stored = _stored(session, canvas, change.field)
                if _same(stored, change.value):
                    continue
                untouched = _same(stored, change.base) if change.has_base else False
                if not change.has_base and not change.field.endswith(TEXT_PARTS):
                    untouched = True  # a tap on a score or a toggle: the last tap wins
                if untouched:
                    todo.append(change)
                else:
                    conflicts.append(Conflict(change, stored))
            if conflicts:
                return conflicts
            if not todo:
                return []
            patch = _patch_for(todo)
        try:
            canvas_service.patch_canvas(session, actor, scope, canvas, patch, canvas.version)
        except PreconditionFailed:
            # Another save won the race between our read and our write; read again, once.
            if attempt:
                raise
            session.expire_all()
            continue
        return []
    return []  # pragma: no cover - the loop returns or raises


# --- the duk --------------------------------------------------------------------------------


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= EXCERPT:
        return text
    return text[:EXCERPT].rsplit(" ", 1)[0] + "…"


@router.get("/canvases/{canvas_id}", name="canvas_page")
def canvas_page(
    request: Request,
    canvas_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    saved: Annotated[str | None, Query(max_length=80)] = None,
) -> HTMLResponse:
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    return render(
        request,
        "canvases/canvas.html",
        _canvas_context(request, session, actor, canvas, scope, saved),
    )


def _canvas_context(
    request: Request,
    session: Session,
    actor: Actor,
    canvas: Canvas,
    scope: FamilyScope,
    saved: str | None = None,
) -> dict[str, Any]:
    lang = request_language(request)
    doc = canvas_service.read_canvas(session, actor, canvas)
    template = canvas_service.template_of(session, canvas)
    ring = canvas_service.ring_entries(session, canvas)
    needs_by_domain: dict[str, int] = {}
    for need in doc.needs:
        needs_by_domain[need.domain] = needs_by_domain.get(need.domain, 0) + 1
    groups = [
        (key, [entry for entry in ring if entry.level in levels]) for key, levels in RING_GROUPS
    ]
    saved_domain = template.domain(saved) if saved else None
    return {
        **_root_context(canvas, scope, doc, template),
        "needs_by_domain": needs_by_domain,
        "ring_groups": [(key, entries) for key, entries in groups if entries],
        "ring_count": len(ring),
        "excerpts": {key: _excerpt(d.situation) for key, d in doc.domains.items()},
        "saved_domain": saved_domain,
        "saved_section": saved if saved in ("participants", "period") else None,
        "roles": [role.value for role in ParticipantRole],
        "participant_rows": [{**_participant_row(p), "origin": "saved"} for p in doc.participants]
        + [_new_row(), _new_row()],
        "participant_errors": {},
        "participants_base": _fingerprint(doc.participants),
        "period_form": {
            "from": _iso(doc.period.from_),
            "to": _iso(doc.period.to),
            "next_review": _iso(doc.next_review_date),
        },
        "period_errors": {},
        "period_base": _fingerprint(_period_of(doc)),
        "period_dates": {
            "from": long_date(doc.period.from_, lang),
            "to": long_date(doc.period.to, lang),
            "next_review": long_date(doc.next_review_date, lang),
        },
        "section_conflict": None,
    }


def _root_context(
    canvas: Canvas, scope: FamilyScope, doc: CanvasOut, template: CanvasTemplateDef
) -> dict[str, Any]:
    return {
        "canvas": canvas,
        "doc": doc,
        "family": scope.family,
        "template": template,
        "can_edit": can_edit_case(scope.access),
    }


# --- who takes part, and the plan period --------------------------------------------------


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _participant_row(p: dict[str, Any]) -> dict[str, str]:
    return {
        "name": str(p.get("name") or ""),
        "role": str(p.get("role") or ""),
        "unit_id": str(p.get("unit_id") or ""),
    }


def _new_row() -> dict[str, str]:
    return {"name": "", "role": "", "unit_id": "", "origin": "new", "remove": ""}


def _period_of(doc: CanvasOut) -> dict[str, str]:
    return {
        "from": _iso(doc.period.from_),
        "to": _iso(doc.period.to),
        "next_review": _iso(doc.next_review_date),
    }


def _fingerprint(value: Any) -> str:
    """What a section looked like when the form was drawn: a stale ``version`` is only a
    conflict when this section itself has changed since (an autosave of the centre text moves
    the version on too, and must not make these forms fail)."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _save_section(
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
            if _fingerprint(current(doc)) != base:
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


def _rerender_section(
    request: Request,
    session: Session,
    actor: Actor,
    canvas_id: uuid.UUID,
    updates: dict[str, Any],
    status_code: int,
) -> HTMLResponse:
    session.rollback()
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    context = _canvas_context(request, session, actor, canvas, scope)
    context.update(updates)
    return render(request, "canvases/canvas.html", context, status_code=status_code)


@router.post("/canvases/{canvas_id}/participants", name="canvas_participants")
def canvas_participants(
    request: Request,
    canvas_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    version: Annotated[int, Form(ge=1)],
    base: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies it
    role: Annotated[list[str], Form()] = [],  # noqa: B006
    unit_id: Annotated[list[str], Form()] = [],  # noqa: B006
    origin: Annotated[list[str], Form()] = [],  # noqa: B006
    remove: Annotated[list[str], Form()] = [],  # noqa: B006 - row numbers ticked "Remove"
) -> Response:
    """Replace the list of who takes part: kept rows, minus those ticked, plus new names."""
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    rows: list[dict[str, str]] = []
    for i, typed in enumerate(name):
        rows.append(
            {
                "name": typed.strip(),
                "role": role[i] if i < len(role) else "",
                "unit_id": unit_id[i] if i < len(unit_id) else "",
                "origin": origin[i] if i < len(origin) and origin[i] == "saved" else "new",
                "remove": "1" if str(i) in remove else "",
            }
        )
    roles = {r.value for r in ParticipantRole}
    errors: dict[str, str] = {}
    kept: list[tuple[int, dict[str, Any]]] = []
    for i, row in enumerate(rows):
        if row["remove"]:
            continue
        if row["origin"] == "new" and not row["name"]:
            continue  # an empty row for adding someone, left empty
        if not row["name"]:
            errors[f"{i}-name"] = "name_missing"
        elif len(row["name"]) > 200:
            errors[f"{i}-name"] = "name_long"
        if row["role"] not in roles:
            errors[f"{i}-role"] = "role_missing"
        entry: dict[str, Any] = {"name": row["name"], "role": row["role"]}
        if row["unit_id"]:
            entry["unit_id"] = row["unit_id"]
        kept.append((i, entry))
    saved = False
    if not errors:
        try:
            patch = CanvasPatch.model_validate({"participants": [e for _, e in kept]})
        except ValidationError as exc:
            for e in exc.errors():
                loc = e["loc"]
                if len(loc) >= 3 and isinstance(loc[1], int):
                    errors[f"{kept[loc[1]][0]}-{loc[2]}"] = "invalid"
                else:
                    errors["form"] = "invalid"
        else:
            saved = _save_section(
                session, actor, scope, canvas, patch, version, base, lambda d: d.participants
            )
            if saved:
                return RedirectResponse(
                    f"/canvases/{canvas.id}?saved=participants#participants", status_code=303
                )
    updates: dict[str, Any] = {
        "participant_rows": rows or [_new_row()],
        "participant_errors": errors,
    }
    if not errors:
        updates["section_conflict"] = "participants"
    return _rerender_section(request, session, actor, canvas_id, updates, 422 if errors else 409)


def _date_field(raw: str) -> date | None | str:
    """A date from ``<input type="date">``: None when empty, the raw text when unreadable."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return raw


@router.post("/canvases/{canvas_id}/period", name="canvas_period")
def canvas_period(
    request: Request,
    canvas_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    version: Annotated[int, Form(ge=1)],
    base: Annotated[str, Form(max_length=64)] = "",
    period_from: Annotated[str, Form(max_length=40)] = "",
    period_to: Annotated[str, Form(max_length=40)] = "",
    next_review: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """The period the plan covers and the date of the next review."""
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    typed = {
        "from": period_from.strip(),
        "to": period_to.strip(),
        "next_review": next_review.strip(),
    }
    dates = {key: _date_field(value) for key, value in typed.items()}
    errors = {key: "date" for key, value in dates.items() if isinstance(value, str)}
    start, end = dates["from"], dates["to"]
    if isinstance(start, date) and isinstance(end, date) and end < start:
        errors["to"] = "order"
    if not errors:
        patch = CanvasPatch.model_validate(
            {
                "period": {"from": dates["from"], "to": dates["to"]},
                "next_review_date": dates["next_review"],
            }
        )
        if _save_section(session, actor, scope, canvas, patch, version, base, _period_of):
            return RedirectResponse(
                f"/canvases/{canvas.id}?saved=period#plan-period", status_code=303
            )
    updates: dict[str, Any] = {"period_form": typed, "period_errors": errors}
    if not errors:
        updates["section_conflict"] = "period"
    return _rerender_section(request, session, actor, canvas_id, updates, 422 if errors else 409)


# --- the domain editor ----------------------------------------------------------------------


def _domain_context(
    session: Session,
    canvas: Canvas,
    scope: FamilyScope,
    doc: CanvasOut,
    template: CanvasTemplateDef,
    key: str,
) -> dict[str, Any]:
    domain = template.domain(key)
    if domain is None:
        raise NotFound("No such domain.")
    keys = template.domain_keys()
    i = keys.index(key)
    stored = doc.domains[key]
    values = stored.model_dump()
    return {
        **_root_context(canvas, scope, doc, template),
        "domain": domain,
        "key": key,
        "previous": template.domain(keys[i - 1]) if i > 0 else None,
        "next": template.domain(keys[i + 1]) if i + 1 < len(keys) else None,
        "position": i + 1,
        "domain_count": len(keys),
        "values": values,
        "bases": values,
        "version": canvas.version,
        "errors": {},
        "conflicts": {},
        "needs": [n for n in doc.needs if n.domain == key],
    }


@router.get("/canvases/{canvas_id}/domains/{domain_key}", name="domain_page")
def domain_page(
    request: Request,
    canvas_id: uuid.UUID,
    domain_key: str,
    actor: PageActor,
    session: SessionDep,
) -> HTMLResponse:
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    template = canvas_service.template_of(session, canvas)
    if template.domain(domain_key) is None:
        raise NotFound("No such domain.")
    doc = canvas_service.read_canvas(session, actor, canvas)
    context = _domain_context(session, canvas, scope, doc, template, domain_key)
    return render(request, "canvases/domain.html", context)


def _score(raw: str) -> int | str | None:
    """A score from a radio group: empty is "not scored"; anything else must be a number
    (the schema then checks the range)."""
    raw = raw.strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() else raw


@router.post("/canvases/{canvas_id}/domains/{domain_key}", name="domain_save")
def domain_save(
    request: Request,
    canvas_id: uuid.UUID,
    domain_key: str,
    actor: PageActor,
    session: SessionDep,
    version: Annotated[int, Form(ge=1)],
    situation: Annotated[str, Form()] = "",
    strengths: Annotated[str, Form()] = "",
    family_score: Annotated[str, Form(max_length=4)] = "",
    worker_score: Annotated[str, Form(max_length=4)] = "",
    indicators: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies it
    base_situation: Annotated[str, Form()] = "",
    base_strengths: Annotated[str, Form()] = "",
    base_family_score: Annotated[str, Form(max_length=4)] = "",
    base_worker_score: Annotated[str, Form(max_length=4)] = "",
    base_indicators: Annotated[str, Form(max_length=6000)] = "",
) -> Response:
    """The domain form without JavaScript: saves what the worker changed, then back to the duk."""
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    template = canvas_service.template_of(session, canvas)
    if template.domain(domain_key) is None:
        raise NotFound("No such domain.")
    prefix = f"domains.{domain_key}."
    mine: dict[str, Any] = {
        "situation": situation.replace("\r\n", "\n"),
        "strengths": strengths.replace("\r\n", "\n"),
        "family_score": _score(family_score),
        "worker_score": _score(worker_score),
        "indicators": list(dict.fromkeys(indicators)),
    }
    bases: dict[str, Any] = {
        "situation": base_situation.replace("\r\n", "\n"),
        "strengths": base_strengths.replace("\r\n", "\n"),
        "family_score": _score(base_family_score),
        "worker_score": _score(base_worker_score),
        "indicators": base_indicators.split(),
    }
    changes = [
        Change(prefix + part, mine[part], bases[part], has_base=True)
        for part in DOMAIN_PARTS
        if not _same(mine[part], bases[part])
    ]
    errors: dict[str, str] = {}
    conflicts: list[Conflict] = []
    try:
        if changes:
            conflicts = _save(session, actor, scope, canvas, changes, version)
    except ValidationError as exc:
        errors = {_form_field(e["loc"]): e["msg"] for e in exc.errors()}
    except Invalid as exc:
        errors = {e.field.rsplit(".", 1)[-1].split("[")[0]: e.message for e in exc.errors}
    if not errors and not conflicts:
        return RedirectResponse(
            f"/canvases/{canvas.id}?saved={domain_key}#domain-{domain_key}", status_code=303
        )
    session.rollback()
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    doc = canvas_service.canvas_document(session, canvas)
    context = _domain_context(session, canvas, scope, doc, template, domain_key)
    context["values"] = mine
    context["errors"] = errors
    if conflicts:
        # The worker's text stays in the form; the other text is shown beside it, and the
        # bases move to what is stored now, so saving again keeps the worker's version.
        context["conflicts"] = {c.change.field.rsplit(".", 1)[-1]: c.theirs for c in conflicts}
    return render(request, "canvases/domain.html", context, status_code=409 if conflicts else 422)


def _form_field(loc: tuple[int | str, ...]) -> str:
    """The form field a schema error is about: ("domains", "bolig", "family_score") -> ..."""
    names = [str(p) for p in loc if isinstance(p, str)]
    return names[-1] if names else "form"


# --- autosave -------------------------------------------------------------------------------


def _problem(status: int, errors: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=status)


@router.patch("/canvases/{canvas_id}/autosave", name="canvas_autosave")
def canvas_autosave(
    canvas_id: uuid.UUID,
    payload: Annotated[Any, Body()],
    actor: PageActor,
    session: SessionDep,
) -> Response:
    """One field of the canvas, as the worker types: 200 ``{"version": n}``; 409 with both
    texts when someone else changed the same field; 422 for bad input."""
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    try:
        body = AutosaveIn.model_validate(payload)
    except ValidationError as exc:
        return _problem(
            422, [{"field": _form_field(e["loc"]), "message": e["msg"]} for e in exc.errors()]
        )
    if body.field.startswith("domains."):
        key = body.field.split(".")[1]
        if canvas_service.template_of(session, canvas).domain(key) is None:
            return _problem(422, [{"field": "field", "message": f"Unknown domain {key!r}"}])
    change = Change(body.field, body.value, body.base, has_base="base" in body.model_fields_set)
    try:
        conflicts = _save(session, actor, scope, canvas, [change], body.version)
    except ValidationError as exc:
        return _problem(422, [{"field": "value", "message": e["msg"]} for e in exc.errors()])
    except Invalid as exc:
        return _problem(422, [{"field": "value", "message": e.message} for e in exc.errors])
    if conflicts:
        return JSONResponse(
            {
                "conflict": True,
                "field": body.field,
                "yours": body.value,
                "theirs": conflicts[0].theirs,
                "version": canvas.version,
            },
            status_code=409,
        )
    return JSONResponse({"version": canvas.version, "field": body.field})

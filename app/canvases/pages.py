"""The duk itself as a page (the centre, the domains as tiles, the services in the outer
ring), and its sections saved by form: who takes part and the plan period. The domain editor
and the autosave are in domain_pages.py; the JSON API in routes.py."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.scope import canvas_scope
from app.canvases import edits
from app.canvases import service as canvas_service
from app.canvases.schemas import CanvasOut, CanvasPatch, ParticipantRole, ParticipantsForm
from app.catalogue import template_store
from app.kit.i18n import long_date, request_language
from app.kit.templating import render
from app.models import Canvas
from app.models.enums import UnitLevel
from app.web.case import Asked, case_context
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

EXCERPT = 110  # characters of the family's own words on a domain tile

# The outer ring: where a service comes from. Templates may name ring categories, but services
# carry no ring key yet, so the ring groups by the level of the service's provider.
RING_GROUPS = (
    ("municipal", (UnitLevel.municipal,)),
    ("state", (UnitLevel.regional, UnitLevel.state)),
    ("voluntary", (UnitLevel.voluntary, UnitLevel.private)),
    ("outside", (None,)),
)


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
    canvas, scope = canvas_scope(session, actor, canvas_id)
    return render(
        request,
        "canvases/canvas.html",
        _canvas_context(Asked(request, session, actor, scope), canvas, saved),
    )


def _canvas_context(
    asked: Asked,
    canvas: Canvas,
    saved: str | None = None,
) -> dict[str, Any]:
    request, session, actor, scope = asked
    lang = request_language(request)
    doc = canvas_service.read_canvas(session, actor, canvas)
    template = template_store.template_of(session, canvas)
    ring = canvas_service.ring_entries(session, canvas)
    needs_by_domain: dict[str, int] = {}
    for need in doc.needs:
        needs_by_domain[need.domain] = needs_by_domain.get(need.domain, 0) + 1
    groups = [
        (key, [entry for entry in ring if entry.level in levels]) for key, levels in RING_GROUPS
    ]
    saved_domain = template.domain(saved) if saved else None
    return {
        **case_context(canvas, scope, template, "canvas"),
        "doc": doc,
        "needs_by_domain": needs_by_domain,
        "ring_groups": [(key, entries) for key, entries in groups if entries],
        "ring_count": len(ring),
        "excerpts": {key: _excerpt(d.situation) for key, d in doc.domains.items()},
        "saved_domain": saved_domain,
        "saved_section": saved if saved in ("participants", "period") else None,
        "roles": [role.value for role in ParticipantRole],
        "participant_rows": [_participant_row(p) for p in doc.participants] + [_new_row()],
        "participant_errors": {},
        "participants_version": canvas.version,
        "participants_base": edits.fingerprint(doc.participants),
        "period_form": {
            "from": _iso(doc.period.from_),
            "to": _iso(doc.period.to),
            "next_review": _iso(doc.next_review_date),
        },
        "period_errors": {},
        "period_base": edits.fingerprint(_period_of(doc)),
        "period_dates": {
            "from": long_date(doc.period.from_, lang),
            "to": long_date(doc.period.to, lang),
            "next_review": long_date(doc.next_review_date, lang),
        },
        "section_conflict": None,
    }


# --- who takes part, and the plan period --------------------------------------------------


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _participant_row(p: dict[str, Any]) -> dict[str, str]:
    return {
        "name": str(p.get("name") or ""),
        "role": str(p.get("role") or ""),
        "language": str(p.get("language") or ""),
        "unit_id": str(p.get("unit_id") or ""),
        "origin": "saved",
        "remove": "",
    }


def _new_row(*, focus: bool = False) -> dict[str, str]:
    row = {"name": "", "role": "", "language": "", "unit_id": "", "origin": "new", "remove": ""}
    if focus:
        row["focus"] = "1"
    return row


def _period_of(doc: CanvasOut) -> dict[str, str]:
    return {
        "from": _iso(doc.period.from_),
        "to": _iso(doc.period.to),
        "next_review": _iso(doc.next_review_date),
    }


def _rerender_section(
    request: Request,
    session: Session,
    actor: Actor,
    canvas_id: uuid.UUID,
    updates: dict[str, Any],
    status_code: int,
) -> HTMLResponse:
    canvas, scope = canvas_scope(session, actor, canvas_id)
    context = _canvas_context(Asked(request, session, actor, scope), canvas)
    context.update(updates)
    return render(request, "canvases/canvas.html", context, status_code=status_code)


# What the participants schema says about a row's field, as the form's message codes.
_ROW_ERRORS = {
    ("name", "string_too_short"): "name_missing",
    ("name", "string_too_long"): "name_long",
    ("role", "enum"): "role_missing",
    ("language", "language_missing"): "language_missing",
    ("language", "string_too_long"): "language_long",
}


def _typed_rows(
    name: list[str],
    role: list[str],
    language: list[str],
    unit_id: list[str],
    origin: list[str],
    remove: list[str],
) -> list[dict[str, str]]:
    """The rows as the form sent them: one per name field, in the order of the page."""

    def nth(values: list[str], i: int) -> str:
        return values[i] if i < len(values) else ""

    return [
        {
            "name": typed.strip(),
            "role": nth(role, i),
            "language": nth(language, i).strip(),
            "unit_id": nth(unit_id, i),
            "origin": "saved" if nth(origin, i) == "saved" else "new",
            "remove": "1" if str(i) in remove else "",
        }
        for i, typed in enumerate(name)
    ]


def _entry(row: dict[str, str]) -> dict[str, Any]:
    """A row as the API's participant. The language field belongs to an interpreter's row (the
    page shows it only there): what another row's holds was typed before its role changed."""
    entry: dict[str, Any] = {"name": row["name"], "role": row["role"]}
    if row["unit_id"]:
        entry["unit_id"] = row["unit_id"]
    if row["role"] == ParticipantRole.interpreter and row["language"]:
        entry["language"] = row["language"]
    return entry


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
    language: Annotated[list[str], Form()] = [],  # noqa: B006
    unit_id: Annotated[list[str], Form()] = [],  # noqa: B006
    origin: Annotated[list[str], Form()] = [],  # noqa: B006
    remove: Annotated[list[str], Form()] = [],  # noqa: B006 - rows ticked "Remove"
    add: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Replace the list of who takes part: kept rows, minus those ticked, plus new names, as
    many as were written. "Add a person" (without the page's script) saves nothing: the form
    comes back as typed with one more empty row, still on the version it was drawn at."""
    canvas, scope = canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    rows = _typed_rows(name, role, language, unit_id, origin, remove)
    drawn = {"participants_version": version, "participants_base": base}
    if add:
        grown = {**drawn, "participant_rows": [*rows, _new_row(focus=True)]}
        return _rerender_section(request, session, actor, canvas_id, grown, 200)
    kept = [
        (i, row)
        for i, row in enumerate(rows)
        if not row["remove"]
        # an empty row for adding someone, left empty
        and not (row["origin"] == "new" and not row["name"] and not row["language"])
    ]
    errors: dict[str, str] = {}
    try:
        form = ParticipantsForm.model_validate({"participants": [_entry(r) for _, r in kept]})
    except ValidationError as exc:
        for e in exc.errors():
            loc = e["loc"]
            if len(loc) >= 3 and isinstance(loc[1], int):
                field = str(loc[2])
                code = _ROW_ERRORS.get((field, e["type"]), "invalid")
                errors.setdefault(f"{kept[loc[1]][0]}-{field}", code)
            else:
                errors["form"] = "too_many" if e["type"] == "too_long" else "invalid"
    else:
        patch = CanvasPatch.model_validate(form.model_dump())
        saved = edits.save_section(
            session, actor, scope, canvas, patch, version, base, lambda d: d.participants
        )
        if saved:
            return RedirectResponse(
                f"/canvases/{canvas.id}?saved=participants#participants", status_code=303
            )
    updates: dict[str, Any] = {"participant_rows": rows or [_new_row()]}
    if errors:
        updates.update(drawn, participant_errors=errors)
        return _rerender_section(request, session, actor, canvas_id, updates, 422)
    # Someone else changed the list: the form keeps what was typed, on the list as it is now.
    updates["section_conflict"] = "participants"
    return _rerender_section(request, session, actor, canvas_id, updates, 409)


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
    canvas, scope = canvas_scope(session, actor, canvas_id)
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
        if edits.save_section(session, actor, scope, canvas, patch, version, base, _period_of):
            return RedirectResponse(
                f"/canvases/{canvas.id}?saved=period#plan-period", status_code=303
            )
    updates: dict[str, Any] = {"period_form": typed, "period_errors": errors}
    if not errors:
        updates["section_conflict"] = "period"
    return _rerender_section(request, session, actor, canvas_id, updates, 422 if errors else 409)

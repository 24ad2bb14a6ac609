"""Follow-up readings: at each follow-up meeting (DESIGN §3 Reading), the family's and the
worker's score per domain, on one form; the family page shows first against latest."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.access.policy import Reach, can_edit_case
from app.access.scope import FamilyScope, family_scope
from app.canvases import service as canvas_service
from app.catalogue import template_store
from app.catalogue.template_schema import CanvasTemplateDef
from app.kit import forms
from app.kit.i18n import N_, local_today, request_language
from app.kit.templating import render
from app.readings import service as reading_service
from app.readings.schemas import NOTE_MAX, ReadingCreate, ReadingOut, ScorePairOut
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

PARTS = ("family", "worker")


async def _form_fields(request: Request) -> dict[str, str]:
    """The posted form as plain fields: the radio groups are named after the template's
    domains, so they cannot be declared one by one. Read on the event loop, before the route."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]


def _field_name(part: str, key: str) -> str:
    return f"{part}-{key}"


def _render_form(
    request: Request,
    session: Session,
    scope: FamilyScope,
    template: CanvasTemplateDef,
    values: dict[str, Any],
    typed: dict[str, str],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    current = canvas_service.current_canvas(session, scope.family.id)
    return render(
        request,
        "readings/new.html",
        {
            "family": scope.family,
            "template": template,
            "values": values,
            "typed": typed,
            "today": local_today().isoformat(),
            "next_review": current.next_review_date if current else None,
            "note_max": NOTE_MAX,
            "errors": errors,
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/readings/new", name="reading_new")
def reading_new(
    request: Request, family_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    scope = family_scope(session, actor, family_id, Reach.case)
    scope.require_edit()
    template = reading_service.current_template(session, family_id)
    values = reading_service.form_start_values(session, actor, scope)
    typed = {"taken_on": local_today().isoformat(), "note": "", "next_review_date": ""}
    return _render_form(request, session, scope, template, values, typed, {})


def _score_rows(
    reading: ReadingOut, template: CanvasTemplateDef | None, lang: str
) -> list[tuple[str, ScorePairOut]]:
    """The reading's scores by domain title, in the template's order (a JSON object's keys
    may come back from the database in any order), domains it no longer has last."""
    keys = list(template.domain_keys()) if template else []
    keys += [key for key in reading.scores if key not in keys]
    rows: list[tuple[str, ScorePairOut]] = []
    for key in keys:
        if key in reading.scores:
            domain = template.domain(key) if template else None
            rows.append((domain.title.get(lang) if domain else key, reading.scores[key]))
    return rows


@router.get("/families/{family_id}/readings", name="reading_history")
def reading_history(
    request: Request, family_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    """Every reading of the family, newest first: the scores, what was said about the change,
    and the next review each meeting agreed on. The lead side's only, like the readings."""
    scope = family_scope(session, actor, family_id, Reach.case)
    readings = reading_service.list_readings(session, actor, scope)
    latest = reading_service.latest_canvas(session, family_id)
    template = template_store.template_of(session, latest) if latest else None
    lang = request_language(request)
    return render(
        request,
        "readings/history.html",
        {
            "family": scope.family,
            "readings": [(r, _score_rows(r, template, lang)) for r in reversed(readings)],
            "can_record": can_edit_case(scope.access) and latest is not None,
        },
    )


def _score(raw: str) -> int | str | None:
    raw = raw.strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() else raw


READING_MESSAGES = {
    "taken_on": N_("Give the date of the meeting. It cannot be in the future."),
    "scores": N_("Give at least one score."),
    "form": N_("Give at least one score."),
    "note": N_("Write at most 2,000 characters."),
    "next_review_date": N_(
        "The next review must be a date after the meeting. Leave it empty to keep the "
        "date the plan has."
    ),
}
SCORE_MESSAGE = N_("Choose a score from 1 to 10, or not scored.")


def _placed(field: str) -> str:
    """Where the form shows an error: a domain's score beside the domain, the rest above."""
    if field.startswith("scores."):
        return field.split(".")[1]
    return "scores" if field == "form" else field


@router.post("/families/{family_id}/readings", name="reading_create")
def reading_create(
    request: Request,
    family_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    form: FormFields,
) -> Response:
    scope = family_scope(session, actor, family_id, Reach.case)
    scope.require_edit()
    template = reading_service.current_template(session, family_id)
    typed = {
        "taken_on": form.get("taken_on", "").strip()[:40],
        "note": form.get("note", "")[: NOTE_MAX * 2],  # the schema says when it is too long
        "next_review_date": form.get("next_review_date", "").strip()[:40],
    }
    values = {
        key: {part: _score(form.get(_field_name(part, key), "")[:4]) for part in PARTS}
        for key in template.domain_keys()
    }
    messages = {**READING_MESSAGES, **{f"scores.{key}": SCORE_MESSAGE for key in values}}
    reading, errors = forms.submit(
        session,
        lambda: reading_service.add_reading(
            session,
            actor,
            scope,
            ReadingCreate.model_validate(
                {
                    "taken_on": typed["taken_on"],
                    "scores": values,
                    "note": typed["note"] or None,
                    "next_review_date": typed["next_review_date"] or None,
                }
            ),
        ),
        messages,
        request_language(request),
    )
    if reading is None:
        placed = {_placed(field): message for field, message in errors.items()}
        return _render_form(
            request, session, scope, template, values, typed, placed, status_code=422
        )
    return RedirectResponse(f"/families/{family_id}#progress", status_code=303)

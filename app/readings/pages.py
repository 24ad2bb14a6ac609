"""Follow-up readings: at each follow-up meeting (DESIGN §3 Reading), the family's and the
worker's score per domain, on one form; the family page shows first against latest."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.access.policy import Reach
from app.access.scope import FamilyScope, family_scope
from app.catalogue.template_schema import CanvasTemplateDef
from app.kit import forms
from app.kit.i18n import N_, local_today, request_language
from app.kit.templating import render
from app.readings import service as reading_service
from app.readings.schemas import ReadingCreate
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
    scope: FamilyScope,
    template: CanvasTemplateDef,
    values: dict[str, Any],
    taken_on: str,
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "readings/new.html",
        {
            "family": scope.family,
            "template": template,
            "values": values,
            "taken_on": taken_on,
            "today": local_today().isoformat(),
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
    return _render_form(request, scope, template, values, local_today().isoformat(), {})


def _score(raw: str) -> int | str | None:
    raw = raw.strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() else raw


READING_MESSAGES = {
    "taken_on": N_("Give the date of the meeting. It cannot be in the future."),
    "scores": N_("Give at least one score."),
    "form": N_("Give at least one score."),
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
    taken_on = form.get("taken_on", "").strip()[:40]
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
            ReadingCreate.model_validate({"taken_on": taken_on, "scores": values}),
        ),
        messages,
        request_language(request),
    )
    if reading is None:
        placed = {_placed(field): message for field, message in errors.items()}
        return _render_form(request, scope, template, values, taken_on, placed, status_code=422)
    return RedirectResponse(f"/families/{family_id}#progress", status_code=303)

"""The domain editor (one life domain of the duk, with the family's and the worker's
scores) and the tablet's autosave, field by field as the worker types."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from app.access.scope import FamilyScope, canvas_scope
from app.canvases import edits
from app.canvases import service as canvas_service
from app.canvases.schemas import CanvasOut
from app.catalogue import template_store
from app.catalogue.template_schema import CanvasTemplateDef
from app.kit.errors import Invalid, NotFound
from app.kit.templating import render
from app.models import Canvas
from app.web.case import case_context
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

DOMAIN_PARTS = (*edits.TEXT_PARTS, "family_score", "worker_score", "indicators")
FIELD = re.compile(
    r"^(?:centre\.what_matters|domains\.[a-z][a-z0-9_]{0,79}\."
    r"(?:situation|strengths|family_score|worker_score|indicators))$"
)


class AutosaveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    field: str = Field(max_length=200, pattern=FIELD.pattern)
    value: Any = None
    base: Any = None


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
        **case_context(canvas, scope, template, "domain"),
        "doc": doc,
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
    canvas, scope = canvas_scope(session, actor, canvas_id)
    template = template_store.template_of(session, canvas)
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
    canvas, scope = canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    template = template_store.template_of(session, canvas)
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
        edits.Change(prefix + part, mine[part], bases[part], has_base=True)
        for part in DOMAIN_PARTS
        if not edits.same(mine[part], bases[part])
    ]
    errors: dict[str, str] = {}
    conflicts: list[edits.Conflict] = []
    try:
        if changes:
            saved = edits.save_changes(session, actor, scope, canvas, changes, version)
            conflicts = saved.conflicts
    except ValidationError as exc:
        errors = {_form_field(e["loc"]): e["msg"] for e in exc.errors()}
    except Invalid as exc:
        errors = {e.field.rsplit(".", 1)[-1].split("[")[0]: e.message for e in exc.errors}
    if not errors and not conflicts:
        return RedirectResponse(
            f"/canvases/{canvas.id}?saved={domain_key}#domain-{domain_key}", status_code=303
        )
    canvas, scope = canvas_scope(session, actor, canvas_id)
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
    """One field of the canvas, as the worker types: 200 ``{"version": n}``, with ``"value"``
    when the text saved is a merge of the worker's edit and someone else's; 409 with both
    texts (and their merge, for "Merge both") when both changed the same sentence; 422 for
    bad input."""
    canvas, scope = canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    try:
        body = AutosaveIn.model_validate(payload)
    except ValidationError as exc:
        return _problem(
            422, [{"field": _form_field(e["loc"]), "message": e["msg"]} for e in exc.errors()]
        )
    if body.field.startswith("domains."):
        key = body.field.split(".")[1]
        if template_store.template_of(session, canvas).domain(key) is None:
            return _problem(422, [{"field": "field", "message": f"Unknown domain {key!r}"}])
    change = edits.Change(
        body.field, body.value, body.base, has_base="base" in body.model_fields_set
    )
    try:
        saved = edits.save_changes(session, actor, scope, canvas, [change], body.version)
    except ValidationError as exc:
        return _problem(422, [{"field": "value", "message": e["msg"]} for e in exc.errors()])
    except Invalid as exc:
        return _problem(422, [{"field": "value", "message": e.message} for e in exc.errors])
    if saved.conflicts:
        conflict = saved.conflicts[0]
        answer = {
            "conflict": True,
            "field": body.field,
            "yours": body.value,
            "theirs": conflict.theirs,
            "version": canvas.version,
        }
        if conflict.merged is not None:
            answer["merged"] = conflict.merged
        return JSONResponse(answer, status_code=409)
    if body.field in saved.merged:
        value = saved.merged[body.field]
        return JSONResponse({"version": canvas.version, "field": body.field, "value": value})
    return JSONResponse({"version": canvas.version, "field": body.field})

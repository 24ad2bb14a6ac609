"""Pages of the plans room: the plan preview with what it still lacks, submitting it, the
submitted plan, its print view and its PDF, all in the family's language (DESIGN §5); recording
the family's approval, and closing the plan with an outcome. The units' review of a plan, and
what changed between two versions, are the reviews room's (app/reviews/pages.py)."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import FamilyAccess, Reach, can_edit_case
from app.access.scope import FamilyScope, acting_units, record_scope
from app.accounts import service as account_service
from app.audit import service as audit
from app.canvases import service as canvas_service
from app.canvases.schemas import CanvasOut
from app.catalogue import template_store
from app.kit import forms
from app.kit.errors import Invalid, NotFound
from app.kit.forms import FormCode, FormText
from app.kit.i18n import N_, long_date, request_language
from app.kit.templating import part_in, render
from app.models import Canvas, Plan
from app.models.enums import (
    AuditAction,
    PlanOutcome,
    PlanStatus,
)
from app.plans import document as plan_doc
from app.plans import service as plan_service
from app.plans.schemas import FamilyApproval, PlanClose, PlanOut
from app.web.case import Asked
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


# --- the preview and submitting -------------------------------------------------------------


def _preview(
    request: Request,
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    canvas: Canvas,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    family = scope.family
    lang = family.language.value
    document: CanvasOut = canvas_service.read_canvas(session, actor, canvas)
    content = document.model_dump(mode="json", by_alias=True)
    lead = account_service.plan_lead(session, family)
    content["plan_lead"] = {"display_name": lead.display_name, "unit_id": str(family.lead_unit_id)}
    template = template_store.template_of(session, canvas)
    errors, _asked = plan_service.completeness(session, scope, document)
    return render(
        request,
        "plans/preview.html",
        {
            "family": family,
            "canvas": canvas,
            "plan_body": part_in(
                request,
                "_plan_body.html",
                {"plan": plan_doc.plan_view(session, content, template, lang), "family": family},
                lang,
            ),
            "missing": plan_doc.missing_items(
                session,
                errors,
                content,
                canvas_id=canvas.id,
                family_id=family.id,
                first_domain=template.domains[0].key,
            ),
            "can_submit": can_edit_case(scope.access),
            "submit_failed": status_code == 422,
        },
        status_code=status_code,
    )


def _canvas_for(session: Session, actor: Actor, canvas_id: uuid.UUID) -> tuple[Canvas, FamilyScope]:
    _, scope = record_scope(session, actor, Canvas, canvas_id, "canvas", Reach.case)
    canvas = canvas_service.load_canvas(session, canvas_id)
    if canvas is None:
        raise NotFound("No such canvas.")
    return canvas, scope


@router.get("/canvases/{canvas_id}/plan", name="plan_preview")
def plan_preview(
    request: Request, canvas_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    canvas, scope = _canvas_for(session, actor, canvas_id)
    return _preview(request, session, actor, scope, canvas)


@router.post("/canvases/{canvas_id}/plans", name="plan_submit")
def plan_submit(
    request: Request, canvas_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> Response:
    canvas, scope = _canvas_for(session, actor, canvas_id)
    try:
        plan = plan_service.submit_plan(session, actor, scope, canvas)
    except Invalid:
        # Completeness is checked before anything is written: show the list again.
        return _preview(request, session, actor, scope, canvas, status_code=422)
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)


# --- a submitted plan -----------------------------------------------------------------------


# Declared before plan_page: "/plans/{plan_id}" would otherwise take "<id>.pdf" as its id.
@router.get("/plans/{plan_id}.pdf", name="plan_pdf")
def plan_pdf(
    request: Request, plan_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> Response:
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    out = plan_service.document_for(session, actor, scope, plan)
    audit.record(session, actor, AuditAction.export, "plan", plan.id, family_id=plan.family_id)
    lang = scope.family.language.value
    html = plan_doc.print_html(
        request, plan_doc.plan_context(session, scope, plan, out), lang, pdf=True
    )
    return plan_doc.pdf_response(html, plan_doc.pdf_filename(plan.family_id, out.number), lang)


@router.get("/plans/{plan_id}/print", name="plan_print")
def plan_print(
    request: Request, plan_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    out = plan_service.read_plan(session, actor, scope, plan)
    lang = scope.family.language.value
    html = plan_doc.print_html(
        request, plan_doc.plan_context(session, scope, plan, out), lang, pdf=False
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Content-Language": lang})


def _action_changes(
    session: Session, actor: Actor, scope: FamilyScope, out: PlanOut, lang: str
) -> dict[str, dict[str, str]]:
    """Who changed each action of the plan last, and when, for the plan lead to follow. A
    consented unit follows only its own actions: how the others go is the live case."""
    actions = out.content.get("actions", [])
    if scope.access is not FamilyAccess.lead_side:
        units = {str(u) for u in acting_units(session, actor, scope)}
        actions = [a for a in actions if (a.get("responsible") or {}).get("unit_id") in units]
    ids = [uuid.UUID(str(a["id"])) for a in actions]
    return {
        str(action_id): {
            "status": change.status,
            "by": change.by,
            "unit": change.unit,
            "on": long_date(change.at, lang),
        }
        for action_id, change in plan_service.latest_action_changes(session, ids).items()
    }


def _plan_page(
    asked: Asked,
    plan: Plan,
    *,
    saved: str | None = None,
    approval_form: dict[str, str] | None = None,
    approval_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    request, session, actor, scope = asked
    out = plan_service.read_plan(session, actor, scope, plan)
    # The page around the plan speaks the user's language; the plan itself the family's.
    lang = request_language(request)
    family_lang = scope.family.language.value
    in_family_words = plan_doc.plan_context(session, scope, plan, out, family_lang)
    in_family_words["action_changes"] = _action_changes(session, actor, scope, out, family_lang)
    # The page around it shows no plan view of its own, only the record and its dates.
    context: dict[str, Any] = {
        "family": scope.family,
        "record": out,
        "submitted_on": long_date(out.submitted_at, lang),
        "approved_on": long_date(out.family_approved_at, lang),
        "can_edit": in_family_words["can_edit"],
    }
    context.update(
        {
            "plan_body": part_in(request, "_plan_body.html", in_family_words, family_lang),
            "decided_on": {r.unit_id: long_date(r.decided_at, lang) for r in out.reviews},
            "can_approve": context["can_edit"] and out.status is PlanStatus.in_review,
            "can_close": context["can_edit"]
            and out.status in (PlanStatus.active, PlanStatus.in_review),
            "closed_on": long_date(out.closed_at, lang),
            "saved": saved if saved in PLAN_SAVED else None,
            "approval_form": approval_form or {},
            "approval_errors": approval_errors or {},
        }
    )
    return render(request, "plans/plan.html", context, status_code=status_code)


# Confirmations after a redirect travel as fixed codes, never as text.
PLAN_SAVED = frozenset({"family_approval", "closed"})


class DrawPlanPage(Protocol):
    """Draws a page about one plan."""

    def __call__(self, asked: Asked, plan: Plan, *, saved: str | None = None) -> HTMLResponse: ...


def add_plan_page(router: APIRouter, path: str, name: str, draw: DrawPlanPage) -> None:
    """The GET of a page about one plan (``path`` has ``{plan_id}``): the plan in the asker's
    view of its family, drawn with the confirmation code a redirect left in ``saved``. The
    plan's own page, and its review (app/reviews)."""

    def plan_page(
        request: Request,
        plan_id: uuid.UUID,
        actor: PageActor,
        session: SessionDep,
        saved: str | None = None,
    ) -> HTMLResponse:
        plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
        return draw(Asked(request, session, actor, scope), plan, saved=saved)

    plan_page.__name__ = plan_page.__qualname__ = name
    router.add_api_route(path, plan_page, methods=["GET"], name=name)


add_plan_page(router, "/plans/{plan_id}", "plan_page", _plan_page)


# --- the family's approval and closing ------------------------------------------------------

APPROVAL_MESSAGES = {
    "approved_by": N_("Write the name of the family member who approved the plan."),
}


@router.post("/plans/{plan_id}/family-approval", name="plan_family_approval")
def family_approval(
    request: Request,
    plan_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    approved_by: FormCode = "",
) -> Response:
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    data = {"approved_by": approved_by}
    approved, errors = forms.submit(
        session,
        lambda: plan_service.record_family_approval(
            session, actor, scope, plan, FamilyApproval.model_validate(data)
        ),
        APPROVAL_MESSAGES,
        scope.family.language.value,
    )
    if approved is None:
        return _plan_page(
            Asked(request, session, actor, scope),
            plan,
            approval_form=data,
            approval_errors=errors,
            status_code=422,
        )
    return RedirectResponse(f"/plans/{plan_id}?saved=family_approval", status_code=303)


CLOSE_MESSAGES = {
    "outcome": N_("Choose how the follow-up ended."),
    "note": N_("The note is too long."),
}


def _close_page(
    asked: Asked,
    plan: Plan,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    request, session, actor, scope = asked
    scope.require_edit()
    out = plan_service.read_plan(session, actor, scope, plan)
    return render(
        request,
        "plans/close.html",
        {
            "family": scope.family,
            "record": out,
            "outcomes": [o.value for o in PlanOutcome],
            "form": form or {},
            "errors": errors or {},
            "is_open": out.status in (PlanStatus.active, PlanStatus.in_review),
        },
        status_code=status_code,
    )


@router.get("/plans/{plan_id}/close", name="plan_close_form")
def close_form(
    request: Request, plan_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    return _close_page(Asked(request, session, actor, scope), plan)


@router.post("/plans/{plan_id}/close", name="plan_close")
def close(
    request: Request,
    plan_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    outcome: FormCode = "",
    note: FormText = "",
) -> Response:
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    data = {"outcome": outcome or None, "note": note or None}
    closed, errors = forms.submit(
        session,
        lambda: plan_service.close_plan(
            session, actor, scope, plan, PlanClose.model_validate(data)
        ),
        CLOSE_MESSAGES,
        request_language(request),
    )
    if closed is None:
        form = {"outcome": outcome, "note": note}
        return _close_page(
            Asked(request, session, actor, scope), plan, form=form, errors=errors, status_code=422
        )
    return RedirectResponse(f"/plans/{plan_id}?saved=closed", status_code=303)

"""The family's own pages (DESIGN §12) under /familie/: reached only with a family session
(ID-porten); a staff session finds the family's sign-in page here, as anyone does. Pages are
drawn in the member's own language."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.actions import service as action_service
from app.audit import service as audit
from app.consents import service as consent_service
from app.family import service as family_service
from app.kit.errors import Conflict
from app.kit.forms import FormCode
from app.kit.i18n import long_date
from app.kit.templating import part_in, render
from app.models import Consent
from app.models.enums import AuditAction, PlanStatus
from app.plans import document as plan_doc
from app.plans import service as plan_service
from app.web.deps import FamilyVisitor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

# Confirmations after a redirect travel as fixed codes, never as text.
Done = Annotated[str | None, Query(max_length=30)]
HOME_DONE = frozenset({"approved", "approve_unconfirmed", "not_waiting"})


@router.get("/familie/", name="family_home")
def family_home(
    request: Request, visitor: FamilyVisitor, session: SessionDep, done: Done = None
) -> HTMLResponse:
    """The family's plan: the version in force, or the one waiting for the family."""
    scope = family_service.family_scope(session, visitor)
    plan = family_service.shown_plan(session, visitor)
    lang = visitor.language
    context: dict[str, object] = {
        "visitor": visitor,
        "family": scope.family,
        "plan": None,
        "done": done if done in HOME_DONE else None,
    }
    if plan is None:
        family_service.record_read(session, visitor, "family", visitor.family_id, "family_door")
    else:
        out = family_service.plan_document(session, visitor, plan)
        family_service.record_read(session, visitor, "plan", plan.id, "family_door")
        waiting = plan.status is PlanStatus.in_review and plan.family_approved_at is None
        words = plan_doc.plan_context(session, scope, plan, out, lang)
        context.update(
            {
                "plan": plan,
                "record": out,
                "waiting": waiting,
                "may_decide": waiting
                and family_service.may_decide_for_the_family(session, visitor, plan),
                "approved_on": long_date(plan.family_approved_at, lang),
                "plan_body": part_in(request, "_plan_body.html", words, lang),
            }
        )
    return render(request, "family/home.html", context, lang=lang)


@router.get("/familie/plan/{plan_id}/utskrift", name="family_plan_print")
def family_plan_print(
    request: Request, plan_id: uuid.UUID, visitor: FamilyVisitor, session: SessionDep
) -> HTMLResponse:
    plan = family_service.own_plan(session, visitor, plan_id)
    scope = family_service.family_scope(session, visitor)
    out = family_service.plan_document(session, visitor, plan)
    family_service.record_read(session, visitor, "plan", plan.id, "family_door_print")
    html = plan_doc.print_html(
        request, plan_doc.plan_context(session, scope, plan, out), visitor.language, pdf=False
    )
    return HTMLResponse(
        html, headers={"Cache-Control": "no-store", "Content-Language": visitor.language}
    )


@router.get("/familie/plan/{plan_id}/pdf", name="family_plan_pdf")
def family_plan_pdf(
    request: Request, plan_id: uuid.UUID, visitor: FamilyVisitor, session: SessionDep
) -> Response:
    """The family's copy as a PDF, in the member's own language: the print view's words."""
    plan = family_service.own_plan(session, visitor, plan_id)
    scope = family_service.family_scope(session, visitor)
    out = family_service.plan_document(session, visitor, plan)
    audit.record(
        session,
        visitor,
        AuditAction.export,
        "plan",
        plan.id,
        family_id=visitor.family_id,
        purpose="family_door_pdf",
    )
    lang = visitor.language
    context = plan_doc.plan_context(session, scope, plan, out, lang)
    html = plan_doc.print_html(request, context, lang, pdf=True)
    return plan_doc.pdf_response(html, plan_doc.pdf_filename(plan.family_id, out.number), lang)


# --- approving the plan, signed in --------------------------------------------------------


def decided_by_others(request: Request, visitor: FamilyVisitor, back: str) -> HTMLResponse:
    """A consent or an approval asked for by a member who may not decide it for the family
    (``family_service.may_decide_for_the_family``): refused (403) in the member's language,
    before anything changes, with no word of what in the plan made it so. Not audited, as no
    refused request is: nothing was read or changed."""
    return render(
        request,
        "family/decided_by_others.html",
        {"visitor": visitor, "back": back},
        lang=visitor.language,
        status_code=403,
    )


@router.post("/familie/plan/{plan_id}/godkjenn", name="family_approve")
def family_approve(
    request: Request,
    plan_id: uuid.UUID,
    visitor: FamilyVisitor,
    session: SessionDep,
    confirm: FormCode = "",
) -> Response:
    plan = family_service.own_plan(session, visitor, plan_id)
    if not family_service.may_decide_for_the_family(session, visitor, plan):
        return decided_by_others(request, visitor, "/familie/")
    if confirm != "yes":
        return RedirectResponse("/familie/?done=approve_unconfirmed", status_code=303)
    try:
        with session.begin_nested():
            plan_service.record_signed_family_approval(session, visitor, plan)
    except Conflict:
        return RedirectResponse("/familie/?done=not_waiting", status_code=303)
    return RedirectResponse("/familie/?done=approved", status_code=303)


# --- consents: what the family shares, and withdrawing it -------------------------------------


@router.get("/familie/samtykker", name="family_consents")
def family_consents(
    request: Request, visitor: FamilyVisitor, session: SessionDep, done: Done = None
) -> HTMLResponse:
    consents = family_service.consents_in_force(session, visitor)
    context = {
        "visitor": visitor,
        "consents": consents,
        "proposed": family_service.proposed_units(session, visitor),
        "may_decide": family_service.may_decide_for_the_family(session, visitor, None),
        "done": done if done in ("withdrawn", "given") else None,
    }
    return render(request, "family/consents.html", context, lang=visitor.language)


def _withdraw_page(
    request: Request, visitor: FamilyVisitor, consent: Consent, unit: str, *, status: int
) -> HTMLResponse:
    context = {"visitor": visitor, "consent": consent, "unit": unit, "error": status == 422}
    return render(
        request, "family/withdraw.html", context, lang=visitor.language, status_code=status
    )


@router.get("/familie/samtykker/{consent_id}/trekk", name="family_withdraw_page")
def family_withdraw_page(
    request: Request, consent_id: uuid.UUID, visitor: FamilyVisitor, session: SessionDep
) -> HTMLResponse:
    consent, unit = family_service.own_consent(session, visitor, consent_id)
    family_service.record_read(session, visitor, "consent", consent.id, "family_door")
    return _withdraw_page(request, visitor, consent, unit, status=200)


@router.post("/familie/samtykker/{consent_id}/trekk", name="family_withdraw")
def family_withdraw(
    request: Request,
    consent_id: uuid.UUID,
    visitor: FamilyVisitor,
    session: SessionDep,
    confirm: FormCode = "",
) -> Response:
    """Withdrawn only when confirmed: the unit loses the plan on its next request. Any
    member may withdraw, parental responsibility or not: withdrawing stops the sharing
    (``family_service.may_decide_for_the_family`` says why)."""
    consent, unit = family_service.own_consent(session, visitor, consent_id)
    if confirm != "yes":
        return _withdraw_page(request, visitor, consent, unit, status=422)
    consent_service.withdraw_by_member(session, visitor, consent)
    return RedirectResponse("/familie/samtykker?done=withdrawn", status_code=303)


# --- the family's own actions ---------------------------------------------------------------


@router.get("/familie/oppgaver", name="family_actions")
def family_actions(
    request: Request, visitor: FamilyVisitor, session: SessionDep, done: Done = None
) -> HTMLResponse:
    actions = family_service.own_actions(session, visitor)
    family_service.record_read(session, visitor, "action", None, "family_door")
    context = {
        "visitor": visitor,
        "actions": actions,
        "due": {a.id: long_date(a.due_date, visitor.language) for a in actions},
        "done": done if done in ("marked",) else None,
    }
    return render(request, "family/actions.html", context, lang=visitor.language)


@router.post("/familie/oppgaver/{action_id}/ferdig", name="family_action_done")
def family_action_done(
    request: Request, action_id: uuid.UUID, visitor: FamilyVisitor, session: SessionDep
) -> Response:
    action = family_service.own_action(session, visitor, action_id)
    try:
        with session.begin_nested():
            action_service.mark_done_by_member(session, visitor, action)
    except Conflict:
        pass  # done or cancelled already: the list shows how it stands
    return RedirectResponse("/familie/oppgaver?done=marked", status_code=303)


# --- who has seen our data ------------------------------------------------------------------


@router.get("/familie/innsyn", name="family_trail")
def family_trail(request: Request, visitor: FamilyVisitor, session: SessionDep) -> HTMLResponse:
    """Which services have been at the family's data, how many people and how often, from
    the audit trail: the same summary the plan lead shows the family."""
    summary, people = family_service.trail(session, visitor)
    family_service.record_read(session, visitor, "audit", None, "family_door")
    context = {
        "visitor": visitor,
        "summary": summary,
        "people": people,
        "last": {row.unit: long_date(row.last_at, visitor.language) for row in summary},
    }
    return render(request, "family/trail.html", context, lang=visitor.language)

"""Pages of the plans room: the plan preview with what it still lacks, submitting it, the
submitted plan, its print view and its PDF, all in the family's language (DESIGN §5); and the
review flow in the worker's language: the review queue, the review page (with the status of the
unit's own actions and referrals), the family's approval, what changed between two versions and
closing the plan with an outcome."""

from __future__ import annotations

import functools
import uuid
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import FamilyAccess, Reach, can_edit_case
from app.access.scope import FamilyScope, acting_units, record_scope
from app.accounts import service as account_service
from app.actions import pages as action_pages
from app.audit import service as audit
from app.canvases import assignments
from app.canvases import service as canvas_service
from app.canvases.schemas import CanvasOut
from app.catalogue import service as catalogue_service
from app.catalogue import template_store
from app.families import service as family_service
from app.kit.errors import Conflict, Invalid, NotFound
from app.kit.forms import form_errors
from app.kit.i18n import long_date, request_language, translations
from app.kit.responses import MadeLater
from app.kit.templating import STATIC_DIR, render, templates
from app.models import Action, Canvas, Plan, Referral
from app.models.enums import (
    ActionStatus,
    AuditAction,
    PlanOutcome,
    PlanStatus,
    ReferralOutcome,
    ReferralStatus,
)
from app.needs import pages as need_pages
from app.needs import service as need_service
from app.plans import document as plan_doc
from app.plans import service as plan_service
from app.plans.schemas import PLAN_NUMBER_MAX, FamilyApproval, PlanClose, PlanOut, ReviewDecision
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

FormText = Annotated[str, Form(max_length=10_000)]
FormCode = Annotated[str, Form(max_length=200)]


def _(text: str) -> str:
    """Marks a message for the catalogs (Babel extracts ``_``); translated when shown."""
    return text


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
    lead = family_service.plan_lead(session, family)
    content["plan_lead"] = {"display_name": lead.display_name, "unit_id": str(family.lead_unit_id)}
    template = template_store.template_of(session, canvas)
    errors, _asked = plan_service.completeness(session, scope, document)
    return render(
        request,
        "plans/preview.html",
        {
            "family": family,
            "canvas": canvas,
            "plan": plan_doc.plan_view(session, content, template, lang),
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
        lang=lang,
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


def _plan_for(session: Session, actor: Actor, plan_id: uuid.UUID) -> tuple[Plan, FamilyScope]:
    _, scope = record_scope(session, actor, Plan, plan_id, "plan", Reach.plan)
    plan = plan_service.load_plan(session, plan_id)
    if plan is None:
        raise NotFound("No such plan.")
    return plan, scope


def _plan_context(
    session: Session, scope: FamilyScope, plan: Plan, out: PlanOut, lang: str | None = None
) -> dict[str, Any]:
    family = scope.family
    lang = lang or family.language.value
    canvas = canvas_service.load_canvas(session, plan.canvas_id)
    if canvas is None:
        raise NotFound("No such plan.")
    template = template_store.template_of(session, canvas)
    return {
        "family": family,
        "record": out,
        "plan": plan_doc.plan_view(
            session, out.content, template, lang, lead_unit_id=family.lead_unit_id
        ),
        "submitted_on": long_date(out.submitted_at, lang),
        "approved_on": long_date(out.family_approved_at, lang),
        "can_edit": can_edit_case(scope.access),
    }


def _print_html(request: Request, context: dict[str, Any], lang: str, *, pdf: bool) -> str:
    values = {
        "request": request,
        "lang": lang,
        "url_for": lambda name, **params: str(request.app.url_path_for(name, **params)),
        "for_pdf": pdf,
        **context,
    }
    return templates(request, lang).get_template("plans/print.html").render(values)


# Declared before plan_page: "/plans/{plan_id}" would otherwise take "<id>.pdf" as its id.
@router.get("/plans/{plan_id}.pdf", name="plan_pdf")
def plan_pdf(
    request: Request, plan_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> Response:
    plan, scope = _plan_for(session, actor, plan_id)
    out = plan_service.document_for(session, actor, scope, plan)
    audit.record(session, actor, AuditAction.export, "plan", plan.id, family_id=plan.family_id)
    lang = scope.family.language.value
    html = _print_html(request, _plan_context(session, scope, plan, out), lang, pdf=True)
    # The PDF is rendered after the transaction has committed, so the seconds WeasyPrint takes
    # hold no database lock or connection.
    return MadeLater(
        lambda: html_to_pdf(html),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="plan-{out.number}.pdf"',
            "Cache-Control": "no-store",
            "Content-Language": lang,
        },
    )


@router.get("/plans/{plan_id}/print", name="plan_print")
def plan_print(
    request: Request, plan_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    plan, scope = _plan_for(session, actor, plan_id)
    out = plan_service.read_plan(session, actor, scope, plan)
    lang = scope.family.language.value
    html = _print_html(request, _plan_context(session, scope, plan, out), lang, pdf=False)
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
    request: Request,
    session: Session,
    actor: Actor,
    plan: Plan,
    scope: FamilyScope,
    *,
    saved: str | None = None,
    approval_form: dict[str, str] | None = None,
    approval_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    out = plan_service.read_plan(session, actor, scope, plan)
    lang = scope.family.language.value
    context = _plan_context(session, scope, plan, out)
    context.update(
        {
            "action_changes": _action_changes(session, actor, scope, out, lang),
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
    return render(request, "plans/plan.html", context, status_code=status_code, lang=lang)


# Confirmations after a redirect travel as fixed codes, never as text.
PLAN_SAVED = frozenset({"family_approval", "closed"})


@router.get("/plans/{plan_id}", name="plan_page")
def plan_page(
    request: Request,
    plan_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    saved: str | None = None,
) -> HTMLResponse:
    plan, scope = _plan_for(session, actor, plan_id)
    return _plan_page(request, session, actor, plan, scope, saved=saved)


# --- the family's approval and closing ------------------------------------------------------

APPROVAL_MESSAGES = {
    "approved_by": _("Write the name of the family member who approved the plan."),
}


@router.post("/plans/{plan_id}/family-approval", name="plan_family_approval")
def family_approval(
    request: Request,
    plan_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    approved_by: FormCode = "",
) -> Response:
    plan, scope = _plan_for(session, actor, plan_id)
    try:
        data = FamilyApproval.model_validate({"approved_by": approved_by})
        plan_service.record_family_approval(session, actor, scope, plan, data)
    except (ValidationError, Invalid) as exc:
        session.rollback()
        plan, scope = _plan_for(session, actor, plan_id)
        errors = form_errors(exc, APPROVAL_MESSAGES, scope.family.language.value)
        return _plan_page(
            request,
            session,
            actor,
            plan,
            scope,
            approval_form={"approved_by": approved_by},
            approval_errors=errors,
            status_code=422,
        )
    return RedirectResponse(f"/plans/{plan_id}?saved=family_approval", status_code=303)


CLOSE_MESSAGES = {
    "outcome": _("Choose how the follow-up ended."),
    "note": _("The note is too long."),
}


def _close_page(
    request: Request,
    session: Session,
    actor: Actor,
    plan: Plan,
    scope: FamilyScope,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
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
    plan, scope = _plan_for(session, actor, plan_id)
    return _close_page(request, session, actor, plan, scope)


@router.post("/plans/{plan_id}/close", name="plan_close")
def close(
    request: Request,
    plan_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    outcome: FormCode = "",
    note: FormText = "",
) -> Response:
    plan, scope = _plan_for(session, actor, plan_id)
    try:
        data = PlanClose.model_validate({"outcome": outcome or None, "note": note or None})
        plan_service.close_plan(session, actor, scope, plan, data)
    except (ValidationError, Invalid) as exc:
        session.rollback()
        plan, scope = _plan_for(session, actor, plan_id)
        errors = form_errors(exc, CLOSE_MESSAGES, request_language(request))
        form = {"outcome": outcome, "note": note}
        return _close_page(
            request, session, actor, plan, scope, form=form, errors=errors, status_code=422
        )
    return RedirectResponse(f"/plans/{plan_id}?saved=closed", status_code=303)


# --- what changed between two versions ------------------------------------------------------


@router.get("/plans/{plan_id}/diff", name="plan_diff_page")
def diff_page(
    request: Request,
    plan_id: uuid.UUID,
    against: Annotated[int, Query(ge=1, le=PLAN_NUMBER_MAX)],
    actor: PageActor,
    session: SessionDep,
) -> HTMLResponse:
    plan, scope = _plan_for(session, actor, plan_id)
    diff = plan_service.plan_diff(session, actor, scope, plan, against)
    unit_names = {str(u.id): u.name for u in account_service.list_units(session)}
    canvas = canvas_service.load_canvas(session, plan.canvas_id)
    assert canvas is not None
    lang = request_language(request)
    domain_titles = {
        d.key: d.title.get(lang) for d in template_store.template_of(session, canvas).domains
    }
    return render(
        request,
        "plans/diff.html",
        {
            "family": scope.family,
            "diff": diff,
            "unit_names": unit_names,
            "domain_titles": domain_titles,
        },
    )


# --- the review queue and the review page ---------------------------------------------------


@router.get("/review-queue", name="review_queue_page")
def review_queue_page(request: Request, actor: PageActor, session: SessionDep) -> HTMLResponse:
    items = plan_service.review_queue(session, actor)
    lang = request_language(request)
    return render(
        request,
        "plans/review_queue.html",
        {
            "items": items,
            "submitted_on": {
                (i.plan_id, i.unit_id): long_date(i.submitted_at, lang) for i in items
            },
        },
    )


REVIEW_MESSAGES = {
    "decision": _("Choose whether your unit approves the plan or asks for changes."),
    "comment": _("Write what should change in the plan."),
    "unit_id": _("Choose which of your units you answer for."),
}
REFERRAL_STATUS_MESSAGES = {
    "status": _("This change is not possible for the referral now."),
    "reason": _("Write why the referral is declined."),
    "outcome": _("Choose the outcome when the referral is completed."),
    "version": _("Someone else changed this referral just now. Look at it again and retry."),
}
REVIEW_SAVED = frozenset({"review", "status"})


def _provided_services(session: Session, units: frozenset[uuid.UUID]) -> dict[uuid.UUID, str]:
    names: dict[uuid.UUID, str] = {}
    for unit_id in units:
        rows, _more = catalogue_service.search_services(
            session,
            domain=None,
            q=None,
            unit_id=unit_id,
            include_inactive=True,
            offset=0,
            limit=10_000,
        )
        names.update({service.id: service.name for service, _unit in rows})
    return names


def _review_page(
    request: Request,
    session: Session,
    actor: Actor,
    plan: Plan,
    scope: FamilyScope,
    *,
    saved: str | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    item_errors: dict[uuid.UUID, dict[str, str]] | None = None,
    item_form: dict[uuid.UUID, dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = request_language(request)
    out = plan_service.read_plan(session, actor, scope, plan)
    context = _plan_context(session, scope, plan, out, lang)
    units = plan_service.units_reviewing(session, actor, scope, plan)
    own_actions = {
        str(a["id"]) for unit in units for a in plan_service.actions_for_unit(out.content, unit)
    }
    in_plan_referrals = {str(r["id"]) for r in out.content.get("referrals", [])}
    live_actions: list[Any] = []
    live_referrals: list[Any] = []
    if units:
        # The status as it is now, not as it was frozen into this version of the plan: only
        # the unit's own actions and referrals, never the rest of the live case.
        live = assignments.assigned_work(session, actor, scope, canvas_id=plan.canvas_id)
        live_actions = [a for a in live.actions if str(a.id) in own_actions]
        live_referrals = [
            r
            for r in live.referrals
            if str(r.id) in in_plan_referrals and r.provider_unit_id in units
        ]
    context.update(
        {
            "lead_side": scope.access is FamilyAccess.lead_side,
            "units": [u for u in actor.units if u.id in units],
            "own_action_ids": own_actions,
            "live_actions": live_actions,
            "live_referrals": live_referrals,
            "service_names": _provided_services(session, units) if live_referrals else {},
            "action_statuses": [s.value for s in ActionStatus],
            # What a providing unit may set (sending and cancelling are the plan lead's).
            "referral_statuses": [
                s.value for s in ReferralStatus if s in need_service.PROVIDER_STATUSES
            ],
            "referral_outcomes": [o.value for o in ReferralOutcome],
            "decided_on": {r.unit_id: long_date(r.decided_at, lang) for r in out.reviews},
            "in_review": out.status is PlanStatus.in_review,
            "saved": saved if saved in REVIEW_SAVED else None,
            "form": form or {},
            "errors": errors or {},
            "item_errors": item_errors or {},
            "item_form": item_form or {},
        }
    )
    return render(request, "plans/review.html", context, status_code=status_code)


@router.get("/plans/{plan_id}/review", name="plan_review")
def review_page(
    request: Request,
    plan_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    saved: str | None = None,
) -> HTMLResponse:
    plan, scope = _plan_for(session, actor, plan_id)
    return _review_page(request, session, actor, plan, scope, saved=saved)


@router.post("/plans/{plan_id}/reviews", name="plan_review_decide")
def decide_review(
    request: Request,
    plan_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    decision: FormCode = "",
    comment: FormText = "",
    unit_id: FormCode = "",
) -> Response:
    plan, scope = _plan_for(session, actor, plan_id)
    try:
        data = ReviewDecision.model_validate(
            {
                "decision": decision or None,
                "comment": comment or None,
                "unit_id": unit_id or None,
            }
        )
        plan_service.decide_review(session, actor, scope, plan, data)
    except (ValidationError, Invalid, Conflict) as exc:
        session.rollback()
        plan, scope = _plan_for(session, actor, plan_id)
        lang = request_language(request)
        errors = (
            {"form": translations(lang).gettext("The plan is no longer in review.")}
            if isinstance(exc, Conflict)
            else form_errors(exc, REVIEW_MESSAGES, lang)
        )
        form = {"decision": decision, "comment": comment, "unit_id": unit_id}
        return _review_page(
            request, session, actor, plan, scope, form=form, errors=errors, status_code=422
        )
    return RedirectResponse(f"/plans/{plan_id}/review?saved=review", status_code=303)


def _status_failed(
    request: Request,
    session: Session,
    actor: Actor,
    plan_id: uuid.UUID,
    item_id: uuid.UUID,
    form: dict[str, str],
    errors: dict[str, str],
) -> HTMLResponse:
    """The review page again, with the status form of one action or referral and what was
    wrong with it (the transaction is rolled back already)."""
    plan, scope = _plan_for(session, actor, plan_id)
    return _review_page(
        request,
        session,
        actor,
        plan,
        scope,
        item_errors={item_id: errors},
        item_form={item_id: form},
        status_code=422,
    )


def _same_family(record_family_id: uuid.UUID, plan: Plan) -> None:
    if record_family_id != plan.family_id:
        raise NotFound("No such action on this plan.")


@router.post("/plans/{plan_id}/review/actions/{action_id}/status", name="review_action_status")
def review_action_status(
    request: Request,
    plan_id: uuid.UUID,
    action_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    status: FormCode = "",
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    """A responsible unit reports on its own action from the review page (the canvases
    service decides who may: the plan lead's side or a consented member of the unit)."""
    plan, _plan_scope = _plan_for(session, actor, plan_id)
    action, scope = record_scope(session, actor, Action, action_id, "action", Reach.plan)
    _same_family(action.family_id, plan)
    form = {"status": status, "reason": reason}
    lang = request_language(request)
    errors = action_pages.save_action_status(session, actor, scope, action, form, version, lang)
    if errors:
        return _status_failed(request, session, actor, plan_id, action_id, form, errors)
    return RedirectResponse(
        f"/plans/{plan_id}/review?saved=status#action-{action_id}", status_code=303
    )


@router.post(
    "/plans/{plan_id}/review/referrals/{referral_id}/status", name="review_referral_status"
)
def review_referral_status(
    request: Request,
    plan_id: uuid.UUID,
    referral_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    status: FormCode = "",
    reason: FormText = "",
    outcome: FormCode = "",
    version: FormCode = "",
) -> Response:
    """The providing unit answers a referral from the review page: accept, decline (with a
    reason), start, complete (with an outcome)."""
    plan, _plan_scope = _plan_for(session, actor, plan_id)
    referral, scope = record_scope(session, actor, Referral, referral_id, "referral", Reach.plan)
    _same_family(referral.family_id, plan)
    form = {"status": status, "reason": reason, "outcome": outcome}
    lang = request_language(request)
    errors = need_pages.save_referral_status(
        session, actor, scope, referral, form, version, REFERRAL_STATUS_MESSAGES, lang
    )
    if errors:
        return _status_failed(request, session, actor, plan_id, referral_id, form, errors)
    return RedirectResponse(
        f"/plans/{plan_id}/review?saved=status#referral-{referral_id}", status_code=303
    )


# --- PDF ------------------------------------------------------------------------------------

# The print view's HTML is resolved against this made-up origin; the fetcher below serves
# only files under static/ for it and refuses everything else, so rendering a PDF never
# reaches the network or the rest of the file system.
PDF_BASE_URL = "http://duk.pdf/"


def static_only_fetcher(url: str) -> tuple[bytes, str]:
    """The bytes and media type of a static file the print view links to; anything else is
    refused."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != PDF_BASE_URL or not parts.path.startswith("/static/"):
        raise ValueError(f"refusing to fetch {url!r} for a PDF")
    root = Path(STATIC_DIR).resolve()
    path = (root / unquote(parts.path.removeprefix("/static/"))).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ValueError(f"no static file for {url!r}")
    mime = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        path.suffix, "application/octet-stream"
    )
    return path.read_bytes(), mime


@functools.cache
def _weasyprint() -> tuple[Any, Any]:
    """WeasyPrint and a fetcher for it, on first use: importing it loads pango and fonts."""
    import weasyprint  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

    class StaticOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            body, mime = static_only_fetcher(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    return weasyprint, StaticOnly


def html_to_pdf(html: str) -> bytes:
    weasyprint, fetcher = _weasyprint()
    pdf = weasyprint.HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher()).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf

"""Pages for the family's needs and the services mapped to them: the needs of each life
domain, the suggestions from the catalogue for one need, and each referral's status.

Every page goes through ``app.access`` exactly like the JSON API: a family's records load
through ``record_scope`` (404 for anyone who may not see them) and changes go through the
needs service, which checks ``scope.require_edit()``. A consented unit reads the pages
without their forms.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import Reach
from app.access.scope import FamilyScope, canvas_scope, record_scope
from app.audit import service as audit
from app.catalogue import service as catalogue_service
from app.catalogue import template_store
from app.corrections import service as correction_service
from app.kit import forms
from app.kit.errors import Conflict
from app.kit.forms import FormCode, FormCodes, FormText
from app.kit.i18n import N_, request_language
from app.kit.templating import render
from app.members import service as member_service
from app.models import Canvas, Need, Referral
from app.models.enums import AuditAction, NeedStatus, ReferralOutcome
from app.needs import correct_pages
from app.needs import service as need_service
from app.needs.schemas import NeedCreate, NeedOut, ReferralCreate, ReferralPatch
from app.web.case import Asked, case_context
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

# Confirmations after a redirect travel as fixed codes, never as text (no personal data in URLs).
SAVED_CODES = frozenset({"need", "referral", "status", "corrected", "entered_in_error"})

NEED_MESSAGES = {
    "concerns_member_id": N_("Choose a member of this family, or the whole family."),
    "domain": N_("Choose a life domain."),
    "text": N_("Write the need in the family's own words."),
    "priority": N_("Choose how important this is."),
    "indicators": N_("Tick only signs that belong to the chosen life domain."),
}
EXTERNAL_MESSAGES = {
    "external_service_name": N_("Write the name of the service, group or person."),
    "form": N_("Write the name of the service, group or person."),
}
# What the plan lead's side may say when it cancels a referral: the family's own decision, or a
# mapping made by mistake, which the reports then leave out (DESIGN §3, Corrections).
CANCEL_OUTCOMES = (
    ReferralOutcome.no_longer_interested,
    ReferralOutcome.referred_elsewhere,
    ReferralOutcome.entered_in_error,
)
REFERRAL_STATUS_MESSAGES = {
    "status": N_("This change is not possible for the referral now."),
    "reason": N_("Write why the referral is cancelled."),
    "outcome": N_("Choose what lies behind the cancelling, or none of these."),
    "version": N_("Someone else changed this referral just now. Look at it again and retry."),
}


def _needs_page(
    asked: Asked,
    canvas: Canvas,
    *,
    domain: str | None = None,
    saved: str | None = None,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    referral_errors: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
    referral_form: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    request, session, actor, scope = asked
    lang = request_language(request)
    template = template_store.template_of(session, canvas)
    every_need = need_service.needs_of(session, canvas.id, include_erroneous=True)
    needs = [n for n in every_need if n.status is NeedStatus.active]
    referrals = need_service.referrals_of(session, canvas.id, include_erroneous=True)
    audit.record(session, actor, AuditAction.read, "canvas", canvas.id, family_id=canvas.family_id)
    chosen = domain if domain and template.domain(domain) else None
    context = case_context(canvas, scope, template, "needs")
    views = need_service.referral_views(referrals, catalogue_service.services_by_id(session), lang)
    # The lead side sees what was entered in error apart, folded: nothing is silently lost.
    history = correction_service.canvas_history(session, canvas.id)
    context.update(
        {
            "needs_by_domain": {
                d.key: [n for n in needs if n.domain == d.key] for d in template.domains
            },
            "need_count": len(needs),
            "erroneous_needs": [n for n in every_need if n.status is not NeedStatus.active],
            "referrals": {
                need_id: [v for v in listed if not v["in_error"]]
                for need_id, listed in views.items()
            },
            "erroneous_referrals": {
                need_id: [v for v in listed if v["in_error"]] for need_id, listed in views.items()
            },
            "history": history,
            "names": correction_service.history_names(
                session,
                canvas.family_id,
                [c for entries in history.values() for c in entries],
                lang,
            ),
            "family_members": member_service.family_members(session, canvas.family_id),
            "chosen_domain": chosen,
            "form": dict(form or {"domain": chosen or "", "priority": "2", "indicators": []}),
            "errors": dict(errors or {}),
            "referral_errors": referral_errors or {},
            "referral_form": referral_form or {},
            "cancel_outcomes": [o.value for o in CANCEL_OUTCOMES],
            "saved": saved if saved in SAVED_CODES else None,
        }
    )
    return render(request, "needs/needs.html", context, status_code=status_code)


@router.get("/canvases/{canvas_id}/needs", name="needs_page")
def needs_page(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    canvas_id: uuid.UUID,
    domain: str | None = None,
    saved: str | None = None,
) -> HTMLResponse:
    canvas, scope = canvas_scope(session, actor, canvas_id)
    return _needs_page(Asked(request, session, actor, scope), canvas, domain=domain, saved=saved)


@router.get("/canvases/{canvas_id}/needs/indicators", name="need_indicators")
def need_indicators(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    canvas_id: uuid.UUID,
    domain: str = "",
) -> HTMLResponse:
    """The indicator checkboxes of one domain, swapped into the need form when the domain
    changes (htmx). Without JavaScript the form shows every domain's indicators instead."""
    canvas, scope = canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    template = template_store.template_of(session, canvas)
    chosen = domain if template.domain(domain) else None
    return render(
        request,
        "needs/_indicators.html",
        {"template": template, "chosen_domain": chosen, "form": {"indicators": []}, "errors": {}},
    )


@router.post("/canvases/{canvas_id}/needs", name="need_create")
def create_need(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    canvas_id: uuid.UUID,
    domain: FormCode = "",
    text: FormText = "",
    priority: FormCode = "",
    indicators: FormCodes = [],  # noqa: B006 (FastAPI copies the default)
    concerns_member_id: FormCode = "",
) -> Response:
    canvas, scope = canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    form = {
        "domain": domain,
        "text": text,
        "priority": priority,
        "indicators": indicators,
        "concerns_member_id": concerns_member_id,
    }
    data = {
        "domain": domain,
        "text": text.strip(),
        "priority": priority or None,
        "concerns_member_id": forms.parse_id(concerns_member_id) if concerns_member_id else None,
    }
    need, errors = forms.submit(
        session,
        lambda: need_service.add_need(
            session,
            actor,
            scope,
            canvas,
            NeedCreate.model_validate({**data, "indicators": indicators}),
        ),
        NEED_MESSAGES,
        request_language(request),
    )
    if need is None:
        return _needs_page(
            Asked(request, session, actor, scope),
            canvas,
            domain=domain,
            form=form,
            errors=errors,
            status_code=422,
        )
    target = request.app.url_path_for("suggestions_page", need_id=need.id)
    return RedirectResponse(f"{target}?saved=need", status_code=303)


def _suggestions_page(
    request: Request,
    session: Session,
    actor: Actor,
    need: Need,
    scope: FamilyScope,
    *,
    saved: str | None = None,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = request_language(request)
    canvas = session.get(Canvas, need.canvas_id)
    assert canvas is not None  # a need always belongs to a canvas (foreign key)
    template = template_store.template_of(session, canvas)
    suggestions = catalogue_service.suggestions(session, actor, need)
    catalogue = catalogue_service.services_by_id(session)
    referrals = need_service.referral_views(
        need_service.referrals_of(session, canvas.id), catalogue, lang
    ).get(need.id, [])
    mapped = {
        view["referral"].service_id: view["referral"]
        for view in referrals
        if view["referral"].service_id and view["referral"].status in need_service.STANDING_REFERRAL
    }
    context = case_context(canvas, scope, template, "needs")
    context.update(
        {
            "need": NeedOut.model_validate(need),
            "suggestions": [
                {
                    "suggestion": s,
                    "text": catalogue_service.service_text(catalogue[s.service.id][0], lang),
                }
                if s.service.id in catalogue
                else {"suggestion": s, "text": {"name": s.service.name, "description": ""}}
                for s in suggestions
            ],
            "mapped": mapped,
            "referrals": referrals,
            "form": dict(form or {}),
            "errors": dict(errors or {}),
            "saved": saved if saved in SAVED_CODES else None,
        }
    )
    return render(request, "needs/suggestions.html", context, status_code=status_code)


@router.get("/needs/{need_id}/suggestions", name="suggestions_page")
def suggestions_page(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    need_id: uuid.UUID,
    saved: str | None = None,
) -> HTMLResponse:
    need, scope = record_scope(session, actor, Need, need_id, "need", Reach.case)
    scope.require_edit()
    return _suggestions_page(request, session, actor, need, scope, saved=saved)


@router.post("/needs/{need_id}/referrals", name="referral_create")
def create_referral(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    need_id: uuid.UUID,
    service_id: FormCode = "",
    external_service_name: FormText = "",
) -> Response:
    need, scope = record_scope(session, actor, Need, need_id, "need", Reach.case)
    scope.require_edit()
    data = (
        {"service_id": forms.parse_id(service_id)}
        if service_id
        else {"external_service_name": external_service_name.strip() or None}
    )
    try:
        _, errors = forms.submit(
            session,
            lambda: need_service.add_referral(
                session, actor, scope, need, ReferralCreate.model_validate(data)
            ),
            EXTERNAL_MESSAGES,
            request_language(request),
        )
    except Conflict:
        errors = {}  # mapped already: a second tap makes no second referral
    if errors:
        if "form" in errors:
            errors.setdefault("external_service_name", errors.pop("form"))
        return _suggestions_page(
            request,
            session,
            actor,
            need,
            scope,
            form={"external_service_name": external_service_name},
            errors=errors,
            status_code=422,
        )
    needs_url = request.app.url_path_for("needs_page", canvas_id=need.canvas_id)
    return RedirectResponse(f"{needs_url}?saved=referral#need-{need.id}", status_code=303)


@router.post("/referrals/{referral_id}/status", name="referral_status")
def change_referral_status(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    referral_id: uuid.UUID,
    status: FormCode = "",
    reason: FormText = "",
    outcome: FormCode = "",
    version: FormCode = "",
) -> Response:
    referral, scope = record_scope(session, actor, Referral, referral_id, "referral", Reach.case)
    need, _ = record_scope(session, actor, Need, referral.need_id, "need", Reach.case)
    form = {"status": status, "reason": reason, "outcome": outcome}
    errors = save_referral_status(
        session,
        actor,
        scope,
        referral,
        form,
        version,
        REFERRAL_STATUS_MESSAGES,
        request_language(request),
    )
    if errors:
        canvas, scope = canvas_scope(session, actor, need.canvas_id)
        return _needs_page(
            Asked(request, session, actor, scope),
            canvas,
            referral_errors={referral_id: errors},
            referral_form={referral_id: form},
            status_code=422,
        )
    target = request.app.url_path_for("needs_page", canvas_id=need.canvas_id)
    return RedirectResponse(f"{target}?saved=status#need-{need.id}", status_code=303)


def save_referral_status(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    referral: Referral,
    form: Mapping[str, str],
    version: str,
    messages: Mapping[str, str],
    lang: str,
) -> dict[str, str]:
    """Sets the referral's status (with the reason and outcome the form has), as the plan
    lead's side does here and the providing unit on the plan's review page; ``messages`` are
    the page's words for each field. Returns the field errors, empty when it is saved."""
    return forms.submit(
        session,
        lambda: need_service.update_referral(
            session,
            actor,
            scope,
            referral,
            ReferralPatch.model_validate(forms.given(form)),
            forms.expected_version(version),
        ),
        messages,
        lang,
    )[1]


# Correcting a need or a referral, and a need entered in error, live in their own module;
# their pages are served under this room's router.
router.include_router(correct_pages.router)

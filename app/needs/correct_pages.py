"""Pages that correct a need or a referral, and mark a need entered in error (DESIGN §3,
Corrections). The list of needs is in pages.py.

A correction page shows the item as stored, its earlier wording, and a form that sends the
version it was drawn at: a correction racing another comes back with what is stored now and
the text as typed (409), never lost. The pages are the lead side's (``Reach.case``); the needs
service does the work, exactly as for PATCH /api/v1/needs/{id} and /referrals/{id}.
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
from app.access.scope import FamilyScope, record_scope
from app.catalogue import service as catalogue_service
from app.catalogue import template_store
from app.corrections import service as correction_service
from app.kit import forms
from app.kit.forms import FormCode, FormCodes, FormText
from app.kit.i18n import N_, request_language
from app.kit.templating import render
from app.models import Canvas, Need, Referral
from app.models.enums import CorrectedRecord, NeedStatus, ReferralStatus
from app.needs import corrections as need_corrections
from app.needs import service as need_service
from app.needs.schemas import NeedOut, NeedPatch, ReferralPatch
from app.web.case import case_context
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NEED_CORRECT_MESSAGES = {
    "domain": N_("Choose a life domain."),
    "text": N_("Write the need in the family's own words."),
    "priority": N_("Choose how important this is."),
    "indicators": N_("Tick only signs that belong to the chosen life domain."),
    "reason": N_("The reason is too long."),
    "form": N_("Change at least one thing, or go back."),
    "version": N_(
        "Someone else changed this need just now. It is shown as it is now; your words are "
        "still in the form: look at both and save again."
    ),
}
ERROR_MESSAGES = {
    "reason": N_("The reason is too long."),
    "status": N_("This can no longer be marked as entered in error."),
    "version": N_("Someone else changed this just now. Look at it again and confirm again."),
}
REFERRAL_CORRECT_MESSAGES = {
    "external_service_name": N_("Write the name of the service, group or person."),
    "service_id": N_("Choose a service, or write the name of one outside the catalogue."),
    "reason": N_("The reason is too long."),
    "form": N_("Choose a service, or write the name of one outside the catalogue."),
    "version": N_(
        "Someone else changed this referral just now. It is shown as it is now: look at it "
        "and save again."
    ),
}


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    canvas_id: uuid.UUID,
    page: str,
    context: dict[str, Any],
    record_type: CorrectedRecord,
    record_id: uuid.UUID,
    status_code: int,
) -> HTMLResponse:
    canvas = session.get(Canvas, canvas_id)
    assert canvas is not None  # every need belongs to a canvas (foreign key)
    template = template_store.template_of(session, canvas)
    history = correction_service.read_history(
        session, actor, record_type, record_id, scope.family_id
    )
    full = case_context(canvas, scope, template, "needs")
    full.update(context)
    full["history"] = history
    full["names"] = correction_service.history_names(
        session, scope.family_id, history, request_language(request)
    )
    return render(request, page, full, status_code=status_code)


def _need_form(need: Need) -> dict[str, Any]:
    return {
        "text": need.text,
        "domain": need.domain,
        "priority": str(need.priority),
        "indicators": list(need.indicators),
        "reason": "",
    }


def _need_page(
    request: Request,
    session: Session,
    actor: Actor,
    need: Need,
    scope: FamilyScope,
    *,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    shown = dict(form or _need_form(need))
    context = {
        "need": NeedOut.model_validate(need),
        "form": shown,
        "chosen_domain": shown.get("domain") or need.domain,
        "errors": dict(errors or {}),
    }
    return _page(
        request,
        session,
        actor,
        scope,
        need.canvas_id,
        "needs/correct.html",
        context,
        CorrectedRecord.need,
        need.id,
        status_code,
    )


def _need_in_scope(session: Session, actor: Actor, need_id: uuid.UUID) -> tuple[Need, FamilyScope]:
    need, scope = record_scope(session, actor, Need, need_id, "need", Reach.case)
    scope.require_edit()
    return need, scope


@router.get("/needs/{need_id}/correct", name="need_correct_form")
def need_correct_form(
    request: Request, actor: PageActor, session: SessionDep, need_id: uuid.UUID
) -> HTMLResponse:
    need, scope = _need_in_scope(session, actor, need_id)
    return _need_page(request, session, actor, need, scope)


@router.post("/needs/{need_id}/correct", name="need_correct")
def correct_need(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    need_id: uuid.UUID,
    text: FormText = "",
    domain: FormCode = "",
    priority: FormCode = "",
    indicators: FormCodes = [],  # noqa: B006 (FastAPI copies the default)
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    need, scope = _need_in_scope(session, actor, need_id)
    form = {
        "text": text,
        "domain": domain,
        "priority": priority,
        "indicators": indicators,
        "reason": reason,
    }
    # The form sends every field: only what differs from the stored need is a correction.
    data: dict[str, Any] = {}
    if text.strip() != need.text:
        data["text"] = text.strip()
    if domain != need.domain:
        data["domain"] = domain or None
    if priority != str(need.priority):
        data["priority"] = priority or None
    if "domain" in data or sorted(indicators) != sorted(need.indicators):
        data["indicators"] = indicators
    if reason.strip():
        data["reason"] = reason.strip()
    _, errors = forms.submit(
        session,
        lambda: need_corrections.correct_need(
            session,
            actor,
            scope,
            need,
            NeedPatch.model_validate(data),
            forms.expected_version(version),
        ),
        NEED_CORRECT_MESSAGES,
        request_language(request),
    )
    if errors:
        return _need_page(
            request,
            session,
            actor,
            need,
            scope,
            form=form,
            errors=errors,
            status_code=409 if "version" in errors else 422,
        )
    target = request.app.url_path_for("needs_page", canvas_id=need.canvas_id)
    return RedirectResponse(f"{target}?saved=corrected#need-{need.id}", status_code=303)


# --- a need entered in error ------------------------------------------------------------------


def _error_page(
    request: Request,
    session: Session,
    actor: Actor,
    need: Need,
    scope: FamilyScope,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "kind": "need",
        "item_text": need.text,
        "in_error": need.status is NeedStatus.entered_in_error,
        "version": need.version,
        "action_url": request.app.url_path_for("need_error", need_id=need.id),
        "back_url": request.app.url_path_for("needs_page", canvas_id=need.canvas_id)
        + f"#need-{need.id}",
        # What goes with it, said before the caseworker confirms.
        "referrals": [
            view["name"]
            for view in need_service.referral_views(
                [
                    need_service.referral_out(r, need_service.provider_unit_of(session, r))
                    for r in need_corrections.open_referrals_of(session, need.id)
                ],
                catalogue_service.services_by_id(session),
                request_language(request),
            ).get(need.id, [])
        ],
        "actions": [a.text for a in need_corrections.lone_actions_of(session, need.id)],
        "form": dict(form or {"reason": ""}),
        "errors": dict(errors or {}),
    }
    return _page(
        request,
        session,
        actor,
        scope,
        need.canvas_id,
        "corrections/entered_in_error.html",
        context,
        CorrectedRecord.need,
        need.id,
        status_code,
    )


@router.get("/needs/{need_id}/entered-in-error", name="need_error_form")
def need_error_form(
    request: Request, actor: PageActor, session: SessionDep, need_id: uuid.UUID
) -> HTMLResponse:
    need, scope = _need_in_scope(session, actor, need_id)
    return _error_page(request, session, actor, need, scope)


@router.post("/needs/{need_id}/entered-in-error", name="need_error")
def mark_need_in_error(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    need_id: uuid.UUID,
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    need, scope = _need_in_scope(session, actor, need_id)
    data: dict[str, Any] = {"status": NeedStatus.entered_in_error.value}
    if reason.strip():
        data["reason"] = reason.strip()
    _, errors = forms.submit(
        session,
        lambda: need_corrections.correct_need(
            session,
            actor,
            scope,
            need,
            NeedPatch.model_validate(data),
            forms.expected_version(version),
        ),
        ERROR_MESSAGES,
        request_language(request),
    )
    if errors:
        return _error_page(
            request,
            session,
            actor,
            need,
            scope,
            form={"reason": reason},
            errors=errors,
            status_code=409 if "version" in errors else 422,
        )
    target = request.app.url_path_for("needs_page", canvas_id=need.canvas_id)
    return RedirectResponse(f"{target}?saved=entered_in_error#entered-in-error", status_code=303)


# --- a referral's service ---------------------------------------------------------------------


def _referral_page(
    request: Request,
    session: Session,
    actor: Actor,
    referral: Referral,
    scope: FamilyScope,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = request_language(request)
    need = need_service.get_need_on(session, referral.need_id)
    catalogue = catalogue_service.services_by_id(session)
    out = need_service.referral_out(referral, need_service.provider_unit_of(session, referral))
    view = need_service.referral_views([out], catalogue, lang)[need.id][0]
    proposed = referral.status is ReferralStatus.proposed
    # Another service of the catalogue only while nobody has it yet; a name outside the
    # catalogue may be written better as long as the referral stands.
    correctable = need.status is NeedStatus.active and (
        proposed
        or (referral.service_id is None and referral.status not in need_service.CLOSED_REFERRAL)
    )
    services = []
    if correctable and proposed:
        services = [
            {"id": str(service.id), "name": catalogue_service.service_text(service, lang)["name"]}
            for service, _unit in catalogue.values()
            if need.domain in service.domains and service.status.value == "active"
        ]
        services.sort(key=lambda s: s["name"])
    context = {
        "referral": out,
        "view": view,
        "need": NeedOut.model_validate(need),
        "correctable": correctable,
        "services": services,
        "form": dict(
            form
            or {
                "service_id": str(referral.service_id or ""),
                "external_service_name": referral.external_service_name or "",
                "reason": "",
            }
        ),
        "errors": dict(errors or {}),
    }
    return _page(
        request,
        session,
        actor,
        scope,
        need.canvas_id,
        "needs/referral_correct.html",
        context,
        CorrectedRecord.referral,
        referral.id,
        status_code,
    )


def _referral_in_scope(
    session: Session, actor: Actor, referral_id: uuid.UUID
) -> tuple[Referral, FamilyScope]:
    referral, scope = record_scope(session, actor, Referral, referral_id, "referral", Reach.case)
    scope.require_edit()
    return referral, scope


@router.get("/referrals/{referral_id}/correct", name="referral_correct_form")
def referral_correct_form(
    request: Request, actor: PageActor, session: SessionDep, referral_id: uuid.UUID
) -> HTMLResponse:
    referral, scope = _referral_in_scope(session, actor, referral_id)
    return _referral_page(request, session, actor, referral, scope)


@router.post("/referrals/{referral_id}/correct", name="referral_correct")
def correct_referral(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    referral_id: uuid.UUID,
    service_id: FormCode = "",
    external_service_name: FormText = "",
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    referral, scope = _referral_in_scope(session, actor, referral_id)
    form = {
        "service_id": service_id,
        "external_service_name": external_service_name,
        "reason": reason,
    }
    data: dict[str, Any] = (
        {"service_id": forms.parse_id(service_id)}
        if service_id
        else {"external_service_name": external_service_name.strip() or None}
    )
    if reason.strip():
        data["reason"] = reason.strip()
    _, errors = forms.submit(
        session,
        lambda: need_corrections.correct_referral(
            session,
            actor,
            scope,
            referral,
            ReferralPatch.model_validate(data),
            forms.expected_version(version),
        ),
        REFERRAL_CORRECT_MESSAGES,
        request_language(request),
    )
    if errors:
        return _referral_page(
            request,
            session,
            actor,
            referral,
            scope,
            form=form,
            errors=errors,
            status_code=409 if "version" in errors else 422,
        )
    need = need_service.get_need_on(session, referral.need_id)
    target = request.app.url_path_for("needs_page", canvas_id=need.canvas_id)
    return RedirectResponse(f"{target}?saved=corrected#need-{need.id}", status_code=303)

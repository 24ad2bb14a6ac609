"""Pages that correct a need or a referral, and mark a need entered in error (DESIGN §3,
Corrections). The list of needs is in pages.py.

The pages go the corrections' one way (app/corrections/page_flow.py): a correction page shows
the item as stored, its earlier wording, and a form that sends the version it was drawn at; a
correction racing another comes back with what is stored now and the text as typed (409),
never lost. The needs service does the work, exactly as for PATCH /api/v1/needs/{id} and
/referrals/{id}.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from app.catalogue import service as catalogue_service
from app.corrections import page_flow
from app.corrections import service as correction_service
from app.kit import forms
from app.kit.forms import FormCode, FormCodes, FormText
from app.kit.i18n import N_, request_language
from app.members import service as member_service
from app.models import Need, Referral
from app.models.enums import CorrectedRecord, NeedStatus, ReferralStatus
from app.needs import corrections as need_corrections
from app.needs import service as need_service
from app.needs.schemas import NeedOut, NeedPatch, ReferralPatch
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NEED_CORRECT_MESSAGES = {
    "concerns_member_id": N_("Choose a member of this family, or the whole family."),
    "domain": N_("Choose a life domain."),
    "text": N_("Write the need in the family's own words."),
    "priority": N_("Choose how important this is."),
    "indicators": N_("Tick only signs that belong to the chosen life domain."),
    "reason": page_flow.REASON_TOO_LONG,
    "form": N_("Change at least one thing, or go back."),
    "version": N_(
        "Someone else changed this need just now. It is shown as it is now; your words are "
        "still in the form: look at both and save again."
    ),
}
REFERRAL_CORRECT_MESSAGES = {
    "external_service_name": N_("Write the name of the service, group or person."),
    "service_id": N_("Choose a service, or write the name of one outside the catalogue."),
    "reason": page_flow.REASON_TOO_LONG,
    "form": N_("Choose a service, or write the name of one outside the catalogue."),
    "version": N_(
        "Someone else changed this referral just now. It is shown as it is now: look at it "
        "and save again."
    ),
}


def _need_form(_session: Session, need: Need) -> dict[str, Any]:
    return {
        "text": need.text,
        "domain": need.domain,
        "priority": str(need.priority),
        "indicators": list(need.indicators),
        "concerns_member_id": str(need.concerns_member_id or ""),
        "reason": "",
    }


def _need_context(
    _request: Request, session: Session, need: Need, form: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "need": NeedOut.model_validate(need),
        "family_members": member_service.family_members(session, need.family_id),
        "chosen_domain": form.get("domain") or need.domain,
    }


def _need_changes(_session: Session, need: Need, form: Mapping[str, Any]) -> dict[str, Any]:
    """The form sends every field: only what differs from the stored need is a correction."""
    data: dict[str, Any] = {}
    if form["text"].strip() != need.text:
        data["text"] = form["text"].strip()
    if form["domain"] != need.domain:
        data["domain"] = form["domain"] or None
    if form["priority"] != str(need.priority):
        data["priority"] = form["priority"] or None
    if "domain" in data or sorted(form["indicators"]) != sorted(need.indicators):
        data["indicators"] = form["indicators"]
    stored_concerns = str(need.concerns_member_id or "")
    if form["concerns_member_id"] != stored_concerns:
        chosen = form["concerns_member_id"]
        data["concerns_member_id"] = forms.parse_id(chosen) if chosen else None
    return data


def _goes_with(request: Request, session: Session, need: Need) -> tuple[list[str], list[str]]:
    """What goes with a need entered in error: its open referrals, and the actions that serve
    it alone."""
    referrals = [
        view["name"]
        for view in need_service.referral_views(
            [
                need_service.referral_out(r, need_service.provider_unit_of(session, r))
                for r in need_corrections.open_referrals_of(session, need.id)
            ],
            catalogue_service.services_by_id(session),
            request_language(request),
        ).get(need.id, [])
    ]
    return referrals, [a.text for a in correction_service.lone_actions_of(session, need.id)]


NEED = page_flow.Corrected(
    record_type=CorrectedRecord.need,
    model=Need,
    service=need_corrections.correct_need,
    schema=NeedPatch,
    place=lambda _session, need: (need.canvas_id, f"need-{need.id}"),
    section="needs",
    page_name="needs/correct.html",
    stored=_need_form,
    context=_need_context,
    changes=_need_changes,
    messages=NEED_CORRECT_MESSAGES,
    goes_with=_goes_with,
)


@router.get("/needs/{need_id}/correct", name="need_correct_form")
def need_correct_form(
    request: Request, actor: PageActor, session: SessionDep, need_id: uuid.UUID
) -> HTMLResponse:
    return page_flow.correct_form(request, session, actor, NEED, need_id)


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
    concerns_member_id: FormCode = "",
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    form = {
        "text": text,
        "domain": domain,
        "priority": priority,
        "indicators": indicators,
        "concerns_member_id": concerns_member_id,
        "reason": reason,
    }
    return page_flow.correct(request, session, actor, NEED, need_id, form=form, version=version)


# --- a need entered in error ------------------------------------------------------------------


@router.get("/needs/{need_id}/entered-in-error", name="need_error_form")
def need_error_form(
    request: Request, actor: PageActor, session: SessionDep, need_id: uuid.UUID
) -> HTMLResponse:
    return page_flow.error_form(request, session, actor, NEED, need_id)


@router.post("/needs/{need_id}/entered-in-error", name="need_error")
def mark_need_in_error(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    need_id: uuid.UUID,
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    return page_flow.mark_in_error(
        request, session, actor, NEED, need_id, reason=reason, version=version
    )


# --- a referral's service ---------------------------------------------------------------------


def _referral_place(session: Session, referral: Referral) -> tuple[uuid.UUID, str]:
    need = need_service.get_need_on(session, referral.need_id)
    return need.canvas_id, f"need-{need.id}"


def _referral_form(_session: Session, referral: Referral) -> dict[str, Any]:
    return {
        "service_id": str(referral.service_id or ""),
        "external_service_name": referral.external_service_name or "",
        "reason": "",
    }


def _referral_context(
    request: Request, session: Session, referral: Referral, _form: Mapping[str, Any]
) -> dict[str, Any]:
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
    return {
        "referral": out,
        "view": view,
        "need": NeedOut.model_validate(need),
        "correctable": correctable,
        "services": services,
    }


def _referral_changes(
    _session: Session, _referral: Referral, form: Mapping[str, Any]
) -> dict[str, Any]:
    if form["service_id"]:
        return {"service_id": forms.parse_id(form["service_id"])}
    return {"external_service_name": form["external_service_name"].strip() or None}


REFERRAL = page_flow.Corrected(
    record_type=CorrectedRecord.referral,
    model=Referral,
    service=need_corrections.correct_referral,
    schema=ReferralPatch,
    place=_referral_place,
    section="needs",
    page_name="needs/referral_correct.html",
    stored=_referral_form,
    context=_referral_context,
    changes=_referral_changes,
    messages=REFERRAL_CORRECT_MESSAGES,
)


@router.get("/referrals/{referral_id}/correct", name="referral_correct_form")
def referral_correct_form(
    request: Request, actor: PageActor, session: SessionDep, referral_id: uuid.UUID
) -> HTMLResponse:
    return page_flow.correct_form(request, session, actor, REFERRAL, referral_id)


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
    form = {
        "service_id": service_id,
        "external_service_name": external_service_name,
        "reason": reason,
    }
    return page_flow.correct(
        request, session, actor, REFERRAL, referral_id, form=form, version=version
    )

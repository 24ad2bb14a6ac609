"""Acts on the family as a whole, in the room with the family (DESIGN §4.6, §8 DELETE
/families/{id}): handing the family over to another plan lead, and erasing everything held on
it. The family's consents are app/consents, "who has seen our data" app/audit.

Both are for the plan lead's side only here (the API lets an admin do them too): a consented
unit is refused (403), everyone else finds nothing (404), exactly as the API decides.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import FamilyAccess, Reach
from app.access.scope import FamilyScope, family_scope, scope_for
from app.accounts import service as account_service
from app.audit.words import ERASURE_REASONS
from app.families import service as family_service
from app.families.schemas import HandoverCreate
from app.kit import forms
from app.kit.errors import PreconditionFailed
from app.kit.forms import FormCode, FormText
from app.kit.i18n import N_, request_language, translations
from app.kit.templating import render
from app.models import Unit
from app.models.enums import ErasureReason
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


HANDOVER_FIELDS: dict[str, str] = {
    "to_user_id": N_("Choose an active caseworker as the new plan lead."),
    "unit_id": N_("Choose the new plan lead under one of their units."),
    "note": N_("Keep the note under 500 characters."),
    "version": N_(
        "Someone else changed the family while you were choosing. "
        "Check who the plan lead is now and try again."
    ),
}
ERASE_FIELDS: dict[str, str] = {
    "reason": N_("Choose why the family's data is erased."),
    "confirm": N_("Tick the box to confirm that you understand."),
}


# --- helpers ---------------------------------------------------------------------------------


def _lead_scope(session: Session, actor: Actor, family_id: uuid.UUID) -> FamilyScope:
    """Acts on the family a consented unit knows of, and may not do: 403 for it."""
    scope = family_scope(session, actor, family_id, Reach.plan)
    scope.require_lead_side()
    return scope


def _parse_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# --- handover --------------------------------------------------------------------------------


def _handover_page(
    request: Request,
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    family = family_service.read_family(session, actor, scope)
    return render(
        request,
        "families/handover.html",
        {
            "family": family,
            "plan_lead": account_service.plan_lead(session, family),
            "lead_unit": session.get(Unit, family.lead_unit_id),
            "candidates": family_service.handover_candidates(session),
            "form": form or {},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/handover", name="handover_page")
def handover_page(
    request: Request, family_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    scope = _lead_scope(session, actor, family_id)
    return _handover_page(request, session, actor, scope)


@router.post("/families/{family_id}/handover", name="handover_submit")
def handover_submit(
    request: Request,
    family_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    lead: FormCode = "",
    note: FormText = "",
    version: FormCode = "",
) -> Response:
    """``lead`` is "<user id>/<unit id>": a caseworker as chosen under one of their units."""
    scope = _lead_scope(session, actor, family_id)
    form = {"lead": lead, "note": note}
    user_part, _sep, unit_part = lead.partition("/")
    data = {
        "to_user_id": _parse_id(user_part),
        "unit_id": _parse_id(unit_part),
        "note": note or None,
    }

    def hand_over() -> None:
        if version != str(scope.family.version):
            raise PreconditionFailed("The family changed since the form was shown.")
        family_service.hand_over(session, actor, scope.family, HandoverCreate.model_validate(data))

    _, errors = forms.submit(session, hand_over, HANDOVER_FIELDS, request_language(request))
    if errors:
        if "unit_id" in errors:  # one select chooses both the person and the unit
            errors.setdefault("to_user_id", errors.pop("unit_id"))
        return _handover_page(
            request, session, actor, scope, form=form, errors=errors, status_code=422
        )
    # The caller may have handed the family out of their own unit: then it is gone for them.
    still_sees = scope_for(session, actor, scope.family).access is FamilyAccess.lead_side
    target = f"/families/{family_id}" if still_sees else "/"
    return RedirectResponse(f"{target}?done=handover", status_code=303)


# --- erasure ---------------------------------------------------------------------------------


def _erase_page(
    request: Request,
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    family = family_service.read_family(session, actor, scope)
    return render(
        request,
        "families/erase.html",
        {
            "family": family,
            "reasons": ERASURE_REASONS,
            "form": form or {},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/erase", name="erase_page")
def erase_page(
    request: Request, family_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    scope = _lead_scope(session, actor, family_id)
    return _erase_page(request, session, actor, scope)


@router.post("/families/{family_id}/erase", name="erase_submit")
def erase_submit(
    request: Request,
    family_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    reason: FormCode = "",
    confirm: FormCode = "",
) -> Response:
    scope = _lead_scope(session, actor, family_id)
    errors: dict[str, str] = {}
    gettext = translations(request_language(request)).gettext
    friendly = {field: gettext(text) for field, text in ERASE_FIELDS.items()}
    if reason not in ERASURE_REASONS:
        errors["reason"] = friendly["reason"]
    if confirm != "yes":
        errors["confirm"] = friendly["confirm"]
    if errors:
        form = {"reason": reason, "confirm": confirm}
        return _erase_page(
            request, session, actor, scope, form=form, errors=errors, status_code=422
        )
    family_service.erase_family(session, actor, scope.family, ErasureReason(reason))
    return RedirectResponse("/?done=erased", status_code=303)

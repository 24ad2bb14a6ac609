"""Consent in the room with the family (DESIGN §3 Consent, §4.4): the family's consents, giving
one and withdrawing it with one action, and the statement the family signs, in its own
language, which says what the consent shares (DESIGN §4.1).

For the plan lead's side only: for a consented unit the consents do not exist (404: a consent
shares the plan, not the case), and everyone else finds nothing (404), exactly as the API
decides.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import Reach
from app.access.scope import FamilyScope, family_scope
from app.accounts import service as account_service
from app.audit import service as audit
from app.consents import service as consent_service
from app.consents.schemas import ConsentCreate
from app.kit import forms
from app.kit.errors import Conflict, Invalid, NotFound
from app.kit.forms import FormCode
from app.kit.i18n import LOCAL_TIME, N_, local, request_language
from app.kit.templating import render
from app.models import Consent, Family, Unit
from app.models.enums import AuditAction, UnitLevel
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


# The family meets its caseworker in Norway: dates and times are shown as they read there.
CONSENT_YEARS_DAYS = 365
# Confirmations after a redirect travel as fixed codes, never as text (no personal data in URLs).
DONE_CODES = frozenset({"recorded", "withdrawn"})

LEVELS: dict[str, str] = {
    UnitLevel.municipal.value: N_("Municipal services"),
    UnitLevel.regional.value: N_("Regional services"),
    UnitLevel.state.value: N_("State services"),
    UnitLevel.voluntary.value: N_("Voluntary organisations"),
    UnitLevel.private.value: N_("Private services"),
}
CONSENT_FIELDS: dict[str, str] = {
    "unit_id": N_("Choose the service the family shares its plan with."),
    "given_by": N_("Write the name of the family member who gives consent."),
    "expires_at": N_("Give a date after today, or leave the field empty for no end date."),
}


def _case_scope(session: Session, actor: Actor, family_id: uuid.UUID) -> FamilyScope:
    """The consents are the live case: for a consented unit they do not exist."""
    return family_scope(session, actor, family_id, Reach.case)


def _units_by_level(units: Iterable[Unit]) -> list[tuple[str, list[Unit]]]:
    grouped: dict[str, list[Unit]] = {}
    for unit in sorted(units, key=lambda u: u.name):
        grouped.setdefault(unit.level.value, []).append(unit)
    return [(level, grouped[level]) for level in LEVELS if level in grouped]


def _common(family: Family) -> dict[str, Any]:
    return {"family": family, "local": local, "levels": LEVELS}


def _consents_page(
    request: Request,
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    family = scope.family
    consents = consent_service.list_consents(session, actor, scope)
    unit_names = consent_service.units_by_id(
        session, sorted({c.unit_id for c in consents}, key=str)
    )
    choosable = [u for u in account_service.list_units(session) if u.id != family.lead_unit_id]
    default_expiry = datetime.now(LOCAL_TIME).date() + timedelta(days=CONSENT_YEARS_DAYS)
    return render(
        request,
        "consents/consents.html",
        {
            **_common(family),
            "consents": consents,
            "unit_names": {k: u.name for k, u in unit_names.items()},
            "now": datetime.now(UTC),
            "units_by_level": _units_by_level(choosable),
            "consented": consent_service.consented_units(session, family.id),
            "form": form or {"expires_at": default_expiry.isoformat()},
            "errors": errors or {},
            "done": done if done in DONE_CODES else None,
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}/consents", name="consents_page")
def consents_page(
    request: Request,
    family_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    scope = _case_scope(session, actor, family_id)
    return _consents_page(request, session, actor, scope, done=done)


def _expiry(value: str) -> datetime | str | None:
    """The last moment of the chosen day in Norway; the text as it came when it is no date."""
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return value
    return datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL_TIME)


@router.post("/families/{family_id}/consents", name="consent_record")
def record_consent(
    request: Request,
    family_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    unit_id: FormCode = "",
    given_by: FormCode = "",
    expires_at: FormCode = "",
) -> Response:
    scope = _case_scope(session, actor, family_id)
    form = {"unit_id": unit_id, "given_by": given_by, "expires_at": expires_at}
    data = {"unit_id": unit_id, "given_by": given_by, "expires_at": _expiry(expires_at)}
    consent, errors = forms.submit(
        session,
        lambda: consent_service.add_consent(
            session, actor, scope, ConsentCreate.model_validate(data)
        ),
        CONSENT_FIELDS,
        request_language(request),
    )
    if consent is None:
        return _consents_page(
            request, session, actor, scope, form=form, errors=errors, status_code=422
        )
    target = request.app.url_path_for("consents_page", family_id=family_id)
    return RedirectResponse(f"{target}?done=recorded", status_code=303)


@router.post("/families/{family_id}/consents/{consent_id}/withdraw", name="consent_withdraw")
def withdraw_consent(
    request: Request,
    family_id: uuid.UUID,
    consent_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
) -> Response:
    """One action: the unit loses access on its next request (app.access reads consents live)."""
    scope = _case_scope(session, actor, family_id)
    consent = consent_service.get_consent(session, scope, consent_id)
    try:
        consent_service.withdraw_consent(session, actor, scope, consent)
    except Conflict:
        pass  # withdrawn already (a second click): what the caseworker wanted is so
    target = request.app.url_path_for("consents_page", family_id=family_id)
    return RedirectResponse(f"{target}?done=withdrawn", status_code=303)


def _statement(
    request: Request,
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    units: Sequence[Unit],
    consent: Consent | None,
) -> HTMLResponse:
    family = scope.family
    audit.record(
        session,
        actor,
        AuditAction.read,
        "consent",
        consent.id if consent else None,
        family_id=family.id,
        purpose="consent_statement",
    )
    lead = account_service.plan_lead(session, family)
    lead_unit = session.get(Unit, family.lead_unit_id)
    today = datetime.now(LOCAL_TIME).date()
    if consent is None:
        expires: date | None = today + timedelta(days=CONSENT_YEARS_DAYS)
    else:
        expires = local(consent.expires_at).date() if consent.expires_at else None
    return render(
        request,
        "consents/consent_statement.html",
        {
            **_common(family),
            "units": units,
            "consent": consent,
            "lead": lead,
            "lead_unit": lead_unit,
            "expires": expires,
            "today": today,
        },
        lang=family.language.value,
    )


@router.get("/families/{family_id}/consents/statement", name="consent_statement_draft")
def consent_statement_draft(
    request: Request,
    family_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    unit: Annotated[list[uuid.UUID], Query(max_length=50)] = [],  # noqa: B006 (FastAPI copies)
) -> HTMLResponse:
    """The statement the family signs before the consent is recorded: units chosen first."""
    scope = _case_scope(session, actor, family_id)
    found = consent_service.units_by_id(session, unit)
    if not unit:
        raise Invalid.field("unit", "Choose at least one service")
    if set(unit) - set(found):
        raise NotFound("No such unit.")
    units = sorted(found.values(), key=lambda u: u.name)
    return _statement(request, session, actor, scope, units, None)


@router.get("/families/{family_id}/consents/{consent_id}/statement", name="consent_statement")
def consent_statement(
    request: Request,
    family_id: uuid.UUID,
    consent_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
) -> HTMLResponse:
    scope = _case_scope(session, actor, family_id)
    consent = consent_service.get_consent(session, scope, consent_id)
    unit = session.get(Unit, consent.unit_id)
    return _statement(request, session, actor, scope, [unit] if unit else [], consent)

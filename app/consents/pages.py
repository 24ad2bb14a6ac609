"""Consent in the room with the family (DESIGN §3 Consent, §4.4): the family's consents, giving
consent for several services at once, and the statement the family signs, in its own language,
which says what the consent shares (DESIGN §4.1).

Giving is two steps on one form: the caseworker chooses the services and writes who gives the
consent and for how long; the page then shows the statement for exactly those services, to read
with the family, and records one consent per service only when "The family agrees" is pressed.
Withdrawing asks first, naming the service and what follows; the form without that
confirmation changes nothing.

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
from app.consents.schemas import ConsentBatchCreate
from app.kit import forms
from app.kit.errors import Conflict, Invalid, NotFound
from app.kit.forms import FormCode, FormCodes
from app.kit.i18n import LOCAL_TIME, N_, local, local_today, request_language
from app.kit.templating import part_in, render
from app.models import Consent, Family, Unit
from app.models.enums import AuditAction, ConsentPurpose, UnitLevel
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


# The family meets its caseworker in Norway: dates and times are shown as they read there.
CONSENT_YEARS_DAYS = 365
# Confirmations after a redirect travel as fixed codes, never as text (no personal data in URLs).
DONE_CODES = frozenset({"recorded", "withdrawn"})
# The print view's expiry, when the consent is to have none (a date otherwise).
NO_EXPIRY = "none"

LEVELS: dict[str, str] = {
    UnitLevel.municipal.value: N_("Municipal services"),
    UnitLevel.regional.value: N_("Regional services"),
    UnitLevel.state.value: N_("State services"),
    UnitLevel.voluntary.value: N_("Voluntary organisations"),
    UnitLevel.private.value: N_("Private services"),
}
# What the form's fields need, as the schema refuses them ...
CONSENT_FIELDS: dict[str, str] = {
    "unit_ids": N_("Choose at least one service the family shares its plan with."),
    "given_by": N_("Write the name of the family member who gives consent."),
    "expires_at": N_("Give a date after today, or leave the field empty for no end date."),
}
# ... and as the service refuses a chosen service: a page left open while someone else
# recorded a consent for it, say.
CONSENT_REFUSALS: dict[str, str] = {
    "unit_ids": N_(
        "A service you chose has an active consent already, or cannot be chosen. "
        "Look at the list again."
    ),
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
    form: Mapping[str, Any] | None = None,
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
    default_expiry = local_today() + timedelta(days=CONSENT_YEARS_DAYS)
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
            "form": form or {"expires_at": default_expiry.isoformat(), "unit_ids": []},
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
def record_consents(
    request: Request,
    family_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    unit_ids: FormCodes = [],  # noqa: B006 - FastAPI copies it
    given_by: FormCode = "",
    expires_at: FormCode = "",
    confirm: FormCode = "",
    change: FormCode = "",
) -> Response:
    """The consent form: first the statement for the chosen services (nothing recorded), then,
    with ``confirm``, one consent per service; ``change`` goes back to the form as it was."""
    scope = _case_scope(session, actor, family_id)
    form = {"unit_ids": unit_ids, "given_by": given_by, "expires_at": expires_at}
    if change:
        return _consents_page(request, session, actor, scope, form=form)
    data = {
        "unit_ids": [forms.parse_id(u) for u in unit_ids],
        "purpose": ConsentPurpose.share_plan,
        "given_by": given_by,
        "expires_at": _expiry(expires_at),
    }

    agreed = confirm == "yes"

    def work() -> list[Unit]:
        batch = ConsentBatchCreate.model_validate(data)
        if agreed:  # the family has read the statement for these units, and said yes
            consent_service.add_consents(session, actor, scope, batch)
            return []
        return consent_service.batch_units(session, scope, batch)  # nothing recorded yet

    units, errors = forms.submit(
        session,
        work,
        CONSENT_REFUSALS,
        request_language(request),
        schema_messages=CONSENT_FIELDS,
    )
    if units is None:
        return _consents_page(
            request, session, actor, scope, form=form, errors=errors, status_code=422
        )
    if agreed:
        target = request.app.url_path_for("consents_page", family_id=family_id)
        return RedirectResponse(f"{target}?done=recorded", status_code=303)
    return _review_page(request, session, actor, scope, units, form)


def _statement_context(session: Session, scope: FamilyScope) -> dict[str, Any]:
    family = scope.family
    return {
        **_common(family),
        "lead": account_service.plan_lead(session, family),
        "lead_unit": session.get(Unit, family.lead_unit_id),
        "today": local_today(),
    }


def _audit_statement(
    session: Session, actor: Actor, scope: FamilyScope, consent: Consent | None
) -> None:
    audit.record(
        session,
        actor,
        AuditAction.read,
        "consent",
        consent.id if consent else None,
        family_id=scope.family.id,
        purpose="consent_statement",
    )


def _review_page(
    request: Request,
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    units: Sequence[Unit],
    form: Mapping[str, Any],
) -> HTMLResponse:
    """The statement for exactly the chosen services, in the family's language inside a page
    in the caseworker's, with the form to record them or go back and change the choice."""
    _audit_statement(session, actor, scope, None)
    family = scope.family
    day = _expiry(str(form["expires_at"]))
    expires = local(day).date() if isinstance(day, datetime) else None
    units = sorted(units, key=lambda u: u.name)
    statement = {**_statement_context(session, scope), "units": units, "expires": expires, "h": 2}
    print_query = [("unit", str(u.id)) for u in units]
    print_query.append(("until", expires.isoformat() if expires else NO_EXPIRY))
    return render(
        request,
        "consents/consent_review.html",
        {
            **_common(family),
            "form": form,
            "units": units,
            "statement": part_in(
                request, "consents/_statement.html", statement, family.language.value
            ),
            "print_query": print_query,
        },
    )


@router.get("/families/{family_id}/consents/{consent_id}/withdraw", name="consent_withdraw_ask")
def withdraw_consent_ask(
    request: Request,
    family_id: uuid.UUID,
    consent_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
) -> Response:
    """Asks before withdrawing (the page's script asks in a dialog on the consents page)."""
    scope = _case_scope(session, actor, family_id)
    return _withdraw_page(request, session, actor, scope, consent_id)


def _withdraw_page(
    request: Request,
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    consent_id: uuid.UUID,
    *,
    refused: bool = False,
) -> Response:
    scope.require_edit()
    consent = consent_service.get_consent(session, scope, consent_id)
    audit.record(session, actor, AuditAction.read, "consent", consent.id, family_id=scope.family.id)
    if not consent.is_active(datetime.now(UTC)):
        if refused:
            raise Conflict("This consent is no longer active.")
        # Nothing to ask about: the list says how it stands.
        return RedirectResponse(
            request.app.url_path_for("consents_page", family_id=scope.family.id), status_code=303
        )
    unit = session.get(Unit, consent.unit_id)
    return render(
        request,
        "consents/withdraw.html",
        {
            **_common(scope.family),
            "consent": consent,
            "unit_name": unit.name if unit else "",
            "refused": refused,
        },
        status_code=422 if refused else 200,
    )


@router.post("/families/{family_id}/consents/{consent_id}/withdraw", name="consent_withdraw")
def withdraw_consent(
    request: Request,
    family_id: uuid.UUID,
    consent_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    confirm: FormCode = "",
) -> Response:
    """Withdraws when the question was answered: the unit loses access on its next request
    (app.access reads consents live). Without the answer nothing changes (422, the question
    again): a stray tap, or a form from before withdrawal asked first, withdraws nothing."""
    scope = _case_scope(session, actor, family_id)
    if confirm != "yes":
        return _withdraw_page(request, session, actor, scope, consent_id, refused=True)
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
    expires: date | None,
) -> HTMLResponse:
    _audit_statement(session, actor, scope, consent)
    return render(
        request,
        "consents/consent_statement.html",
        {
            **_statement_context(session, scope),
            "units": units,
            "consent": consent,
            "expires": expires,
        },
        lang=scope.family.language.value,
    )


@router.get("/families/{family_id}/consents/statement", name="consent_statement_draft")
def consent_statement_draft(
    request: Request,
    family_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    unit: Annotated[list[uuid.UUID], Query(max_length=50)] = [],  # noqa: B006 (FastAPI copies)
    until: Annotated[str | None, Query(pattern=rf"^(\d{{4}}-\d{{2}}-\d{{2}}|{NO_EXPIRY})$")] = None,
) -> HTMLResponse:
    """The statement the family signs before the consent is recorded: units chosen first, and
    the end of the consent (``until``: a date, or ``none``; a year from today when not said)."""
    scope = _case_scope(session, actor, family_id)
    found = consent_service.units_by_id(session, unit)
    if not unit:
        raise Invalid.field("unit", "Choose at least one service")
    if set(unit) - set(found):
        raise NotFound("No such unit.")
    if until is None:
        expires: date | None = local_today() + timedelta(days=CONSENT_YEARS_DAYS)
    elif until == NO_EXPIRY:
        expires = None
    else:
        try:
            expires = date.fromisoformat(until)
        except ValueError:
            raise Invalid.field("until", "Give a date like 2027-01-31, or none") from None
    units = sorted(found.values(), key=lambda u: u.name)
    return _statement(request, session, actor, scope, units, None, expires)


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
    expires = local(consent.expires_at).date() if consent.expires_at else None
    return _statement(request, session, actor, scope, [unit] if unit else [], consent, expires)

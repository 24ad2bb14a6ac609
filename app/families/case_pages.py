"""The family side of the case, in the room with the family (DESIGN §3 Consent, §4.4–§4.6):
consents and the statement the family signs, "who has seen our data", the timeline, handing
the family over to another plan lead, and erasure.

Every page here is for the plan lead's side only. For a consented unit the consents and the
timeline do not exist (404: a consent shares the plan, not the case); "who has seen our data",
handover and erasure are refused (403); everyone else finds nothing (404), exactly as the API
decides. Printable documents for the family are in the family's language.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import FamilyAccess, Reach
from app.access.scope import FamilyScope, family_scope, scope_for
from app.accounts import service as account_service
from app.audit import service as audit
from app.families import service as family_service
from app.families import timeline as family_timeline
from app.families.schemas import ConsentCreate, HandoverCreate
from app.kit.errors import Conflict, Invalid, NotFound, PreconditionFailed
from app.kit.i18n import request_language, translations
from app.kit.pagination import decode_keyset, encode_keyset
from app.kit.templating import render
from app.models import AuditEvent, Consent, Family, Unit
from app.models.enums import AuditAction, ErasureReason, UnitLevel
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

FormText = Annotated[str, Form(max_length=10_000)]
FormCode = Annotated[str, Form(max_length=200)]

# The family meets its caseworker in Norway: dates and times are shown as they read there.
LOCAL_TIME = ZoneInfo("Europe/Oslo")
TRAIL_PAGE = 50
TRAIL_PRINT = 1000
CONSENT_YEARS_DAYS = 365
# Confirmations after a redirect travel as fixed codes, never as text (no personal data in URLs).
DONE_CODES = frozenset({"recorded", "withdrawn"})


def _(text: str) -> str:
    """Marks a message for the catalogs (Babel extracts ``_``); translated when shown."""
    return text


# --- plain words for the audit trail (codes stay codes in the API) -------------------------

WHAT: dict[tuple[str, str], str] = {
    ("read", "family"): _("opened the family's page"),
    ("read", "canvas"): _("read the canvas"),
    ("read", "plan"): _("read the plan"),
    ("read", "need"): _("looked up services for a need"),
    ("read", "consent"): _("read the consents"),
    ("read", "audit"): _("looked at who has seen the data"),
    ("read", "timeline"): _("read the timeline"),
    ("read", "reading"): _("read the follow-up scores"),
    ("create", "family"): _("registered the family"),
    ("create", "canvas"): _("started a new canvas"),
    ("create", "need"): _("added a need"),
    ("create", "referral"): _("mapped a need to a service"),
    ("create", "goal"): _("added a goal"),
    ("create", "action"): _("added an action"),
    ("create", "plan"): _("submitted the plan"),
    ("create", "reading"): _("recorded follow-up scores"),
    ("create", "review"): _("reviewed the plan"),
    ("update", "family"): _("changed the family's details"),
    ("update", "canvas"): _("changed the canvas"),
    ("update", "referral"): _("changed a referral"),
    ("update", "goal"): _("changed a goal"),
    ("update", "action"): _("changed an action"),
    ("update", "plan"): _("changed the plan's status"),
    ("delete", "family"): _("erased the family's data"),
    ("export", "family"): _("took out all the family's data"),
    ("export", "plan"): _("printed the plan as PDF"),
    ("consent_given", "consent"): _("recorded a consent"),
    ("consent_withdrawn", "consent"): _("withdrew a consent"),
}
WHAT_BY_PURPOSE: dict[tuple[str, str, str], str] = {
    ("read", "family", "list"): _("saw the family in the list of families"),
    ("update", "family", "handover"): _("gave the family a new plan lead"),
    ("read", "consent", "consent_statement"): _("printed a consent statement"),
}
ACTION_WORDS: dict[str, str] = {
    "read": _("read the family's data"),
    "create": _("added to the family's data"),
    "update": _("changed the family's data"),
    "delete": _("deleted from the family's data"),
    "export": _("took out the family's data"),
    "consent_given": _("recorded a consent"),
    "consent_withdrawn": _("withdrew a consent"),
}
PURPOSES: dict[str, str] = {
    "audit_trail": _("to show the family who has seen its data"),
    "share_plan": _("to share the plan"),
    "handover": _("handover to a new plan lead"),
    "suggestions": _("to find services that may help"),
    "consent_statement": _("for the family to sign"),
}
ROLES: dict[str, str] = {
    "caseworker": _("caseworker"),
    "reviewer": _("another service"),
    "coordinator": _("coordinator"),
    "admin": _("administrator"),
}
ERASURE_REASONS: dict[str, str] = {
    ErasureReason.family_request.value: _("The family asked us to delete its data"),
    ErasureReason.registered_in_error.value: _("The family was registered by mistake"),
    ErasureReason.retention_expired.value: _("The time we may keep the data has run out"),
    ErasureReason.case_transferred.value: _("The case has moved to another municipality"),
}
LEVELS: dict[str, str] = {
    UnitLevel.municipal.value: _("Municipal services"),
    UnitLevel.regional.value: _("Regional services"),
    UnitLevel.state.value: _("State services"),
    UnitLevel.voluntary.value: _("Voluntary organisations"),
    UnitLevel.private.value: _("Private services"),
}
CONSENT_FIELDS: dict[str, str] = {
    "unit_id": _("Choose the service the family shares its plan with."),
    "given_by": _("Write the name of the family member who gives consent."),
    "expires_at": _("Give a date after today, or leave the field empty for no end date."),
}
HANDOVER_FIELDS: dict[str, str] = {
    "to_user_id": _("Choose an active caseworker as the new plan lead."),
    "unit_id": _("Choose the new plan lead under one of their units."),
    "note": _("Keep the note under 500 characters."),
    "version": _(
        "Someone else changed the family while you were choosing. "
        "Check who the plan lead is now and try again."
    ),
}
ERASE_FIELDS: dict[str, str] = {
    "reason": _("Choose why the family's data is erased."),
    "confirm": _("Tick the box to confirm that you understand."),
}


def describe_event(event: AuditEvent, lang: str) -> dict[str, str]:
    """One audit event in plain words in ``lang``: what was done, in which role, and why."""
    gettext = translations(lang).gettext
    purpose = event.purpose or ""
    what = WHAT_BY_PURPOSE.get((event.action, event.record_type, purpose)) or WHAT.get(
        (event.action, event.record_type), ACTION_WORDS.get(event.action, event.action)
    )
    if purpose.startswith("erasure:"):
        why = ERASURE_REASONS.get(purpose.partition(":")[2], "")
    else:
        why = PURPOSES.get(purpose, "")
    return {
        "what": gettext(what),
        "why": gettext(why) if why else "",
        "role": gettext(ROLES[event.role]) if event.role in ROLES else (event.role or ""),
    }


# --- helpers ---------------------------------------------------------------------------------


def _lead_scope(session: Session, actor: Actor, family_id: uuid.UUID) -> FamilyScope:
    """Acts on the family a consented unit knows of, and may not do: 403 for it."""
    scope = family_scope(session, actor, family_id, Reach.plan)
    scope.require_lead_side()
    return scope


def _case_scope(session: Session, actor: Actor, family_id: uuid.UUID) -> FamilyScope:
    """The live case (consents, the case history): for a consented unit it does not exist."""
    return family_scope(session, actor, family_id, Reach.case)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TIME)


def _messages(lang: str, keys: Mapping[str, str]) -> dict[str, str]:
    gettext = translations(lang).gettext
    return {field: gettext(text) for field, text in keys.items()}


def _error_fields(exc: ValidationError | Invalid) -> list[str]:
    if isinstance(exc, Invalid):
        return [e.field for e in exc.errors]
    return [".".join(str(p) for p in e["loc"] if not isinstance(p, int)) for e in exc.errors()]


def _errors_for(exc: ValidationError | Invalid, friendly: Mapping[str, str]) -> dict[str, str]:
    """The form's fields that need a look, each with the message to show next to it."""
    errors: dict[str, str] = {}
    for field in _error_fields(exc):
        key = field if field in friendly else next(iter(friendly))
        errors.setdefault(key, friendly[key])
    return errors


def _parse_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _units_by_level(units: Iterable[Unit]) -> list[tuple[str, list[Unit]]]:
    grouped: dict[str, list[Unit]] = {}
    for unit in sorted(units, key=lambda u: u.name):
        grouped.setdefault(unit.level.value, []).append(unit)
    return [(level, grouped[level]) for level in LEVELS if level in grouped]


def _common(family: Family) -> dict[str, Any]:
    return {"family": family, "local": _local, "levels": LEVELS}


# --- consents --------------------------------------------------------------------------------


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
    consents = family_service.list_consents(session, actor, scope)
    unit_names = family_service.units_by_id(session, sorted({c.unit_id for c in consents}, key=str))
    choosable = [u for u in account_service.list_units(session) if u.id != family.lead_unit_id]
    default_expiry = datetime.now(LOCAL_TIME).date() + timedelta(days=CONSENT_YEARS_DAYS)
    return render(
        request,
        "families/consents.html",
        {
            **_common(family),
            "consents": consents,
            "unit_names": {k: u.name for k, u in unit_names.items()},
            "now": datetime.now(UTC),
            "units_by_level": _units_by_level(choosable),
            "consented": family_service.consented_units(session, family.id),
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
    try:
        data = ConsentCreate.model_validate(
            {
                "unit_id": _parse_id(unit_id),
                "given_by": given_by,
                "expires_at": _expiry(expires_at),
            }
        )
        family_service.add_consent(session, actor, scope, data)
    except (ValidationError, Invalid) as exc:
        friendly = _messages(request_language(request), CONSENT_FIELDS)
        errors = _errors_for(exc, friendly)
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
    consent = family_service.get_consent(session, scope, consent_id)
    try:
        family_service.withdraw_consent(session, actor, scope, consent)
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
    lead = family_service.plan_lead(session, family)
    lead_unit = session.get(Unit, family.lead_unit_id)
    today = datetime.now(LOCAL_TIME).date()
    if consent is None:
        expires: date | None = today + timedelta(days=CONSENT_YEARS_DAYS)
    else:
        expires = _local(consent.expires_at).date() if consent.expires_at else None
    return render(
        request,
        "families/consent_statement.html",
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
    found = family_service.units_by_id(session, unit)
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
    consent = family_service.get_consent(session, scope, consent_id)
    unit = session.get(Unit, consent.unit_id)
    return _statement(request, session, actor, scope, [unit] if unit else [], consent)


# --- who has seen our data -------------------------------------------------------------------


def _trail_context(
    session: Session, events: Sequence[AuditEvent], lang: str
) -> list[dict[str, Any]]:
    """The events with each person's name as the family knows them (the trail keeps usernames)."""
    user_ids = sorted({e.user_id for e in events if e.user_id}, key=str)
    names = family_service.display_names(session, user_ids)
    return [
        {
            "event": e,
            "person": names.get(e.user_id, e.username or "") if e.user_id else (e.username or ""),
            **describe_event(e, lang),
        }
        for e in events
    ]


@router.get("/families/{family_id}/audit", name="audit_page")
def audit_page(
    request: Request,
    family_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    scope = _lead_scope(session, actor, family_id)
    events, more = family_service.audit_trail(
        session, actor, scope, after=decode_keyset(cursor), limit=TRAIL_PAGE
    )
    return render(
        request,
        "families/audit.html",
        {
            **_common(scope.family),
            "summary": family_service.trail_summary(session, scope.family.id),
            "people": family_service.trail_people(session, scope.family.id),
            "entries": _trail_context(session, events, request_language(request)),
            "next": encode_keyset(events[-1].at, events[-1].id) if more else None,
            "first_page": cursor is None,
        },
    )


@router.get("/families/{family_id}/audit/print", name="audit_print")
def audit_print(
    request: Request, family_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    """The trail for the family to take home, in the family's language."""
    scope = _lead_scope(session, actor, family_id)
    lang = scope.family.language.value
    events, more = family_service.audit_trail(session, actor, scope, after=None, limit=TRAIL_PRINT)
    return render(
        request,
        "families/audit_print.html",
        {
            **_common(scope.family),
            "summary": family_service.trail_summary(session, scope.family.id),
            "people": family_service.trail_people(session, scope.family.id),
            "entries": _trail_context(session, events, lang),
            "more": more,
            "today": datetime.now(LOCAL_TIME).date(),
        },
        lang=lang,
    )


# --- timeline --------------------------------------------------------------------------------


@router.get("/families/{family_id}/timeline", name="timeline_page")
def timeline_page(
    request: Request, family_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    scope = _case_scope(session, actor, family_id)
    return render(
        request,
        "families/timeline.html",
        {
            **_common(scope.family),
            "entries": family_timeline.family_timeline(session, actor, scope),
        },
    )


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
            **_common(family),
            "plan_lead": family_service.plan_lead(session, family),
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
    try:
        if version != str(scope.family.version):
            raise PreconditionFailed("The family changed since the form was shown.")
        data = HandoverCreate.model_validate(
            {
                "to_user_id": _parse_id(user_part),
                "unit_id": _parse_id(unit_part),
                "note": note or None,
            }
        )
        family_service.hand_over(session, actor, scope.family, data)
    except (ValidationError, Invalid, PreconditionFailed) as exc:
        friendly = _messages(request_language(request), HANDOVER_FIELDS)
        if isinstance(exc, PreconditionFailed):
            errors = {"version": friendly["version"]}
        else:
            errors = _errors_for(exc, friendly)
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
            **_common(family),
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
    friendly = _messages(request_language(request), ERASE_FIELDS)
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

"""Pages for the planning part of the conversation: the family's needs and the services mapped
to them (with suggestions from the catalogue), goals, and actions (who does what by when).

Every page goes through ``app.access`` exactly like the JSON API: a family's records load
through ``record_scope`` (404 for anyone who may not see them) and changes go through the
canvases service, which checks ``scope.require_edit()``. A consented unit reads the pages
without their forms.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import Reach, can_edit_case
from app.access.scope import FamilyScope, record_scope
from app.accounts import service as account_service
from app.canvases import service as canvas_service
from app.canvases import status_forms
from app.canvases.schemas import (
    ActionCreate,
    CanvasOut,
    GoalCreate,
    NeedCreate,
    ReferralCreate,
    Suggestion,
)
from app.canvases.template_schema import CanvasTemplateDef
from app.catalogue import service as catalogue_service
from app.kit.errors import Invalid
from app.kit.i18n import request_language, translations
from app.kit.templating import render
from app.models import Action, Canvas, Goal, Need, Referral, Service, Unit
from app.models.enums import (
    ActionStatus,
    GoalAchievement,
    GoalHorizon,
    GoalLifecycle,
    ReferralStatus,
    ResponsibleKind,
)
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

FormText = Annotated[str, Form(max_length=10_000)]
FormCode = Annotated[str, Form(max_length=200)]
FormCodes = Annotated[list[str], Form(max_length=60)]

# Confirmations after a redirect travel as fixed codes, never as text (no personal data in URLs).
SAVED_CODES = frozenset({"need", "referral", "status", "goal", "progress", "action"})
# A referral still standing: mapping the same service again would only make a duplicate.
OPEN_REFERRAL = frozenset(
    {
        ReferralStatus.proposed,
        ReferralStatus.sent,
        ReferralStatus.accepted,
        ReferralStatus.in_progress,
        ReferralStatus.completed,
    }
)


def _(text: str) -> str:
    """Marks a message for the catalogs (Babel extracts ``_``); translated when shown."""
    return text


# --- helpers ---------------------------------------------------------------------------------


def _canvas_scope(
    session: Session, actor: Actor, canvas_id: uuid.UUID
) -> tuple[Canvas, FamilyScope]:
    return record_scope(session, actor, Canvas, canvas_id, "canvas", Reach.case)


def _messages(lang: str, keys: Mapping[str, str]) -> dict[str, str]:
    gettext = translations(lang).gettext
    return {field: gettext(text) for field, text in keys.items()}


def _field_key(field: str) -> str:
    """``indicators[2]`` and ``responsible.unit_id`` name the form field they belong to."""
    return field.split("[", 1)[0]


def _form_errors(exc: ValidationError | Invalid, friendly: Mapping[str, str]) -> dict[str, str]:
    """Field errors of a service or schema, in the user's words where we know the field."""
    if isinstance(exc, Invalid):
        raw = [(e.field, e.message) for e in exc.errors]
    else:
        raw = [
            (".".join(str(p) for p in e["loc"] if not isinstance(p, int)), e["msg"])
            for e in exc.errors()
        ]
    errors: dict[str, str] = {}
    for field, message in raw:
        key = _field_key(field) or "form"
        errors.setdefault(key, friendly.get(key, message))
    return errors


def _parse_id(value: str) -> uuid.UUID | str:
    """An id from a form; left as text when it is not one, so the schema names the field."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return value


def _saved(code: str | None) -> str | None:
    return code if code in SAVED_CODES else None


def _catalogue(session: Session) -> dict[uuid.UUID, tuple[Service, Unit]]:
    rows, _ = catalogue_service.search_services(
        session, domain=None, q=None, unit_id=None, include_inactive=True, offset=0, limit=10_000
    )
    return {service.id: (service, unit) for service, unit in rows}


def _service_text(service: Service, lang: str) -> dict[str, str]:
    """The service's name and description in the UI language, when the catalogue has them."""
    local = service.translations.get(lang) or {}
    return {
        "name": str(local.get("name") or service.name),
        "description": str(local.get("description") or service.description),
    }


def _referral_views(
    document: CanvasOut, catalogue: Mapping[uuid.UUID, tuple[Service, Unit]], lang: str
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    by_need: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for referral in document.referrals:
        entry = catalogue.get(referral.service_id) if referral.service_id else None
        view: dict[str, Any] = {
            "referral": referral,
            "name": referral.external_service_name or "",
            "provider": None,
            "external": entry is None,
            "open": referral.status
            not in (ReferralStatus.declined, ReferralStatus.completed, ReferralStatus.cancelled),
        }
        if entry is not None:
            view["name"] = _service_text(entry[0], lang)["name"]
            view["provider"] = entry[1].name
        by_need.setdefault(referral.need_id, []).append(view)
    return by_need


def _base_context(
    canvas: Canvas, scope: FamilyScope, template: CanvasTemplateDef, section: str
) -> dict[str, Any]:
    return {
        "canvas": canvas,
        "family": scope.family,
        "template": template,
        "can_edit": can_edit_case(scope.access),
        "section": section,
    }


# --- needs and referrals ---------------------------------------------------------------------

NEED_MESSAGES = {
    "domain": _("Choose a life domain."),
    "text": _("Write the need in the family's own words."),
    "priority": _("Choose how important this is."),
    "indicators": _("Tick only signs that belong to the chosen life domain."),
}
EXTERNAL_MESSAGES = {
    "external_service_name": _("Write the name of the service, group or person."),
    "form": _("Write the name of the service, group or person."),
}
REFERRAL_STATUS_MESSAGES = {
    "status": _("This change is not possible for the referral now."),
    "reason": _("Write why the referral is cancelled."),
    "version": _("Someone else changed this referral just now. Look at it again and retry."),
}


def _needs_page(
    request: Request,
    session: Session,
    actor: Actor,
    canvas: Canvas,
    scope: FamilyScope,
    *,
    domain: str | None = None,
    saved: str | None = None,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    referral_errors: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
    referral_form: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = request_language(request)
    template = canvas_service.template_of(session, canvas)
    document = canvas_service.read_canvas(session, actor, canvas)
    chosen = domain if domain and template.domain(domain) else None
    needs_by_domain = {
        d.key: [n for n in document.needs if n.domain == d.key] for d in template.domains
    }
    context = _base_context(canvas, scope, template, "needs")
    context.update(
        {
            "needs_by_domain": needs_by_domain,
            "need_count": len(document.needs),
            "referrals": _referral_views(document, _catalogue(session), lang),
            "chosen_domain": chosen,
            "form": dict(form or {"domain": chosen or "", "priority": "2", "indicators": []}),
            "errors": dict(errors or {}),
            "referral_errors": referral_errors or {},
            "referral_form": referral_form or {},
            "saved": _saved(saved),
        }
    )
    return render(request, "canvases/needs.html", context, status_code=status_code)


@router.get("/canvases/{canvas_id}/needs", name="needs_page")
def needs_page(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    canvas_id: uuid.UUID,
    domain: str | None = None,
    saved: str | None = None,
) -> HTMLResponse:
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    return _needs_page(request, session, actor, canvas, scope, domain=domain, saved=saved)


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
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    template = canvas_service.template_of(session, canvas)
    chosen = domain if template.domain(domain) else None
    return render(
        request,
        "canvases/_indicators.html",
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
) -> Response:
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    form = {"domain": domain, "text": text, "priority": priority, "indicators": indicators}
    try:
        data = NeedCreate.model_validate(
            {
                "domain": domain,
                "text": text.strip(),
                "priority": priority or None,
                "indicators": indicators,
            }
        )
        need = canvas_service.add_need(session, actor, scope, canvas, data)
    except (ValidationError, Invalid) as exc:
        errors = _form_errors(exc, _messages(request_language(request), NEED_MESSAGES))
        session.rollback()
        return _needs_page(
            request,
            session,
            actor,
            canvas,
            scope,
            domain=domain,
            form=form,
            errors=errors,
            status_code=422,
        )
    target = request.app.url_path_for("suggestions_page", need_id=need.id)
    return RedirectResponse(f"{target}?saved=need", status_code=303)


def _mapped_services(session: Session, need: Need) -> set[uuid.UUID]:
    """Catalogue services this need is mapped to by a referral that still stands."""
    canvas = canvas_service.load_canvas(session, need.canvas_id)
    assert canvas is not None  # a need always belongs to a canvas (foreign key)
    return {
        r.service_id
        for r in canvas_service.canvas_document(session, canvas).referrals
        if r.need_id == need.id and r.service_id is not None and r.status in OPEN_REFERRAL
    }


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
    canvas = canvas_service.load_canvas(session, need.canvas_id)
    assert canvas is not None  # a need always belongs to a canvas (foreign key)
    template = canvas_service.template_of(session, canvas)
    suggestions: list[Suggestion] = canvas_service.suggestions(session, actor, need)
    document = canvas_service.canvas_document(session, canvas)
    catalogue = _catalogue(session)
    referrals = _referral_views(document, catalogue, lang).get(need.id, [])
    mapped = {
        view["referral"].service_id: view["referral"]
        for view in referrals
        if view["referral"].service_id and view["referral"].status in OPEN_REFERRAL
    }
    context = _base_context(canvas, scope, template, "needs")
    context.update(
        {
            "need": canvas_service.need_out(need),
            "suggestions": [
                {"suggestion": s, "text": _service_text(catalogue[s.service.id][0], lang)}
                if s.service.id in catalogue
                else {"suggestion": s, "text": {"name": s.service.name, "description": ""}}
                for s in suggestions
            ],
            "mapped": mapped,
            "referrals": referrals,
            "form": dict(form or {}),
            "errors": dict(errors or {}),
            "saved": _saved(saved),
        }
    )
    return render(request, "canvases/suggestions.html", context, status_code=status_code)


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
    needs_url = request.app.url_path_for("needs_page", canvas_id=need.canvas_id)
    done = RedirectResponse(f"{needs_url}?saved=referral#need-{need.id}", status_code=303)
    wanted = _parse_id(service_id) if service_id else None
    if isinstance(wanted, uuid.UUID) and wanted in _mapped_services(session, need):
        return done  # mapped already: a second tap must not make a second referral
    try:
        data = ReferralCreate.model_validate(
            {"service_id": wanted}
            if service_id
            else {"external_service_name": external_service_name.strip() or None}
        )
        canvas_service.add_referral(session, actor, scope, need, data)
    except (ValidationError, Invalid) as exc:
        errors = _form_errors(exc, _messages(request_language(request), EXTERNAL_MESSAGES))
        if "form" in errors:
            errors.setdefault("external_service_name", errors.pop("form"))
        session.rollback()
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
    return done


@router.post("/referrals/{referral_id}/status", name="referral_status")
def change_referral_status(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    referral_id: uuid.UUID,
    status: FormCode = "",
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    referral, scope = record_scope(session, actor, Referral, referral_id, "referral", Reach.case)
    need, _ = record_scope(session, actor, Need, referral.need_id, "need", Reach.case)
    form = {"status": status, "reason": reason}
    lang = request_language(request)
    errors = status_forms.change_referral_status(
        session, actor, scope, referral, form, version, REFERRAL_STATUS_MESSAGES, lang
    )
    if errors:
        canvas, scope = _canvas_scope(session, actor, need.canvas_id)
        return _needs_page(
            request,
            session,
            actor,
            canvas,
            scope,
            referral_errors={referral_id: errors},
            referral_form={referral_id: form},
            status_code=422,
        )
    target = request.app.url_path_for("needs_page", canvas_id=need.canvas_id)
    return RedirectResponse(f"{target}?saved=status#need-{need.id}", status_code=303)


# --- goals -----------------------------------------------------------------------------------

GOAL_MESSAGES = {
    "horizon": _("Choose a dream, a long-term goal or a short-term goal."),
    "text": _("Write the goal in the family's own words."),
    "domains": _("Choose only life domains of this canvas."),
}
# The progress form's words: the schema refuses a code the form never offers; the service
# refuses a goal marked completed without saying how it ended.
GOAL_PROGRESS_CHOICE_MESSAGES = {
    "lifecycle_status": _("Choose where the goal stands."),
    "achievement_status": _("Choose how the goal is going."),
    "form": _("Choose how the goal is going."),
}
GOAL_PROGRESS_RULE_MESSAGES = {
    "lifecycle_status": _("Choose where the goal stands."),
    "achievement_status": _(
        "To mark the goal completed, say how it ended: achieved, not achieved or not possible "
        "to reach."
    ),
    "version": _(
        "Someone else changed this goal just now. It is shown here as it is now: look at it and "
        "save again."
    ),
}
# The order the progress choices are offered in: still under way first, then how it ended.
GOAL_ACHIEVEMENTS = (
    GoalAchievement.in_progress,
    GoalAchievement.improving,
    GoalAchievement.no_change,
    GoalAchievement.worsening,
    GoalAchievement.no_progress,
    GoalAchievement.sustaining,
    GoalAchievement.achieved,
    GoalAchievement.not_achieved,
    GoalAchievement.not_attainable,
)


def _goals_page(
    request: Request,
    session: Session,
    actor: Actor,
    canvas: Canvas,
    scope: FamilyScope,
    *,
    saved: str | None = None,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    goal_errors: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
    goal_form: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    template = canvas_service.template_of(session, canvas)
    document = canvas_service.read_canvas(session, actor, canvas)
    context = _base_context(canvas, scope, template, "goals")
    context.update(
        {
            "horizons": [h.value for h in (GoalHorizon.dream, GoalHorizon.long, GoalHorizon.short)],
            "goals_by_horizon": {
                h.value: [g for g in document.goals if g.horizon is h] for h in GoalHorizon
            },
            "form": dict(form or {"horizon": "", "domains": []}),
            "errors": dict(errors or {}),
            "lifecycles": [s.value for s in GoalLifecycle],
            "achievements": [a.value for a in GOAL_ACHIEVEMENTS],
            "goal_errors": goal_errors or {},
            "goal_form": goal_form or {},
            "saved": _saved(saved),
        }
    )
    return render(request, "canvases/goals.html", context, status_code=status_code)


@router.get("/canvases/{canvas_id}/goals", name="goals_page")
def goals_page(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    canvas_id: uuid.UUID,
    saved: str | None = None,
) -> HTMLResponse:
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    return _goals_page(request, session, actor, canvas, scope, saved=saved)


@router.post("/canvases/{canvas_id}/goals", name="goal_create")
def create_goal(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    canvas_id: uuid.UUID,
    horizon: FormCode = "",
    text: FormText = "",
    domains: FormCodes = [],  # noqa: B006 (FastAPI copies the default)
) -> Response:
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    form = {"horizon": horizon, "text": text, "domains": domains}
    try:
        data = GoalCreate.model_validate(
            {"horizon": horizon or None, "text": text.strip(), "domains": domains}
        )
        canvas_service.add_goal(session, actor, scope, canvas, data)
    except (ValidationError, Invalid) as exc:
        errors = _form_errors(exc, _messages(request_language(request), GOAL_MESSAGES))
        session.rollback()
        return _goals_page(
            request, session, actor, canvas, scope, form=form, errors=errors, status_code=422
        )
    target = request.app.url_path_for("goals_page", canvas_id=canvas.id)
    return RedirectResponse(f"{target}?saved=goal", status_code=303)


@router.post("/goals/{goal_id}/progress", name="goal_progress")
def record_goal_progress(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    goal_id: uuid.UUID,
    lifecycle_status: FormCode = "",
    achievement_status: FormCode = "",
    version: FormCode = "",
) -> Response:
    """How a goal is going, said at a follow-up: the same change as PATCH /api/v1/goals/{id}."""
    goal, scope = record_scope(session, actor, Goal, goal_id, "goal", Reach.case)
    scope.require_edit()
    canvas_id = goal.canvas_id
    form = {"lifecycle_status": lifecycle_status, "achievement_status": achievement_status}
    errors = status_forms.change_goal_progress(
        session,
        actor,
        scope,
        goal,
        form,
        version,
        GOAL_PROGRESS_CHOICE_MESSAGES,
        GOAL_PROGRESS_RULE_MESSAGES,
        request_language(request),
    )
    if errors:
        canvas, scope = _canvas_scope(session, actor, canvas_id)
        # A goal changed meanwhile is shown as it is stored now (409), so the family and the
        # lead decide on what is there; otherwise their choices stay in the form (422).
        stale = "version" in errors
        return _goals_page(
            request,
            session,
            actor,
            canvas,
            scope,
            goal_errors={goal_id: errors},
            goal_form={} if stale else {goal_id: form},
            status_code=409 if stale else 422,
        )
    target = request.app.url_path_for("goals_page", canvas_id=canvas_id)
    return RedirectResponse(f"{target}?saved=progress#goal-{goal_id}", status_code=303)


# --- actions ---------------------------------------------------------------------------------

ACTION_MESSAGES = {
    "text": _("Write what will be done."),
    "responsible": _("Say who is responsible: the family or a service."),
    "responsible.kind": _("Say who is responsible: the family or a service."),
    "responsible.unit_id": _("Choose the service that is responsible."),
    "responsible.member": _("Write the family member's name, at most 200 characters."),
    "responsible.user_id": _("Choose a person who works in the chosen service, or nobody."),
    "due": _("Give the date as year-month-day, for example 2026-12-31."),
    "need_ids": _("Choose only needs of this canvas."),
    "goal_ids": _("Choose only goals of this canvas."),
    "referral_id": _("Choose only referrals of this canvas."),
}


def _actions_page(
    request: Request,
    session: Session,
    actor: Actor,
    canvas: Canvas,
    scope: FamilyScope,
    *,
    saved: str | None = None,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    action_errors: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
    action_form: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = request_language(request)
    template = canvas_service.template_of(session, canvas)
    document = canvas_service.read_canvas(session, actor, canvas)
    units = account_service.list_units(session)
    members = account_service.unit_members(session)
    unit_names = {u.id: u.name for u in units}
    referrals = _referral_views(document, _catalogue(session), lang)
    context = _base_context(canvas, scope, template, "actions")
    context.update(
        {
            "actions": document.actions,
            "needs": {n.id: n for n in document.needs},
            "goals": {g.id: g for g in document.goals},
            "referral_views": {
                view["referral"].id: view for views in referrals.values() for view in views
            },
            "units": units,
            "unit_names": unit_names,
            "members_by_unit": [
                (unit, [user for unit_id, user in members if unit_id == unit.id])
                for unit in units
                if any(unit_id == unit.id for unit_id, _ in members)
            ],
            "member_names": {user.id: user.display_name for _, user in members},
            "statuses": [s.value for s in ActionStatus],
            "form": dict(form or {"kind": "", "need_ids": [], "goal_ids": []}),
            "errors": dict(errors or {}),
            "action_errors": action_errors or {},
            "action_form": action_form or {},
            "saved": _saved(saved),
            "today": date.today().isoformat(),
        }
    )
    return render(request, "canvases/actions.html", context, status_code=status_code)


@router.get("/canvases/{canvas_id}/actions", name="actions_page")
def actions_page(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    canvas_id: uuid.UUID,
    saved: str | None = None,
) -> HTMLResponse:
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    return _actions_page(request, session, actor, canvas, scope, saved=saved)


@router.post("/canvases/{canvas_id}/actions", name="action_create")
def create_action(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    canvas_id: uuid.UUID,
    text: FormText = "",
    kind: FormCode = "",
    member: FormCode = "",
    unit_id: FormCode = "",
    user_id: FormCode = "",
    due: FormCode = "",
    need_ids: FormCodes = [],  # noqa: B006 (FastAPI copies the default)
    goal_ids: FormCodes = [],  # noqa: B006
    referral_id: FormCode = "",
) -> Response:
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    form = {
        "text": text,
        "kind": kind,
        "member": member,
        "unit_id": unit_id,
        "user_id": user_id,
        "due": due,
        "need_ids": need_ids,
        "goal_ids": goal_ids,
        "referral_id": referral_id,
    }
    responsible: dict[str, Any] = {"kind": kind or None}
    if kind == ResponsibleKind.unit.value:
        responsible["unit_id"] = _parse_id(unit_id) if unit_id else None
        if user_id:
            responsible["user_id"] = _parse_id(user_id)
    elif member.strip():
        responsible["member"] = member.strip()
    try:
        data = ActionCreate.model_validate(
            {
                "text": text.strip(),
                "responsible": responsible,
                "due": due or None,
                "need_ids": [_parse_id(n) for n in need_ids],
                "goal_ids": [_parse_id(g) for g in goal_ids],
                "referral_id": _parse_id(referral_id) if referral_id else None,
            }
        )
        canvas_service.add_action(session, actor, scope, canvas, data)
    except (ValidationError, Invalid) as exc:
        friendly = _messages(request_language(request), ACTION_MESSAGES)
        errors = _form_errors(exc, friendly)
        if "responsible" in errors:  # the schema's own check: a unit is responsible, but which?
            del errors["responsible"]
            field = "responsible.unit_id" if kind == "unit" else "responsible.kind"
            errors.setdefault(field, friendly[field])
        session.rollback()
        return _actions_page(
            request, session, actor, canvas, scope, form=form, errors=errors, status_code=422
        )
    target = request.app.url_path_for("actions_page", canvas_id=canvas.id)
    return RedirectResponse(f"{target}?saved=action", status_code=303)


@router.post("/actions/{action_id}/status", name="action_status")
def change_action_status(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    action_id: uuid.UUID,
    status: FormCode = "",
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    action, scope = record_scope(session, actor, Action, action_id, "action", Reach.case)
    canvas_id = action.canvas_id
    form = {"status": status, "reason": reason}
    lang = request_language(request)
    errors = status_forms.change_action_status(session, actor, scope, action, form, version, lang)
    if errors:
        canvas, scope = _canvas_scope(session, actor, canvas_id)
        return _actions_page(
            request,
            session,
            actor,
            canvas,
            scope,
            action_errors={action_id: errors},
            action_form={action_id: form},
            status_code=422,
        )
    target = request.app.url_path_for("actions_page", canvas_id=canvas_id)
    return RedirectResponse(f"{target}?saved=status#action-{action_id}", status_code=303)

"""Pages that correct an action (what is done, by whom, by when, for which needs and goals)
and mark one entered in error (DESIGN §3, Corrections). The list of actions is in pages.py.

Like the needs' correction pages (app/needs/correct_pages.py): the form sends the version it
was drawn at, and a correction racing another comes back with the action as stored and the
form as typed (409). The actions service does the work, as for PATCH /api/v1/actions/{id}.
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
from app.accounts import service as account_service
from app.actions import service as action_service
from app.actions.schemas import ActionPatch
from app.catalogue import template_store
from app.corrections import service as correction_service
from app.goals import service as goal_service
from app.kit import forms
from app.kit.forms import FormCode, FormCodes, FormText
from app.kit.i18n import N_, request_language, translations
from app.kit.templating import render
from app.models import Action, Canvas
from app.models.enums import ActionStatus, CorrectedRecord, ResponsibleKind
from app.needs import service as need_service
from app.web.case import case_context
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NOTHING_CHANGED = N_("Change at least one thing, or go back.")
ACTION_CORRECT_MESSAGES = {
    "text": N_("Write what will be done."),
    "responsible": N_("Say who is responsible: the family or a service."),
    "responsible.kind": N_("Say who is responsible: the family or a service."),
    "responsible.unit_id": N_("Choose the service that is responsible."),
    "responsible.member": N_("Write the family member's name, at most 200 characters."),
    "responsible.user_id": N_("Choose a person who works in the chosen service, or nobody."),
    "due": N_("Give the date as year-month-day, for example 2026-12-31."),
    "need_ids": N_("Choose only needs of this canvas."),
    "goal_ids": N_("Choose only goals of this canvas."),
    "reason": N_("The reason is too long."),
    "form": NOTHING_CHANGED,
    "version": N_(
        "Someone else changed this action just now. It is shown as it is now; your changes are "
        "still in the form: look at both and save again."
    ),
}
ERROR_MESSAGES = {
    "reason": N_("The reason is too long."),
    "status": N_("This can no longer be marked as entered in error."),
    "version": N_("Someone else changed this just now. Look at it again and confirm again."),
}


def _action_form(session: Session, action: Action) -> dict[str, Any]:
    need_ids, goal_ids = action_service.action_links(session, [action.id])[action.id]
    return {
        "text": action.text,
        "kind": action.responsible_kind.value,
        "member": action.responsible_member or "",
        "unit_id": str(action.responsible_unit_id or ""),
        "user_id": str(action.responsible_user_id or ""),
        "due": action.due_date.isoformat() if action.due_date else "",
        "need_ids": [str(i) for i in need_ids],
        "goal_ids": [str(i) for i in goal_ids],
        "reason": "",
    }


def _responsible(kind: str, member: str, unit_id: str, user_id: str) -> dict[str, Any]:
    """Who is responsible, as the form says it, in the schema's shape."""
    responsible: dict[str, Any] = {"kind": kind or None}
    if kind == ResponsibleKind.unit.value:
        responsible["unit_id"] = forms.parse_id(unit_id) if unit_id else None
        if user_id:
            responsible["user_id"] = forms.parse_id(user_id)
    elif member.strip():
        responsible["member"] = member.strip()
    return responsible


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    action: Action,
    scope: FamilyScope,
    page: str,
    context: dict[str, Any],
    status_code: int,
) -> HTMLResponse:
    canvas = session.get(Canvas, action.canvas_id)
    assert canvas is not None  # every action belongs to a canvas (foreign key)
    template = template_store.template_of(session, canvas)
    history = correction_service.read_history(
        session, actor, CorrectedRecord.action, action.id, scope.family_id
    )
    full = case_context(canvas, scope, template, "actions")
    full.update(context)
    full["history"] = history
    full["names"] = correction_service.history_names(
        session, scope.family_id, history, request_language(request)
    )
    return render(request, page, full, status_code=status_code)


def _correct_page(
    request: Request,
    session: Session,
    actor: Actor,
    action: Action,
    scope: FamilyScope,
    *,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    units = account_service.list_units(session)
    members = account_service.unit_members(session)
    context = {
        "action": action,
        "needs": need_service.needs_of(session, action.canvas_id),
        "goals": goal_service.goals_of(session, action.canvas_id),
        "units": units,
        "members_by_unit": [
            (unit, [user for unit_id, user in members if unit_id == unit.id])
            for unit in units
            if any(unit_id == unit.id for unit_id, _ in members)
        ],
        "form": dict(form or _action_form(session, action)),
        "errors": dict(errors or {}),
    }
    return _page(
        request, session, actor, action, scope, "actions/correct.html", context, status_code
    )


def _action_in_scope(
    session: Session, actor: Actor, action_id: uuid.UUID
) -> tuple[Action, FamilyScope]:
    action, scope = record_scope(session, actor, Action, action_id, "action", Reach.case)
    scope.require_edit()
    return action, scope


@router.get("/actions/{action_id}/correct", name="action_correct_form")
def action_correct_form(
    request: Request, actor: PageActor, session: SessionDep, action_id: uuid.UUID
) -> HTMLResponse:
    action, scope = _action_in_scope(session, actor, action_id)
    return _correct_page(request, session, actor, action, scope)


@router.post("/actions/{action_id}/correct", name="action_correct")
def correct_action(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    action_id: uuid.UUID,
    text: FormText = "",
    kind: FormCode = "",
    member: FormCode = "",
    unit_id: FormCode = "",
    user_id: FormCode = "",
    due: FormCode = "",
    need_ids: FormCodes = [],  # noqa: B006 (FastAPI copies the default)
    goal_ids: FormCodes = [],  # noqa: B006
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    action, scope = _action_in_scope(session, actor, action_id)
    form = {
        "text": text,
        "kind": kind,
        "member": member,
        "unit_id": unit_id,
        "user_id": user_id,
        "due": due,
        "need_ids": need_ids,
        "goal_ids": goal_ids,
        "reason": reason,
    }
    # The form sends every field: only what differs from the stored action is a correction.
    stored = _action_form(session, action)
    data: dict[str, Any] = {}
    if text.strip() != action.text:
        data["text"] = text.strip()
    responsible = _responsible(kind, member, unit_id, user_id)
    if responsible != _responsible(
        stored["kind"], stored["member"], stored["unit_id"], stored["user_id"]
    ):
        data["responsible"] = responsible
    if due != stored["due"]:
        data["due"] = due or None
    if sorted(need_ids) != sorted(stored["need_ids"]):
        data["need_ids"] = [forms.parse_id(n) for n in need_ids]
    if sorted(goal_ids) != sorted(stored["goal_ids"]):
        data["goal_ids"] = [forms.parse_id(g) for g in goal_ids]
    lang = request_language(request)
    if not data:
        message = translations(lang).gettext(NOTHING_CHANGED)
        return _correct_page(
            request,
            session,
            actor,
            action,
            scope,
            form=form,
            errors={"form": message},
            status_code=422,
        )
    if reason.strip():
        data["reason"] = reason.strip()
    _, errors = forms.submit(
        session,
        lambda: action_service.update_action(
            session,
            actor,
            scope,
            action,
            ActionPatch.model_validate(data),
            forms.expected_version(version),
        ),
        ACTION_CORRECT_MESSAGES,
        lang,
    )
    if errors:
        if "responsible" in errors:  # the schema's own check: a unit is responsible, but which?
            del errors["responsible"]
            field = "responsible.unit_id" if kind == "unit" else "responsible.kind"
            errors.setdefault(field, translations(lang).gettext(ACTION_CORRECT_MESSAGES[field]))
        return _correct_page(
            request,
            session,
            actor,
            action,
            scope,
            form=form,
            errors=errors,
            status_code=409 if "version" in errors else 422,
        )
    target = request.app.url_path_for("actions_page", canvas_id=action.canvas_id)
    return RedirectResponse(f"{target}?saved=corrected#action-{action.id}", status_code=303)


def _error_page(
    request: Request,
    session: Session,
    actor: Actor,
    action: Action,
    scope: FamilyScope,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "kind": "action",
        "item_text": action.text,
        "in_error": action.status is ActionStatus.entered_in_error,
        "version": action.version,
        "action_url": request.app.url_path_for("action_error", action_id=action.id),
        "back_url": request.app.url_path_for("actions_page", canvas_id=action.canvas_id)
        + f"#action-{action.id}",
        "referrals": [],
        "actions": [],
        "form": dict(form or {"reason": ""}),
        "errors": dict(errors or {}),
    }
    return _page(
        request,
        session,
        actor,
        action,
        scope,
        "corrections/entered_in_error.html",
        context,
        status_code,
    )


@router.get("/actions/{action_id}/entered-in-error", name="action_error_form")
def action_error_form(
    request: Request, actor: PageActor, session: SessionDep, action_id: uuid.UUID
) -> HTMLResponse:
    action, scope = _action_in_scope(session, actor, action_id)
    return _error_page(request, session, actor, action, scope)


@router.post("/actions/{action_id}/entered-in-error", name="action_error")
def mark_action_in_error(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    action_id: uuid.UUID,
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    action, scope = _action_in_scope(session, actor, action_id)
    data: dict[str, Any] = {"status": ActionStatus.entered_in_error.value}
    if reason.strip():
        data["reason"] = reason.strip()
    _, errors = forms.submit(
        session,
        lambda: action_service.update_action(
            session,
            actor,
            scope,
            action,
            ActionPatch.model_validate(data),
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
            action,
            scope,
            form={"reason": reason},
            errors=errors,
            status_code=409 if "version" in errors else 422,
        )
    target = request.app.url_path_for("actions_page", canvas_id=action.canvas_id)
    return RedirectResponse(f"{target}?saved=entered_in_error#entered-in-error", status_code=303)

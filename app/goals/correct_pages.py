"""Pages that correct a goal (its words, kind, life domains, target date) and mark one entered
in error (DESIGN §3, Corrections). The list of goals is in pages.py.

Like the needs' correction pages (app/needs/correct_pages.py): the form sends the version it
was drawn at, and a correction racing another comes back with the goal as stored and the text
as typed (409). The goals service does the work, as for PATCH /api/v1/goals/{id}.
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
from app.catalogue import template_store
from app.corrections import service as correction_service
from app.goals import service as goal_service
from app.goals.schemas import GoalOut, GoalPatch
from app.kit import forms
from app.kit.forms import FormCode, FormCodes, FormText
from app.kit.i18n import N_, request_language
from app.kit.templating import render
from app.models import Canvas, Goal
from app.models.enums import CorrectedRecord, GoalHorizon, GoalLifecycle
from app.web.case import case_context
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

GOAL_CORRECT_MESSAGES = {
    "horizon": N_("Choose a dream, a long-term goal or a short-term goal."),
    "text": N_("Write the goal in the family's own words."),
    "domains": N_("Choose only life domains of this canvas."),
    "target_date": N_("Give the date as year-month-day, for example 2026-12-31."),
    "reason": N_("The reason is too long."),
    "form": N_("Change at least one thing, or go back."),
    "version": N_(
        "Someone else changed this goal just now. It is shown as it is now; your words are "
        "still in the form: look at both and save again."
    ),
}
ERROR_MESSAGES = {
    "reason": N_("The reason is too long."),
    "lifecycle_status": N_("This can no longer be marked as entered in error."),
    "version": N_("Someone else changed this just now. Look at it again and confirm again."),
}


def _goal_form(goal: Goal) -> dict[str, Any]:
    return {
        "text": goal.text,
        "horizon": goal.horizon.value,
        "domains": list(goal.domains),
        "target_date": goal.target_date.isoformat() if goal.target_date else "",
        "reason": "",
    }


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    goal: Goal,
    scope: FamilyScope,
    page: str,
    context: dict[str, Any],
    status_code: int,
) -> HTMLResponse:
    canvas = session.get(Canvas, goal.canvas_id)
    assert canvas is not None  # every goal belongs to a canvas (foreign key)
    template = template_store.template_of(session, canvas)
    history = correction_service.read_history(
        session, actor, CorrectedRecord.goal, goal.id, scope.family_id
    )
    full = case_context(canvas, scope, template, "goals")
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
    goal: Goal,
    scope: FamilyScope,
    *,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "goal": GoalOut.model_validate(goal),
        "horizons": [h.value for h in (GoalHorizon.dream, GoalHorizon.long, GoalHorizon.short)],
        "form": dict(form or _goal_form(goal)),
        "errors": dict(errors or {}),
    }
    return _page(request, session, actor, goal, scope, "goals/correct.html", context, status_code)


def _goal_in_scope(session: Session, actor: Actor, goal_id: uuid.UUID) -> tuple[Goal, FamilyScope]:
    goal, scope = record_scope(session, actor, Goal, goal_id, "goal", Reach.case)
    scope.require_edit()
    return goal, scope


@router.get("/goals/{goal_id}/correct", name="goal_correct_form")
def goal_correct_form(
    request: Request, actor: PageActor, session: SessionDep, goal_id: uuid.UUID
) -> HTMLResponse:
    goal, scope = _goal_in_scope(session, actor, goal_id)
    return _correct_page(request, session, actor, goal, scope)


@router.post("/goals/{goal_id}/correct", name="goal_correct")
def correct_goal(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    goal_id: uuid.UUID,
    text: FormText = "",
    horizon: FormCode = "",
    domains: FormCodes = [],  # noqa: B006 (FastAPI copies the default)
    target_date: FormCode = "",
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    goal, scope = _goal_in_scope(session, actor, goal_id)
    form = {
        "text": text,
        "horizon": horizon,
        "domains": domains,
        "target_date": target_date,
        "reason": reason,
    }
    # The form sends every field: only what differs from the stored goal is a correction.
    stored = _goal_form(goal)
    data: dict[str, Any] = {}
    if text.strip() != goal.text:
        data["text"] = text.strip()
    if horizon != stored["horizon"]:
        data["horizon"] = horizon or None
    if list(dict.fromkeys(domains)) != stored["domains"]:
        data["domains"] = domains
    if target_date != stored["target_date"]:
        data["target_date"] = target_date or None
    if reason.strip():
        data["reason"] = reason.strip()
    _, errors = forms.submit(
        session,
        lambda: goal_service.update_goal(
            session,
            actor,
            scope,
            goal,
            GoalPatch.model_validate(data),
            forms.expected_version(version),
        ),
        GOAL_CORRECT_MESSAGES,
        request_language(request),
    )
    if errors:
        return _correct_page(
            request,
            session,
            actor,
            goal,
            scope,
            form=form,
            errors=errors,
            status_code=409 if "version" in errors else 422,
        )
    target = request.app.url_path_for("goals_page", canvas_id=goal.canvas_id)
    return RedirectResponse(f"{target}?saved=corrected#goal-{goal.id}", status_code=303)


def _error_page(
    request: Request,
    session: Session,
    actor: Actor,
    goal: Goal,
    scope: FamilyScope,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "kind": "goal",
        "item_text": goal.text,
        "in_error": goal.lifecycle_status is GoalLifecycle.entered_in_error,
        "version": goal.version,
        "action_url": request.app.url_path_for("goal_error", goal_id=goal.id),
        "back_url": request.app.url_path_for("goals_page", canvas_id=goal.canvas_id)
        + f"#goal-{goal.id}",
        "referrals": [],
        "actions": [],
        "form": dict(form or {"reason": ""}),
        "errors": dict(errors or {}),
    }
    return _page(
        request,
        session,
        actor,
        goal,
        scope,
        "corrections/entered_in_error.html",
        context,
        status_code,
    )


@router.get("/goals/{goal_id}/entered-in-error", name="goal_error_form")
def goal_error_form(
    request: Request, actor: PageActor, session: SessionDep, goal_id: uuid.UUID
) -> HTMLResponse:
    goal, scope = _goal_in_scope(session, actor, goal_id)
    return _error_page(request, session, actor, goal, scope)


@router.post("/goals/{goal_id}/entered-in-error", name="goal_error")
def mark_goal_in_error(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    goal_id: uuid.UUID,
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    goal, scope = _goal_in_scope(session, actor, goal_id)
    data: dict[str, Any] = {"lifecycle_status": GoalLifecycle.entered_in_error.value}
    if reason.strip():
        data["reason"] = reason.strip()
    _, errors = forms.submit(
        session,
        lambda: goal_service.update_goal(
            session,
            actor,
            scope,
            goal,
            GoalPatch.model_validate(data),
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
            goal,
            scope,
            form={"reason": reason},
            errors=errors,
            status_code=409 if "version" in errors else 422,
        )
    target = request.app.url_path_for("goals_page", canvas_id=goal.canvas_id)
    return RedirectResponse(f"{target}?saved=entered_in_error#entered-in-error", status_code=303)

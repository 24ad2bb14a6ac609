"""Pages for the family's goals: the dream, long- and short-term goals, and how each is
going, said at a follow-up.

Every page goes through ``app.access`` exactly like the JSON API; changes go through the
goals service, which checks ``scope.require_edit()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.access.policy import Reach
from app.access.scope import canvas_scope, record_scope
from app.audit import service as audit
from app.catalogue import template_store
from app.corrections import service as correction_service
from app.goals import correct_pages
from app.goals import service as goal_service
from app.goals.schemas import GoalCreate, GoalPatch
from app.kit import forms
from app.kit.forms import FormCode, FormCodes, FormText
from app.kit.i18n import N_, request_language
from app.kit.templating import render
from app.members import service as member_service
from app.models import Canvas, Goal
from app.models.enums import AuditAction, GoalAchievement, GoalHorizon, GoalLifecycle
from app.web.case import Asked, add_tab_page, case_context
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

# Confirmations after a redirect travel as fixed codes, never as text (no personal data in URLs).
SAVED_CODES = frozenset({"goal", "progress", "corrected", "entered_in_error"})

GOAL_MESSAGES = {
    "concerns_member_id": N_("Choose a member of this family, or the whole family."),
    "horizon": N_("Choose a dream, a long-term goal or a short-term goal."),
    "text": N_("Write the goal in the family's own words."),
    "domains": N_("Choose only life domains of this canvas."),
    "target_date": N_("Give the date as year-month-day, for example 2026-12-31."),
}
# The progress form's words: the schema refuses a code the form never offers; the service
# refuses a goal marked completed without saying how it ended.
GOAL_PROGRESS_CHOICE_MESSAGES = {
    "lifecycle_status": N_("Choose where the goal stands."),
    "achievement_status": N_("Choose how the goal is going."),
    "form": N_("Choose how the goal is going."),
}
GOAL_PROGRESS_RULE_MESSAGES = {
    "lifecycle_status": N_("Choose where the goal stands."),
    "achievement_status": N_(
        "To mark the goal completed, say how it ended: achieved, not achieved or not possible "
        "to reach."
    ),
    "version": N_(
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
    asked: Asked,
    canvas: Canvas,
    *,
    saved: str | None = None,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    goal_errors: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
    goal_form: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    request, session, actor, scope = asked
    template = template_store.template_of(session, canvas)
    every_goal = goal_service.goals_of(session, canvas.id, include_erroneous=True)
    goals = [g for g in every_goal if g.lifecycle_status is not GoalLifecycle.entered_in_error]
    audit.record(session, actor, AuditAction.read, "canvas", canvas.id, family_id=canvas.family_id)
    history = correction_service.canvas_history(session, canvas.id)
    context = case_context(canvas, scope, template, "goals")
    context.update(
        {
            "horizons": [h.value for h in (GoalHorizon.dream, GoalHorizon.long, GoalHorizon.short)],
            "goals_by_horizon": {
                h.value: [g for g in goals if g.horizon is h] for h in GoalHorizon
            },
            # The lead side sees what was entered in error apart, folded.
            "erroneous_goals": [g for g in every_goal if g not in goals],
            "history": history,
            "names": correction_service.history_names(
                session,
                canvas.family_id,
                [c for entries in history.values() for c in entries],
                request_language(request),
            ),
            "family_members": member_service.family_members(session, canvas.family_id),
            "form": dict(form or {"horizon": "", "domains": []}),
            "errors": dict(errors or {}),
            # Entered in error is said on its own page, with a confirmation.
            "lifecycles": [
                s.value for s in GoalLifecycle if s is not GoalLifecycle.entered_in_error
            ],
            "achievements": [a.value for a in GOAL_ACHIEVEMENTS],
            "goal_errors": goal_errors or {},
            "goal_form": goal_form or {},
            "saved": saved if saved in SAVED_CODES else None,
        }
    )
    return render(request, "goals/goals.html", context, status_code=status_code)


add_tab_page(router, "goals", _goals_page)


@router.post("/canvases/{canvas_id}/goals", name="goal_create")
def create_goal(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    canvas_id: uuid.UUID,
    horizon: FormCode = "",
    text: FormText = "",
    domains: FormCodes = [],  # noqa: B006 (FastAPI copies the default)
    target_date: FormCode = "",
    concerns_member_id: FormCode = "",
) -> Response:
    canvas, scope = canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    form = {
        "horizon": horizon,
        "text": text,
        "domains": domains,
        "target_date": target_date,
        "concerns_member_id": concerns_member_id,
    }
    data = {
        "horizon": horizon or None,
        "text": text.strip(),
        "domains": domains,
        "target_date": target_date or None,
        "concerns_member_id": forms.parse_id(concerns_member_id) if concerns_member_id else None,
    }
    goal, errors = forms.submit(
        session,
        lambda: goal_service.add_goal(
            session, actor, scope, canvas, GoalCreate.model_validate(data)
        ),
        GOAL_MESSAGES,
        request_language(request),
    )
    if goal is None:
        return _goals_page(
            Asked(request, session, actor, scope), canvas, form=form, errors=errors, status_code=422
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
    # The form always says the progress ("not said yet", empty, clears it); an empty goal
    # status leaves it as it is.
    values: dict[str, str | None] = {"achievement_status": achievement_status or None}
    if lifecycle_status:
        values["lifecycle_status"] = lifecycle_status
    _, errors = forms.submit(
        session,
        lambda: goal_service.update_goal(
            session,
            actor,
            scope,
            goal,
            GoalPatch.model_validate(values),
            forms.expected_version(version),
        ),
        GOAL_PROGRESS_RULE_MESSAGES,
        request_language(request),
        schema_messages=GOAL_PROGRESS_CHOICE_MESSAGES,
    )
    if errors:
        canvas, scope = canvas_scope(session, actor, canvas_id)
        # A goal changed meanwhile is shown as it is stored now (409), so the family and the
        # lead decide on what is there; otherwise their choices stay in the form (422).
        stale = "version" in errors
        return _goals_page(
            Asked(request, session, actor, scope),
            canvas,
            goal_errors={goal_id: errors},
            goal_form={} if stale else {goal_id: form},
            status_code=409 if stale else 422,
        )
    target = request.app.url_path_for("goals_page", canvas_id=canvas_id)
    return RedirectResponse(f"{target}?saved=progress#goal-{goal_id}", status_code=303)


# Correcting a goal and a goal entered in error live in their own module; their pages are
# served under this room's router.
router.include_router(correct_pages.router)

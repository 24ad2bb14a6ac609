"""Pages that correct a goal (its words, kind, life domains, target date) and mark one entered
in error (DESIGN §3, Corrections). The list of goals is in pages.py.

The pages go the corrections' one way (app/corrections/page_flow.py): the form sends the
version it was drawn at, and a correction racing another comes back with the goal as stored
and the text as typed (409). The goals service does the work, as for PATCH /api/v1/goals/{id}.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from app.corrections import page_flow
from app.goals import service as goal_service
from app.goals.schemas import GoalOut, GoalPatch
from app.kit import forms
from app.kit.forms import FormCode, FormCodes, FormText
from app.kit.i18n import N_
from app.members import service as member_service
from app.models import Goal
from app.models.enums import CorrectedRecord, GoalHorizon
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

GOAL_CORRECT_MESSAGES = {
    "concerns_member_id": N_("Choose a member of this family, or the whole family."),
    "horizon": N_("Choose a dream, a long-term goal or a short-term goal."),
    "text": N_("Write the goal in the family's own words."),
    "domains": N_("Choose only life domains of this canvas."),
    "target_date": N_("Give the date as year-month-day, for example 2026-12-31."),
    "reason": page_flow.REASON_TOO_LONG,
    "form": N_("Change at least one thing, or go back."),
    "version": N_(
        "Someone else changed this goal just now. It is shown as it is now; your words are "
        "still in the form: look at both and save again."
    ),
}


def _goal_form(_session: Session, goal: Goal) -> dict[str, Any]:
    return {
        "text": goal.text,
        "horizon": goal.horizon.value,
        "domains": list(goal.domains),
        "target_date": goal.target_date.isoformat() if goal.target_date else "",
        "concerns_member_id": str(goal.concerns_member_id or ""),
        "reason": "",
    }


def _context(
    _request: Request, session: Session, goal: Goal, _form: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "goal": GoalOut.model_validate(goal),
        "family_members": member_service.family_members(session, goal.family_id),
        "horizons": [h.value for h in (GoalHorizon.dream, GoalHorizon.long, GoalHorizon.short)],
    }


def _changes(session: Session, goal: Goal, form: Mapping[str, Any]) -> dict[str, Any]:
    """The form sends every field: only what differs from the stored goal is a correction."""
    stored = _goal_form(session, goal)
    data: dict[str, Any] = {}
    if form["text"].strip() != goal.text:
        data["text"] = form["text"].strip()
    if form["horizon"] != stored["horizon"]:
        data["horizon"] = form["horizon"] or None
    if list(dict.fromkeys(form["domains"])) != stored["domains"]:
        data["domains"] = form["domains"]
    if form["target_date"] != stored["target_date"]:
        data["target_date"] = form["target_date"] or None
    stored_concerns = stored["concerns_member_id"]
    if form["concerns_member_id"] != stored_concerns:
        chosen = form["concerns_member_id"]
        data["concerns_member_id"] = forms.parse_id(chosen) if chosen else None
    return data


GOAL = page_flow.Corrected(
    record_type=CorrectedRecord.goal,
    model=Goal,
    service=goal_service.update_goal,
    schema=GoalPatch,
    place=lambda _session, goal: (goal.canvas_id, f"goal-{goal.id}"),
    section="goals",
    page_name="goals/correct.html",
    stored=_goal_form,
    context=_context,
    changes=_changes,
    messages=GOAL_CORRECT_MESSAGES,
)


@router.get("/goals/{goal_id}/correct", name="goal_correct_form")
def goal_correct_form(
    request: Request, actor: PageActor, session: SessionDep, goal_id: uuid.UUID
) -> HTMLResponse:
    return page_flow.correct_form(request, session, actor, GOAL, goal_id)


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
    concerns_member_id: FormCode = "",
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    form = {
        "text": text,
        "horizon": horizon,
        "domains": domains,
        "target_date": target_date,
        "concerns_member_id": concerns_member_id,
        "reason": reason,
    }
    return page_flow.correct(request, session, actor, GOAL, goal_id, form=form, version=version)


@router.get("/goals/{goal_id}/entered-in-error", name="goal_error_form")
def goal_error_form(
    request: Request, actor: PageActor, session: SessionDep, goal_id: uuid.UUID
) -> HTMLResponse:
    return page_flow.error_form(request, session, actor, GOAL, goal_id)


@router.post("/goals/{goal_id}/entered-in-error", name="goal_error")
def mark_goal_in_error(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    goal_id: uuid.UUID,
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    return page_flow.mark_in_error(
        request, session, actor, GOAL, goal_id, reason=reason, version=version
    )

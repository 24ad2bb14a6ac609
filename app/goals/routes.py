"""The JSON API for goals."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.access.policy import Reach
from app.access.scope import canvas_scope, record_scope
from app.corrections import service as correction_service
from app.corrections.schemas import CorrectionOut
from app.goals import service as goal_service
from app.goals.schemas import GoalCreate, GoalOut, GoalPatch
from app.kit.concurrency import IfMatch, expected_version, set_etag
from app.models import Goal
from app.models.enums import CorrectedRecord
from app.web.deps import CurrentActor, IdempotencyDep, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["goals"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


@router.post("/canvases/{canvas_id}/goals", status_code=201, response_model=GoalOut)
def add_goal(
    canvas_id: uuid.UUID,
    data: GoalCreate,
    actor: CurrentActor,
    session: SessionDep,
    idem: IdempotencyDep,
) -> GoalOut:
    canvas, scope = canvas_scope(session, actor, canvas_id)
    out = GoalOut.model_validate(goal_service.add_goal(session, actor, scope, canvas, data))
    idem.store(201, out, family_id=canvas.family_id, location=f"/api/v1/goals/{out.id}")
    return out


@router.patch("/goals/{goal_id}", response_model=GoalOut)
def patch_goal(
    goal_id: uuid.UUID,
    data: GoalPatch,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> GoalOut:
    goal, scope = record_scope(session, actor, Goal, goal_id, "goal", Reach.case)
    scope.require_edit()
    version = expected_version(if_match, goal.version)
    goal_service.update_goal(session, actor, scope, goal, data, version)
    set_etag(response, goal.version)
    return GoalOut.model_validate(goal)


@router.get("/goals/{goal_id}/corrections", response_model=list[CorrectionOut])
def goal_history(
    goal_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[CorrectionOut]:
    """The goal's corrections, newest first: its earlier wording (the lead side only)."""
    goal, _ = record_scope(session, actor, Goal, goal_id, "goal", Reach.case)
    return correction_service.read_history(
        session, actor, CorrectedRecord.goal, goal.id, goal.family_id
    )

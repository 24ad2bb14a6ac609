from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.access.scope import record_scope
from app.canvases import service as canvas_service
from app.deps import CurrentActor, SessionDep, TransactionalRoute
from app.kit.errors import NotFound
from app.kit.idempotency import IdempotencyDep
from app.kit.problems import PROBLEM_RESPONSES
from app.models import Canvas, Plan
from app.plans import service as plan_service
from app.plans.schemas import PlanOut

router = APIRouter(
    prefix="/api/v1", tags=["plans"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


@router.post("/canvases/{canvas_id}/plans", status_code=201, response_model=PlanOut)
def submit_plan(
    canvas_id: uuid.UUID, actor: CurrentActor, session: SessionDep, idem: IdempotencyDep
) -> PlanOut:
    _, scope = record_scope(session, actor, Canvas, canvas_id, "canvas")
    canvas = canvas_service.load_canvas(session, canvas_id)
    assert canvas is not None
    plan = plan_service.submit_plan(session, actor, scope, canvas)
    out = plan_service.plan_document(session, plan)
    idem.store(201, out, family_id=plan.family_id)
    return out


@router.get("/plans/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: uuid.UUID, actor: CurrentActor, session: SessionDep) -> PlanOut:
    _, _scope = record_scope(session, actor, Plan, plan_id, "plan")
    plan = plan_service.load_plan(session, plan_id)
    if plan is None:
        raise NotFound("No such plan.")
    return plan_service.read_plan(session, actor, plan)

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.access.policy import FamilyAccess, Reach
from app.access.scope import family_scope, record_scope
from app.canvases import service as canvas_service
from app.models import Canvas
from app.plans import service as plan_service
from app.plans.schemas import FamilyApproval, PlanClose, PlanOut, PlanSummary
from app.web.deps import CurrentActor, IdempotencyDep, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["plans"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


@router.post("/canvases/{canvas_id}/plans", status_code=201, response_model=PlanOut)
def submit_plan(
    canvas_id: uuid.UUID, actor: CurrentActor, session: SessionDep, idem: IdempotencyDep
) -> PlanOut:
    _, scope = record_scope(session, actor, Canvas, canvas_id, "canvas", Reach.case)
    canvas = canvas_service.load_canvas(session, canvas_id)
    assert canvas is not None
    plan = plan_service.submit_plan(session, actor, scope, canvas)
    out = plan_service.plan_document(session, plan, FamilyAccess.lead_side)
    idem.store(201, out, family_id=plan.family_id, location=f"/api/v1/plans/{plan.id}")
    return out


@router.get("/plans/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: uuid.UUID, actor: CurrentActor, session: SessionDep) -> PlanOut:
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    return plan_service.read_plan(session, actor, scope, plan)


@router.get("/families/{family_id}/plans", response_model=list[PlanSummary])
def list_family_plans(
    family_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[PlanSummary]:
    """The versions of the family's plan, oldest first."""
    scope = family_scope(session, actor, family_id, Reach.plan)
    return plan_service.family_plans(session, actor, scope)


@router.post("/plans/{plan_id}/family-approval", response_model=PlanOut)
def record_family_approval(
    plan_id: uuid.UUID, data: FamilyApproval, actor: CurrentActor, session: SessionDep
) -> PlanOut:
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    plan_service.record_family_approval(session, actor, scope, plan, data)
    return plan_service.document_for(session, actor, scope, plan)


@router.post("/plans/{plan_id}/close", response_model=PlanOut)
def close_plan(
    plan_id: uuid.UUID, data: PlanClose, actor: CurrentActor, session: SessionDep
) -> PlanOut:
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    plan_service.close_plan(session, actor, scope, plan, data)
    return plan_service.document_for(session, actor, scope, plan)

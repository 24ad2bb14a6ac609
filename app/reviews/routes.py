"""The review API (DESIGN §8): a unit's decision on a plan version, the review queue, and what
changed between two versions; tagged "plans" as before, so the API document reads the same."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.plans import service as plan_service
from app.plans.schemas import PlanOut
from app.reviews import service as review_service
from app.reviews.schemas import PLAN_NUMBER_MAX, PlanDiff, ReviewDecision, ReviewQueueItem
from app.web.deps import CurrentActor, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["plans"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


@router.post("/plans/{plan_id}/reviews", response_model=PlanOut)
def decide_review(
    plan_id: uuid.UUID, data: ReviewDecision, actor: CurrentActor, session: SessionDep
) -> PlanOut:
    """An asked unit approves the plan or asks for changes (DESIGN §3 Review). The plan is
    active once every asked unit and the family have approved it."""
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    review_service.decide_review(session, actor, scope, plan, data)
    return plan_service.document_for(session, actor, scope, plan)


@router.get("/plans/{plan_id}/diff", response_model=PlanDiff)
def plan_diff(
    plan_id: uuid.UUID,
    actor: CurrentActor,
    session: SessionDep,
    against: Annotated[
        int,
        Query(ge=1, le=PLAN_NUMBER_MAX, description="The number of the version to compare with"),
    ],
) -> PlanDiff:
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    return review_service.plan_diff(session, actor, scope, plan, against)


@router.get("/review-queue", response_model=list[ReviewQueueItem])
def review_queue(actor: CurrentActor, session: SessionDep) -> list[ReviewQueueItem]:
    """Plans in review waiting for one of the caller's units (pending, or changes asked)."""
    return review_service.review_queue(session, actor)

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response

from app.access.policy import Reach
from app.access.scope import FamilyScope, family_scope, record_scope
from app.canvases import assignments
from app.canvases import service as canvas_service
from app.canvases.schemas import (
    ActionCreate,
    ActionOut,
    ActionPatch,
    AssignedOut,
    CanvasCreate,
    CanvasOut,
    CanvasPatch,
    GoalCreate,
    GoalOut,
    GoalPatch,
    NeedCreate,
    NeedOut,
    ReferralCreate,
    ReferralOut,
    ReferralPatch,
    Suggestion,
)
from app.kit.concurrency import IfMatch, etag, expected_version, set_etag
from app.models import Action, Canvas, Goal, Need, Referral
from app.web.deps import CurrentActor, IdempotencyDep, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["canvases"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


def _canvas_scope(
    session: SessionDep, actor: CurrentActor, canvas_id: uuid.UUID
) -> tuple[Canvas, FamilyScope]:
    return record_scope(session, actor, Canvas, canvas_id, "canvas", Reach.case)


def _wants_minimal(prefer: str | None) -> bool:
    return prefer is not None and any(
        part.strip().lower() == "return=minimal" for part in prefer.split(",")
    )


@router.post("/families/{family_id}/canvases", status_code=201, response_model=CanvasOut)
def create_canvas(
    family_id: uuid.UUID,
    data: CanvasCreate,
    actor: CurrentActor,
    session: SessionDep,
    idem: IdempotencyDep,
    response: Response,
) -> CanvasOut:
    scope = family_scope(session, actor, family_id, Reach.case)
    canvas = canvas_service.create_canvas(session, actor, scope, data.template_key)
    out = canvas_service.canvas_document(session, canvas)
    idem.store(201, out, family_id=canvas.family_id, location=f"/api/v1/canvases/{out.id}")
    set_etag(response, canvas.version)
    return out


@router.get("/canvases/{canvas_id}", response_model=CanvasOut)
def get_canvas(
    canvas_id: uuid.UUID, actor: CurrentActor, session: SessionDep, response: Response
) -> CanvasOut:
    canvas, _ = _canvas_scope(session, actor, canvas_id)
    out = canvas_service.read_canvas(session, actor, canvas)
    set_etag(response, canvas.version)
    return out


@router.patch(
    "/canvases/{canvas_id}",
    response_model=CanvasOut,
    responses={
        204: {
            "description": "Saved. Sent instead of the canvas when the request says "
            "`Prefer: return=minimal` (the autosave of a tablet); the new version is in ETag."
        }
    },
)
def patch_canvas(
    canvas_id: uuid.UUID,
    data: CanvasPatch,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
    prefer: Annotated[str | None, Header(max_length=200)] = None,
) -> CanvasOut | Response:
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    version = expected_version(if_match, canvas.version)
    canvas_service.patch_canvas(session, actor, scope, canvas, data, version)
    if _wants_minimal(prefer):
        return Response(
            status_code=204,
            headers={"ETag": etag(canvas.version), "Preference-Applied": "return=minimal"},
        )
    set_etag(response, canvas.version)
    return canvas_service.canvas_document(session, canvas)


@router.post("/canvases/{canvas_id}/needs", status_code=201, response_model=NeedOut)
def add_need(
    canvas_id: uuid.UUID,
    data: NeedCreate,
    actor: CurrentActor,
    session: SessionDep,
    idem: IdempotencyDep,
) -> NeedOut:
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    out = canvas_service.need_out(canvas_service.add_need(session, actor, scope, canvas, data))
    idem.store(201, out, family_id=canvas.family_id, location=f"/api/v1/needs/{out.id}")
    return out


@router.get("/needs/{need_id}/suggestions", response_model=list[Suggestion])
def need_suggestions(
    need_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[Suggestion]:
    need, scope = record_scope(session, actor, Need, need_id, "need", Reach.case)
    scope.require_edit()
    return canvas_service.suggestions(session, actor, need)


@router.post("/needs/{need_id}/referrals", status_code=201, response_model=ReferralOut)
def add_referral(
    need_id: uuid.UUID,
    data: ReferralCreate,
    actor: CurrentActor,
    session: SessionDep,
    idem: IdempotencyDep,
    response: Response,
) -> ReferralOut:
    need, scope = record_scope(session, actor, Need, need_id, "need", Reach.case)
    referral = canvas_service.add_referral(session, actor, scope, need, data)
    out = canvas_service.referral_out(referral, canvas_service.provider_unit_of(session, referral))
    idem.store(201, out, family_id=need.family_id, location=f"/api/v1/referrals/{out.id}")
    set_etag(response, referral.version)
    return out


@router.patch("/referrals/{referral_id}", response_model=ReferralOut)
def patch_referral(
    referral_id: uuid.UUID,
    data: ReferralPatch,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ReferralOut:
    referral, scope = record_scope(session, actor, Referral, referral_id, "referral", Reach.plan)
    version = expected_version(if_match, referral.version)
    canvas_service.update_referral(session, actor, scope, referral, data, version)
    set_etag(response, referral.version)
    return canvas_service.referral_out(referral, canvas_service.provider_unit_of(session, referral))


@router.post("/canvases/{canvas_id}/goals", status_code=201, response_model=GoalOut)
def add_goal(
    canvas_id: uuid.UUID,
    data: GoalCreate,
    actor: CurrentActor,
    session: SessionDep,
    idem: IdempotencyDep,
) -> GoalOut:
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    out = canvas_service.goal_out(canvas_service.add_goal(session, actor, scope, canvas, data))
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
    canvas_service.update_goal(session, actor, scope, goal, data, version)
    set_etag(response, goal.version)
    return canvas_service.goal_out(goal)


@router.post("/canvases/{canvas_id}/actions", status_code=201, response_model=ActionOut)
def add_action(
    canvas_id: uuid.UUID,
    data: ActionCreate,
    actor: CurrentActor,
    session: SessionDep,
    idem: IdempotencyDep,
    response: Response,
) -> ActionOut:
    canvas, scope = _canvas_scope(session, actor, canvas_id)
    action = canvas_service.add_action(session, actor, scope, canvas, data)
    links = canvas_service.action_links(session, [action.id])[action.id]
    out = canvas_service.action_out(action, *links)
    idem.store(201, out, family_id=canvas.family_id, location=f"/api/v1/actions/{out.id}")
    set_etag(response, action.version)
    return out


@router.patch("/actions/{action_id}", response_model=ActionOut)
def patch_action(
    action_id: uuid.UUID,
    data: ActionPatch,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ActionOut:
    action, scope = record_scope(session, actor, Action, action_id, "action", Reach.plan)
    version = expected_version(if_match, action.version)
    canvas_service.update_action(session, actor, scope, action, data, version)
    links = canvas_service.action_links(session, [action.id])[action.id]
    set_etag(response, action.version)
    return canvas_service.action_out(action, *links)


@router.get("/families/{family_id}/assigned", response_model=AssignedOut)
def assigned(family_id: uuid.UUID, actor: CurrentActor, session: SessionDep) -> AssignedOut:
    """The family's live actions and referrals assigned to the caller's units, with the
    versions to send in If-Match when reporting on them: for a unit with the family's consent,
    the work it has taken on (the rest of the live case is not shared with it)."""
    scope = family_scope(session, actor, family_id, Reach.plan)
    return assignments.assigned_work(session, actor, scope)

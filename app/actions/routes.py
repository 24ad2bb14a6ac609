"""The JSON API for actions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.access.policy import Reach
from app.access.scope import canvas_scope, record_scope
from app.actions import service as action_service
from app.actions.schemas import ActionCreate, ActionOut, ActionPatch
from app.corrections import service as correction_service
from app.corrections.schemas import CorrectionOut
from app.kit.concurrency import IfMatch, expected_version, set_etag
from app.models import Action
from app.models.enums import CorrectedRecord
from app.web.deps import CurrentActor, IdempotencyDep, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["actions"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


@router.post("/canvases/{canvas_id}/actions", status_code=201, response_model=ActionOut)
def add_action(
    canvas_id: uuid.UUID,
    data: ActionCreate,
    actor: CurrentActor,
    session: SessionDep,
    idem: IdempotencyDep,
    response: Response,
) -> ActionOut:
    canvas, scope = canvas_scope(session, actor, canvas_id)
    action = action_service.add_action(session, actor, scope, canvas, data)
    links = action_service.action_links(session, [action.id])[action.id]
    out = action_service.action_out(action, *links)
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
    action_service.update_action(session, actor, scope, action, data, version)
    links = action_service.action_links(session, [action.id])[action.id]
    set_etag(response, action.version)
    return action_service.action_out(action, *links)


@router.get("/actions/{action_id}/corrections", response_model=list[CorrectionOut])
def action_history(
    action_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[CorrectionOut]:
    """The action's corrections, newest first: its earlier wording (the lead side only; a unit
    responsible for it follows its status, not its history)."""
    action, _ = record_scope(session, actor, Action, action_id, "action", Reach.case)
    return correction_service.read_history(
        session, actor, CorrectedRecord.action, action.id, action.family_id
    )

"""The JSON API for the canvas itself (the autosave included) and the work assigned to a unit."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response

from app.access.policy import Reach
from app.access.scope import canvas_scope, family_scope
from app.canvases import assignments
from app.canvases import service as canvas_service
from app.canvases.schemas import AssignedOut, CanvasCreate, CanvasOut, CanvasPatch
from app.kit.concurrency import IfMatch, etag, expected_version, set_etag
from app.web.deps import CurrentActor, IdempotencyDep, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["canvases"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


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
    canvas, _ = canvas_scope(session, actor, canvas_id)
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
    canvas, scope = canvas_scope(session, actor, canvas_id)
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


@router.get("/families/{family_id}/assigned", response_model=AssignedOut)
def assigned(family_id: uuid.UUID, actor: CurrentActor, session: SessionDep) -> AssignedOut:
    """The family's live actions and referrals assigned to the caller's units, with the
    versions to send in If-Match when reporting on them: for a unit with the family's consent,
    the work it has taken on (the rest of the live case is not shared with it)."""
    scope = family_scope(session, actor, family_id, Reach.plan)
    return assignments.assigned_work(session, actor, scope)

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.barriers import service as barrier_service
from app.barriers.schemas import BarrierCreate, BarrierDecision, BarrierOut
from app.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, encode_cursor
from app.models.enums import BarrierStatus
from app.web.deps import CurrentActor, IdempotencyDep, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["barriers"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


@router.post("/barriers", status_code=201, response_model=BarrierOut)
def record_barrier(
    data: BarrierCreate, actor: CurrentActor, session: SessionDep, idem: IdempotencyDep
) -> BarrierOut:
    """A barrier, written for the system level. ``family_id`` only checks the text against
    that family's names and is not stored: a barrier is not linked to a family. A text that
    looks like personal data is 422."""
    out = barrier_service.barrier_out(barrier_service.record_barrier(session, actor, data))
    idem.store(201, out, family_id=None, location=f"/api/v1/barriers/{out.id}")
    return out


@router.get("/barriers", response_model=Page[BarrierOut])
def list_barriers(
    actor: CurrentActor,
    session: SessionDep,
    status: Annotated[BarrierStatus | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[BarrierOut]:
    """Newest first. A coordinator sees every barrier; a caseworker the ones they wrote."""
    offset = decode_cursor(cursor)
    rows, more = barrier_service.list_barriers(
        session, actor, status=status, offset=offset, limit=limit
    )
    return Page[BarrierOut](
        items=[barrier_service.barrier_out(b) for b in rows],
        next=encode_cursor(offset + limit) if more else None,
    )


@router.post("/barriers/{barrier_id}/decision", response_model=BarrierOut)
def decide_barrier(
    barrier_id: uuid.UUID, data: BarrierDecision, actor: CurrentActor, session: SessionDep
) -> BarrierOut:
    """Approve (optionally with a tidied text) or reject (with a comment) a pending text."""
    return barrier_service.barrier_out(
        barrier_service.decide_barrier(session, actor, barrier_id, data)
    )

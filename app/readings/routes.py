from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.access.policy import Reach
from app.access.scope import family_scope
from app.readings import service as reading_service
from app.readings.schemas import ReadingCreate, ReadingOut
from app.web.deps import CurrentActor, IdempotencyDep, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["readings"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


@router.post("/families/{family_id}/readings", status_code=201, response_model=ReadingOut)
def add_reading(
    family_id: uuid.UUID,
    data: ReadingCreate,
    actor: CurrentActor,
    session: SessionDep,
    idem: IdempotencyDep,
) -> ReadingOut:
    """A follow-up reading: the family's and the worker's score per domain. Readings are
    numbered per family and never changed; reading 1 is the first canvas."""
    scope = family_scope(session, actor, family_id, Reach.case)
    reading = reading_service.add_reading(session, actor, scope, data)
    out = reading_service.readings_out(session, [reading])[0]
    idem.store(201, out, family_id=family_id, location=f"/api/v1/families/{family_id}/readings")
    return out


@router.get("/families/{family_id}/readings", response_model=list[ReadingOut])
def list_readings(
    family_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[ReadingOut]:
    """The family's readings, oldest first."""
    scope = family_scope(session, actor, family_id, Reach.case)
    return reading_service.list_readings(session, actor, scope)

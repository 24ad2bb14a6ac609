"""The family's audit trail through the API (DESIGN §4.5, §8 GET /families/{id}/audit), for the
plan lead's side; tagged "families" as before, so the API document reads the same."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.access.policy import Reach
from app.access.scope import family_scope
from app.audit import service as audit
from app.audit.schemas import AuditEventOut
from app.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_keyset, encode_keyset
from app.web.deps import CurrentActor, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["families"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


@router.get("/families/{family_id}/audit", response_model=Page[AuditEventOut])
def family_audit(
    family_id: uuid.UUID,
    actor: CurrentActor,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[AuditEventOut]:
    scope = family_scope(session, actor, family_id, Reach.plan)
    scope.require_lead_side()  # a consented unit knows the family, and is refused
    events, more = audit.audit_trail(
        session, actor, scope, after=decode_keyset(cursor), limit=limit
    )
    return Page[AuditEventOut](
        items=[
            AuditEventOut(
                at=e.at,
                username=e.username,
                unit=e.unit,
                role=e.role,
                action=e.action,
                record_type=e.record_type,
                record_id=e.record_id,
                purpose=e.purpose,
            )
            for e in events
        ],
        next=encode_keyset(events[-1].at, events[-1].id) if more else None,
    )

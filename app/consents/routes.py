"""The consent API (DESIGN §8 /families/{id}/consents), for the plan lead's side: a consented
unit does not see the consents (404: a consent shares the plan, not the case). Tagged
"families" as before, so the API document reads the same."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.access.policy import Reach
from app.access.scope import family_scope
from app.consents import service as consent_service
from app.consents.schemas import ConsentBatchCreate, ConsentCreate, ConsentOut, ConsentsOut
from app.db import utcnow
from app.models import Consent
from app.web.deps import CurrentActor, IdempotencyDep, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["families"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


def consent_out(consent: Consent) -> ConsentOut:
    return ConsentOut(
        id=consent.id,
        unit_id=consent.unit_id,
        purpose=consent.purpose,
        given_by=consent.given_by,
        given_at=consent.given_at,
        expires_at=consent.expires_at,
        withdrawn_at=consent.withdrawn_at,
        active=consent.is_active(utcnow()),
        version=consent.version,
    )


@router.get("/families/{family_id}/consents", response_model=list[ConsentOut])
def list_consents(
    family_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[ConsentOut]:
    scope = family_scope(session, actor, family_id, Reach.case)
    return [consent_out(c) for c in consent_service.list_consents(session, actor, scope)]


@router.post("/families/{family_id}/consents", status_code=201, response_model=ConsentOut)
def add_consent(
    family_id: uuid.UUID,
    data: ConsentCreate,
    actor: CurrentActor,
    session: SessionDep,
    idem: IdempotencyDep,
) -> ConsentOut:
    scope = family_scope(session, actor, family_id, Reach.case)
    out = consent_out(consent_service.add_consent(session, actor, scope, data))
    idem.store(
        201,
        out,
        family_id=scope.family_id,
        location=f"/api/v1/families/{scope.family_id}/consents/{out.id}",
    )
    return out


@router.post("/families/{family_id}/consents/batch", status_code=201, response_model=ConsentsOut)
def add_consents(
    family_id: uuid.UUID,
    data: ConsentBatchCreate,
    actor: CurrentActor,
    session: SessionDep,
    idem: IdempotencyDep,
) -> ConsentsOut:
    """One family member's consent for several units at once: one consent per unit, each
    audited, all recorded or (422, naming each unit refused) none. The family sees the
    statement for all of them first (the consents page shows it)."""
    scope = family_scope(session, actor, family_id, Reach.case)
    out = ConsentsOut(
        items=[consent_out(c) for c in consent_service.add_consents(session, actor, scope, data)]
    )
    # The consents are read in the family's list of them; each has no URL of its own.
    idem.store(
        201,
        out,
        family_id=scope.family_id,
        location=f"/api/v1/families/{scope.family_id}/consents",
    )
    return out


@router.post("/families/{family_id}/consents/{consent_id}/withdraw", response_model=ConsentOut)
def withdraw_consent(
    family_id: uuid.UUID, consent_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> ConsentOut:
    scope = family_scope(session, actor, family_id, Reach.case)
    consent = consent_service.get_consent(session, scope, consent_id)
    return consent_out(consent_service.withdraw_consent(session, actor, scope, consent))

"""The JSON API for needs, the services suggested for them, and referrals."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.access.policy import Reach
from app.access.scope import canvas_scope, record_scope
from app.catalogue import service as catalogue_service
from app.catalogue.schemas import Suggestion
from app.corrections import service as correction_service
from app.corrections.schemas import CorrectionOut
from app.kit.concurrency import IfMatch, expected_version, set_etag
from app.models import Need, Referral
from app.models.enums import CorrectedRecord
from app.needs import corrections as need_corrections
from app.needs import service as need_service
from app.needs.schemas import (
    NeedCreate,
    NeedOut,
    NeedPatch,
    ReferralCreate,
    ReferralOut,
    ReferralPatch,
)
from app.web.deps import CurrentActor, IdempotencyDep, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["needs"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


@router.post("/canvases/{canvas_id}/needs", status_code=201, response_model=NeedOut)
def add_need(
    canvas_id: uuid.UUID,
    data: NeedCreate,
    actor: CurrentActor,
    session: SessionDep,
    idem: IdempotencyDep,
) -> NeedOut:
    canvas, scope = canvas_scope(session, actor, canvas_id)
    out = NeedOut.model_validate(need_service.add_need(session, actor, scope, canvas, data))
    idem.store(201, out, family_id=canvas.family_id, location=f"/api/v1/needs/{out.id}")
    return out


@router.get("/needs/{need_id}/suggestions", response_model=list[Suggestion])
def need_suggestions(
    need_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[Suggestion]:
    need, scope = record_scope(session, actor, Need, need_id, "need", Reach.case)
    scope.require_edit()
    return catalogue_service.suggestions(session, actor, need)


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
    referral = need_service.add_referral(session, actor, scope, need, data)
    out = need_service.referral_out(referral, need_service.provider_unit_of(session, referral))
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
    need_corrections.patch_referral(session, actor, scope, referral, data, version)
    set_etag(response, referral.version)
    return need_service.referral_out(referral, need_service.provider_unit_of(session, referral))


@router.patch("/needs/{need_id}", response_model=NeedOut)
def patch_need(
    need_id: uuid.UUID,
    data: NeedPatch,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> NeedOut:
    """Correct a need, or mark it entered in error (DESIGN §3, Corrections)."""
    need, scope = record_scope(session, actor, Need, need_id, "need", Reach.case)
    scope.require_edit()
    version = expected_version(if_match, need.version)
    need_corrections.correct_need(session, actor, scope, need, data, version)
    set_etag(response, need.version)
    return NeedOut.model_validate(need)


@router.get("/needs/{need_id}/corrections", response_model=list[CorrectionOut])
def need_history(
    need_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[CorrectionOut]:
    """The need's corrections, newest first: its earlier wording (the lead side only)."""
    need, _ = record_scope(session, actor, Need, need_id, "need", Reach.case)
    return correction_service.read_history(
        session, actor, CorrectedRecord.need, need.id, need.family_id
    )


@router.get("/referrals/{referral_id}/corrections", response_model=list[CorrectionOut])
def referral_history(
    referral_id: uuid.UUID, actor: CurrentActor, session: SessionDep
) -> list[CorrectionOut]:
    """The referral's corrections, newest first: the services it named before (the lead side
    only; its status history is in the family's timeline)."""
    referral, _ = record_scope(session, actor, Referral, referral_id, "referral", Reach.case)
    return correction_service.read_history(
        session, actor, CorrectedRecord.referral, referral.id, referral.family_id
    )

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.access.policy import (
    FamilyAccess,
    Reach,
    can_list_families,
)
from app.access.scope import FamilyScope, family_scope
from app.accounts import service as account_service
from app.families import service as family_service
from app.families import timeline as family_timeline
from app.families.schemas import (
    FamilyCreate,
    FamilyOut,
    FamilyPatch,
    HandoverCreate,
    HandoverOut,
    Household,
    TimelineEntry,
    UserRef,
)
from app.kit.concurrency import IfMatch, expected_version, set_etag
from app.kit.errors import Forbidden
from app.kit.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    decode_cursor,
    encode_cursor,
)
from app.models import Family
from app.models.enums import ErasureReason
from app.web.deps import CurrentActor, IdempotencyDep, SessionDep, SettingsDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["families"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)

FamilyId = Annotated[uuid.UUID, "family id"]


def family_out(session: SessionDep, family: Family, access: FamilyAccess) -> FamilyOut:
    lead = account_service.plan_lead(session, family)
    return FamilyOut(
        id=family.id,
        display_name=family.display_name,
        municipality_code=family.municipality_code,
        language=family.language,
        # Household facts are for the lead side and anonymised statistics; a consent shares
        # the plan, not the household (DESIGN §4.1).
        household=(
            Household.model_validate(family.household_dict())
            if access is FamilyAccess.lead_side
            else None
        ),
        plan_lead=UserRef(id=lead.id, username=lead.username, display_name=lead.display_name),
        lead_unit_id=family.lead_unit_id,
        status=family.status,
        access=access.value,
        created_at=family.created_at,
        version=family.version,
    )


@router.post("/families", status_code=201, response_model=FamilyOut)
def create_family(
    data: FamilyCreate,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
    idem: IdempotencyDep,
    response: Response,
) -> FamilyOut:
    family = family_service.create_family(session, actor, data, settings)
    out = family_out(session, family, FamilyAccess.lead_side)
    idem.store(201, out, family_id=family.id, location=f"/api/v1/families/{family.id}")
    set_etag(response, family.version)
    return out


@router.get("/families", response_model=Page[FamilyOut])
def list_families(
    actor: CurrentActor,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[FamilyOut]:
    if not can_list_families(actor):
        raise Forbidden("Coordinators and admins do not see families.")
    offset = decode_cursor(cursor)
    rows, more = family_service.visible_families(session, actor, offset=offset, limit=limit)
    return Page[FamilyOut](
        items=[family_out(session, family, access) for family, access in rows],
        next=encode_cursor(offset + limit) if more else None,
    )


@router.get("/families/{family_id}", response_model=FamilyOut)
def get_family(
    family_id: uuid.UUID, actor: CurrentActor, session: SessionDep, response: Response
) -> FamilyOut:
    scope = family_scope(session, actor, family_id, Reach.plan)
    family = family_service.read_family(session, actor, scope)
    set_etag(response, family.version)
    return family_out(session, family, scope.access)


@router.patch("/families/{family_id}", response_model=FamilyOut)
def patch_family(
    family_id: uuid.UUID,
    data: FamilyPatch,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> FamilyOut:
    scope = family_scope(session, actor, family_id, Reach.plan)
    scope.require_edit()
    expected_version(if_match, scope.family.version)
    family = family_service.update_family(session, actor, scope, data, settings)
    set_etag(response, family.version)
    return family_out(session, family, scope.access)


@router.delete("/families/{family_id}", status_code=204)
def erase_family(
    family_id: uuid.UUID,
    reason: Annotated[ErasureReason, Query(description="Why the family's data is erased")],
    actor: CurrentActor,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """Erase the family. If-Match is required: nobody erases a family they have not just read."""
    scope = family_service.steward_scope(
        session,
        actor,
        family_id,
        "Only the plan lead's side or an admin may erase a family.",
    )
    expected_version(if_match, scope.family.version)
    family_service.erase_family(session, actor, scope.family, reason)
    return Response(status_code=204)


@router.post("/families/{family_id}/handover", response_model=HandoverOut)
def hand_over_family(
    family_id: uuid.UUID,
    data: HandoverCreate,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> HandoverOut:
    """Move the family to another plan lead (an active caseworker), keeping the history."""
    scope = family_service.steward_scope(
        session,
        actor,
        family_id,
        "Only the plan lead's side or an admin may hand the family over.",
    )
    expected_version(if_match, scope.family.version)
    change = family_service.hand_over(session, actor, scope.family, data)
    set_etag(response, scope.family.version)
    return HandoverOut(
        id=change.id,
        family_id=change.family_id,
        from_user_id=change.from_user_id,
        from_unit_id=change.from_unit_id,
        to_user_id=change.to_user_id,
        to_unit_id=change.to_unit_id,
        changed_by_id=change.changed_by_id,
        note=change.note,
        at=change.at,
        family_version=scope.family.version,
    )


@router.get("/families/{family_id}/timeline", response_model=list[TimelineEntry])
def timeline(family_id: uuid.UUID, actor: CurrentActor, session: SessionDep) -> list[TimelineEntry]:
    """What happened in the family's case, newest first (the plan lead's side only)."""
    scope = family_scope(session, actor, family_id, Reach.case)
    return family_timeline.family_timeline(session, actor, scope)


# --- export ---------------------------------------------------------------------------------


def _lead_scope(session: SessionDep, actor: CurrentActor, family_id: uuid.UUID) -> FamilyScope:
    """The export: a consented unit knows the family, and is refused."""
    scope = family_scope(session, actor, family_id, Reach.plan)
    scope.require_lead_side()
    return scope


@router.get("/families/{family_id}/export")
def export_family(
    family_id: uuid.UUID, actor: CurrentActor, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    scope = _lead_scope(session, actor, family_id)
    return family_service.export_family(session, actor, scope, settings)

"""The family member API (DESIGN §3 FamilyMember), for the plan lead's side: to anyone else,
a family's members do not exist (404). The national ID number is taken, never returned."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.access.policy import Reach
from app.access.scope import family_scope
from app.kit.concurrency import IfMatch, expected_version, set_etag
from app.members import service as member_service
from app.members.schemas import MemberCreate, MemberOut, MemberPatch
from app.web.deps import (
    CurrentActor,
    IdempotencyDep,
    SessionDep,
    SettingsDep,
    TransactionalRoute,
)
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["members"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


@router.get("/families/{family_id}/members", response_model=list[MemberOut])
def list_members(family_id: uuid.UUID, actor: CurrentActor, session: SessionDep) -> list[MemberOut]:
    scope = family_scope(session, actor, family_id, Reach.case)
    members = member_service.list_members(session, actor, scope)
    return [member_service.member_out(m) for m in members]


@router.post("/families/{family_id}/members", status_code=201, response_model=MemberOut)
def add_member(
    family_id: uuid.UUID,
    data: MemberCreate,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
    idem: IdempotencyDep,
    response: Response,
) -> MemberOut:
    scope = family_scope(session, actor, family_id, Reach.case)
    member = member_service.add_member(session, actor, scope, data, settings)
    out = member_service.member_out(member)
    idem.store(201, out, family_id=scope.family_id, location=f"/api/v1/members/{member.id}")
    set_etag(response, member.version)
    return out


@router.get("/members/{member_id}", response_model=MemberOut)
def get_member(
    member_id: uuid.UUID, actor: CurrentActor, session: SessionDep, response: Response
) -> MemberOut:
    member, scope = member_service.member_scope(session, actor, member_id)
    member_service.read_member(session, actor, member, scope)
    set_etag(response, member.version)
    return member_service.member_out(member)


@router.patch("/members/{member_id}", response_model=MemberOut)
def patch_member(
    member_id: uuid.UUID,
    data: MemberPatch,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> MemberOut:
    member, scope = member_service.member_scope(session, actor, member_id)
    scope.require_edit()
    expected_version(if_match, member.version)
    member = member_service.update_member(session, actor, scope, member, data, settings)
    set_etag(response, member.version)
    return member_service.member_out(member)


@router.delete("/members/{member_id}", status_code=204)
def remove_member(
    member_id: uuid.UUID, actor: CurrentActor, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Remove a member. If-Match is required: nobody removes a member they have not just read."""
    member, scope = member_service.member_scope(session, actor, member_id)
    scope.require_edit()
    expected_version(if_match, member.version)
    member_service.remove_member(session, actor, scope, member)
    return Response(status_code=204)

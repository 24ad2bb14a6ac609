from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.accounts import service as account_service
from app.accounts.schemas import HealthOut, MeOut, TokenCreate, TokenOut, UnitBrief, UnitOut
from app.accounts.signing import sign_in
from app.audit import service as audit
from app.models.enums import AuditAction
from app.web.deps import (
    CurrentActor,
    CurrentToken,
    SessionDep,
    SettingsDep,
    TransactionalRoute,
)
from app.web.problems import PROBLEM_RESPONSES, problem_response

router = APIRouter(
    prefix="/api/v1", tags=["accounts"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


@router.get("/health", response_model=HealthOut)
def health(session: SessionDep) -> HealthOut:
    session.execute(text("SELECT 1"))
    return HealthOut(status="ok", database="ok")


@router.post(
    "/tokens",
    status_code=201,
    response_model=TokenOut,
    responses={401: {**PROBLEM_RESPONSES[401], "description": "Wrong username or password"}},
)
async def create_token(
    data: TokenCreate,
    request: Request,
    response: Response,
    settings: SettingsDep,
) -> TokenOut | JSONResponse:
    signed_in = await sign_in(request, settings, data.username, data.password, kind="bearer")
    if signed_in is None:
        return problem_response(
            401,
            "unauthorized",
            "Authentication required",
            "Wrong username or password.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    # The token is "the current token" of whoever sends it (DELETE revokes it).
    response.headers["Location"] = "/api/v1/tokens/current"
    secret, token, _ = signed_in
    return TokenOut(token=secret, expires_at=token.expires_at)


@router.delete("/tokens/current", status_code=204)
def revoke_current_token(found: CurrentToken, session: SessionDep) -> Response:
    actor, token_id = found
    account_service.revoke_token(session, token_id)
    audit.record(session, actor, AuditAction.logout, "session", token_id)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
def me(actor: CurrentActor, session: SessionDep) -> MeOut:
    return MeOut(
        id=actor.user_id,
        username=actor.username,
        display_name=actor.display_name,
        role=actor.role,
        units=[UnitBrief(id=u.id, slug=u.slug, name=u.name) for u in actor.units],
    )


@router.get("/units", response_model=list[UnitOut])
def units(actor: CurrentActor, session: SessionDep) -> list[UnitOut]:
    return [
        UnitOut(
            id=u.id,
            slug=u.slug,
            name=u.name,
            level=u.level,
            municipality_code=u.municipality_code,
            parent_id=u.parent_id,
        )
        for u in account_service.list_units(session)
    ]

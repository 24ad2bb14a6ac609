from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.accounts import service as account_service
from app.accounts import totp
from app.accounts.schemas import HealthOut, MeOut, TokenCreate, TokenOut, UnitBrief, UnitOut
from app.accounts.signing import second_step, sign_in
from app.audit import service as audit
from app.config import Settings
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
    responses={
        401: {
            **PROBLEM_RESPONSES[401],
            "description": "Wrong username or password, or (where two-step sign-in is "
            "required) a missing or wrong code in totp",
        }
    },
)
async def create_token(
    data: TokenCreate,
    request: Request,
    response: Response,
    settings: SettingsDep,
) -> TokenOut | JSONResponse:
    signed_in = await sign_in(request, settings, data.username, data.password, kind="bearer")
    if isinstance(signed_in, account_service.PasswordOk):
        return await _second_factor(request, response, settings, signed_in, data.totp)
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


async def _second_factor(
    request: Request,
    response: Response,
    settings: Settings,
    password_ok: account_service.PasswordOk,
    code: str | None,
) -> TokenOut | JSONResponse:
    """The password was right and the installation requires a second factor (DESIGN §11)."""
    if not password_ok.enrolled:
        detail = (
            "This installation requires two-step sign-in: sign in once in the browser to set "
            "up an authenticator app, then send its code in the totp field."
        )
    elif code is None:
        detail = (
            "This installation requires two-step sign-in: send the 6-digit code from the "
            "authenticator app (or a recovery code) in the totp field."
        )
    else:
        done = await second_step(
            request, settings, password_ok.user_id, password_ok.attempt_id, code, kind="bearer"
        )
        if isinstance(done, totp.Done):
            response.headers["Location"] = "/api/v1/tokens/current"
            return TokenOut(token=done.secret, expires_at=done.token.expires_at)
        detail = "Wrong, expired or already used code."
    return problem_response(
        401,
        "unauthorized",
        "Authentication required",
        detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


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

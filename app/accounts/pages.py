"""Sign-in, sign-out and the language switch for the browser."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from app.accounts import service as account_service
from app.accounts.oidc import ID_TOKEN_KEY
from app.accounts.signing import sign_in
from app.audit import service as audit
from app.config import Settings
from app.kit.errors import TooManyRequests
from app.kit.i18n import LANGUAGE_COOKIE, LANGUAGES
from app.kit.templating import render
from app.models.enums import AuditAction
from app.web.deps import (
    SESSION_COOKIE_HTTP,
    SESSION_COOKIE_HTTPS,
    PageActor,
    PageSession,
    SessionDep,
    SettingsDep,
    TransactionalRoute,
    session_cookie_name,
)

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def provider_name(settings: Settings) -> str | None:
    """The name on the login page's "Sign in with …" button, or None without a provider."""
    if not settings.oidc_enabled:
        return None
    return settings.oidc_name or urlsplit(settings.oidc_issuer).hostname or settings.oidc_issuer


def login_context(settings: Settings, next: str, **more: Any) -> dict[str, Any]:
    return {"next": next, "error": None, "provider_name": provider_name(settings), **more}


def set_session_cookie(
    response: Response, request: Request, settings: Settings, secret: str
) -> None:
    response.set_cookie(
        session_cookie_name(request),
        secret,
        max_age=int(timedelta(hours=settings.token_ttl_hours).total_seconds()),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )


@router.get("/login", name="login")
def login_page(
    request: Request, session: SessionDep, settings: SettingsDep, next: str = "/"
) -> HTMLResponse:
    return render(request, "accounts/login.html", login_context(settings, safe_next(next)))


@router.post("/login", name="login_submit")
async def login_submit(
    request: Request,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    target = safe_next(next)
    try:
        signed_in = await sign_in(request, settings, username, password, kind="session")
    except TooManyRequests as exc:
        page = render(
            request,
            "accounts/login.html",
            login_context(settings, target, error="throttled", username=username),
            status_code=429,
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if signed_in is None:
        return render(
            request,
            "accounts/login.html",
            login_context(settings, target, error="wrong", username=username),
            status_code=401,
        )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, settings, signed_in[0])
    if "session" in request.scope:
        # A password session is not the provider's: its sign-out must not end someone's there.
        request.session.pop(ID_TOKEN_KEY, None)
    return response


@router.post("/logout", name="logout")
def logout(request: Request, found: PageSession, session: SessionDep) -> Response:
    actor, token_id = found
    account_service.revoke_token(session, token_id)
    audit.record(session, actor, AuditAction.logout, "session", token_id)
    # Signed in through the provider: its session ends too (RP-initiated logout), by way of a
    # route that may wait on the provider's discovery document, as this one may not.
    through_provider = "session" in request.scope and ID_TOKEN_KEY in request.session
    response = RedirectResponse(
        "/auth/oidc/logout" if through_provider else "/login", status_code=303
    )
    for name in (SESSION_COOKIE_HTTPS, SESSION_COOKIE_HTTP):
        response.delete_cookie(name, path="/", secure=name == SESSION_COOKIE_HTTPS)
    return response


@router.get("/form-token", name="form_token")
def form_token(request: Request, actor: PageActor, session: SessionDep) -> JSONResponse:
    """The CSRF token for this browser's forms, for a page whose form waited while its user
    was signed out (static/app.js): once signed in again, in this tab or another, the form is
    sent with this token. Signed out, it answers as every page does: with the sign-in page."""
    csrf = request.scope.get("csrftoken")
    return JSONResponse(
        {"csrf_token": csrf() if callable(csrf) else ""}, headers={"Cache-Control": "no-store"}
    )


@router.post("/language", name="set_language")
def set_language(
    request: Request,
    language: Annotated[str, Form(pattern="^(nb|nn|en)$")],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    assert language in LANGUAGES
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )
    return response

"""Sign-in, sign-out and the language switch for the browser."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.accounts import totp
from app.accounts.oidc import ID_TOKEN_KEY
from app.accounts.signing import second_step, sign_in
from app.audit import service as audit
from app.config import Settings
from app.kit.errors import TooManyRequests
from app.kit.i18n import LANGUAGE_COOKIE, LANGUAGES
from app.kit.templating import render
from app.models import User
from app.models.enums import AuditAction
from app.web.deps import (
    SESSION_COOKIE_HTTP,
    SESSION_COOKIE_HTTPS,
    PageActor,
    SessionDep,
    SettingsDep,
    SigningOut,
    TransactionalRoute,
    in_transaction,
    session_cookie_name,
)

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else. No whitespace or
    control characters either: a browser drops tabs and newlines from a link's address, so
    "/<tab>/elsewhere" in a link (the page after a recovery code) would be "//elsewhere"."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(c <= " " or c == "\x7f" for c in target)
    ):
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
    if isinstance(signed_in, account_service.PasswordOk):
        # Half-way: no session, only a signed cookie that lets this browser send the code.
        pending = totp.Pending(signed_in.user_id, signed_in.attempt_id, signed_in.enrolled, target)
        response = RedirectResponse(
            "/login/code" if signed_in.enrolled else "/login/enrol", status_code=303
        )
        response.set_cookie(
            totp.PENDING_COOKIE,
            totp.dump_pending(settings, pending),
            max_age=totp.PENDING_SECONDS,
            path="/login",
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="lax",
        )
        return response
    return signed_in_response(
        RedirectResponse(target, status_code=303), request, settings, signed_in[0]
    )


def signed_in_response(
    response: Response, request: Request, settings: Settings, secret: str
) -> Response:
    set_session_cookie(response, request, settings, secret)
    response.delete_cookie(totp.PENDING_COOKIE, path="/login")
    if "session" in request.scope:
        # A password session is not the provider's: its sign-out must not end someone's there.
        request.session.pop(ID_TOKEN_KEY, None)
    return response


def _pending(request: Request, settings: Settings) -> totp.Pending | None:
    return totp.load_pending(settings, request.cookies.get(totp.PENDING_COOKIE))


def _back_to_login() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(totp.PENDING_COOKIE, path="/login")
    return response


def _enrol_context(
    session: Session, settings: Settings, pending: totp.Pending, **more: Any
) -> dict[str, Any] | None:
    secret = totp.enrolment_secret(session, settings, pending.user_id)
    user = session.get(User, pending.user_id)
    if secret is None or user is None:
        return None
    return {
        "qr_svg": totp.qr_svg(totp.provisioning_uri(secret, user.username)),
        "secret_grouped": totp.grouped(secret),
        "error": None,
        **more,
    }


@router.get("/login/enrol", name="totp_enrol")
def totp_enrol_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    pending = _pending(request, settings)
    context = _enrol_context(session, settings, pending) if pending else None
    if context is None:
        return _back_to_login()
    return render(request, "accounts/totp_enrol.html", context)


@router.post("/login/enrol", name="totp_enrol_submit")
async def totp_enrol_submit(
    request: Request,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=40)],
) -> Response:
    pending = _pending(request, settings)
    if pending is None:
        return _back_to_login()
    status, error, retry_after = 401, "wrong", 0
    try:
        done = await second_step(
            request, settings, pending.user_id, pending.attempt_id, code, kind="session", enrol=True
        )
    except TooManyRequests as exc:
        done, status, error = "throttled", 429, "throttled"
        retry_after = exc.retry_after
    if isinstance(done, totp.Done):
        page = render(
            request,
            "accounts/totp_recovery.html",
            {"codes": done.recovery_codes, "next": pending.next, "left": None},
        )
        page.headers["Cache-Control"] = "no-store"
        return signed_in_response(page, request, settings, done.secret)
    if done == "inactive":
        return _back_to_login()
    context = await in_transaction(request, _enrol_context, settings=settings, pending=pending)
    if context is None:
        return _back_to_login()
    page = render(
        request, "accounts/totp_enrol.html", {**context, "error": error}, status_code=status
    )
    if status == 429:
        page.headers["Retry-After"] = str(retry_after)
    return page


@router.get("/login/code", name="totp_code")
def totp_code_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    pending = _pending(request, settings)
    if pending is None or not totp.is_enrolled(session, pending.user_id):
        return _back_to_login()
    return render(request, "accounts/totp_code.html", {"error": None})


@router.post("/login/code", name="totp_code_submit")
async def totp_code_submit(
    request: Request,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=40)] = "",
    recovery_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    pending = _pending(request, settings)
    if pending is None:
        return _back_to_login()
    try:
        done = await second_step(
            request,
            settings,
            pending.user_id,
            pending.attempt_id,
            recovery_code or code,
            kind="session",
        )
    except TooManyRequests as exc:
        page = render(request, "accounts/totp_code.html", {"error": "throttled"}, status_code=429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if isinstance(done, totp.Done):
        if done.recovery_left is None:
            return signed_in_response(
                RedirectResponse(pending.next, status_code=303), request, settings, done.secret
            )
        page = render(
            request,
            "accounts/totp_recovery.html",
            {"codes": None, "next": pending.next, "left": done.recovery_left},
        )
        page.headers["Cache-Control"] = "no-store"
        return signed_in_response(page, request, settings, done.secret)
    if done == "inactive":
        return _back_to_login()
    return render(request, "accounts/totp_code.html", {"error": done}, status_code=401)


@router.post("/logout", name="logout")
def logout(request: Request, found: SigningOut, session: SessionDep) -> Response:
    # Allowed in family mode (DESIGN §12): signing out ends the session and family mode with
    # it; coming back takes a whole sign-in, which ends in a session of no family mode.
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

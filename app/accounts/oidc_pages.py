"""Signing in through the municipality's OpenID Connect provider, for the browser and for a
device that wants an API token (DESIGN §11): start, callback, the provider's sign-out."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import family_mode, oidc
from app.accounts import service as account_service
from app.accounts.pages import provider_name, safe_next, set_session_cookie
from app.config import Settings
from app.kit.errors import NotFound
from app.kit.templating import render
from app.web.deps import SettingsDep, in_transaction, session_cookie_name

router = APIRouter(include_in_schema=False)

# What each refusal answers: the status, and which advice the page gives (the template's).
REFUSAL_STATUS = {
    "unknown_subject": 403,
    "inactive": 403,
    "acr": 403,
    "state": 400,
    "provider_error": 400,
    "token_exchange": 400,
    "signature": 401,
    "issuer": 401,
    "audience": 401,
    "expired": 401,
    "nonce": 401,
    "invalid_token": 401,
    "provider_unreachable": 502,
}


def _client(request: Request) -> oidc.Configured:
    configured: oidc.Configured | None = getattr(request.app.state, "oidc", None)
    if configured is None:
        raise NotFound("No identity provider is configured.")
    return configured


def _refusal_page(request: Request, settings: Settings, reason: str) -> Response:
    return render(
        request,
        "accounts/oidc_refused.html",
        {"reason": reason, "provider_name": provider_name(settings)},
        status_code=REFUSAL_STATUS.get(reason, 400),
        headers={"Cache-Control": "no-store"},
    )


@router.get("/auth/oidc/login", name="oidc_login")
async def oidc_login(
    request: Request,
    settings: SettingsDep,
    next: Annotated[str, Query(max_length=500)] = "/",
    for_: Annotated[str, Query(alias="for", pattern="^(page|api|leave)$")] = "page",
) -> Response:
    client = _client(request)
    secret = request.cookies.get(session_cookie_name(request))
    if for_ != "leave" and secret:
        # A tablet in family mode whose worker's provider session is still alive would be
        # signed in again without anyone typing anything: from family mode, any sign-in
        # through the provider is the one that leaves it (a fresh one, by the same person).
        shown = await in_transaction(
            request,
            family_mode.in_session,
            settings=settings,
            secret=secret,
        )
        if shown is not None and shown.family_id is not None:
            for_ = "leave"
    try:
        url = await oidc.start(client, request, oidc.Flow(next=safe_next(next), purpose=for_))
    except httpx.HTTPError:
        return _refusal_page(request, settings, "provider_unreachable")
    return RedirectResponse(url, status_code=302)


@router.get("/auth/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request, settings: SettingsDep) -> Response:
    client = _client(request)
    try:
        proven = await oidc.finish(client, request)
    except oidc.Refused as refused:
        await in_transaction(request, account_service.record_oidc_refusal, reason=refused.reason)
        return _refusal_page(request, settings, refused.reason)
    if proven.flow.purpose == "leave":
        return await _leave_family_mode(request, settings, proven)
    kind = "bearer" if proven.flow.purpose == "api" else "session"
    signed_in = await in_transaction(
        request,
        account_service.finish_oidc_sign_in,
        settings=settings,
        subject=proven.subject,
        kind=kind,
    )
    if isinstance(signed_in, str):
        return _refusal_page(request, settings, signed_in)
    secret, token, _actor = signed_in
    if kind == "bearer":
        # Shown once, on this page only: the device's user copies it into the device (a
        # token in a redirect would sit in the browser's history and the server's logs).
        return render(
            request,
            "accounts/oidc_token.html",
            {
                "token": secret,
                "expires_at": token.expires_at,
                "idle_minutes": settings.session_idle_minutes,
            },
            headers={"Cache-Control": "no-store"},
        )
    request.session[oidc.ID_TOKEN_KEY] = proven.id_token
    response = RedirectResponse(proven.flow.next, status_code=303)
    set_session_cookie(response, request, settings, secret)
    return response


async def _leave_family_mode(request: Request, settings: Settings, proven: oidc.Proven) -> Response:
    """The worker signed in at the provider again to leave family mode (DESIGN §12): only as
    the same person, freshly; then back where they were, in the same session."""
    secret = request.cookies.get(session_cookie_name(request))
    auth_time = proven.claims.get("auth_time")
    back = await in_transaction(
        request,
        family_mode.leave_through_provider,
        settings=settings,
        secret=secret,
        subject=proven.subject,
        auth_time=auth_time if isinstance(auth_time, int) else None,
    )
    if back is None:
        return RedirectResponse("/family-mode/leave?refused=provider", status_code=303)
    request.session[oidc.ID_TOKEN_KEY] = proven.id_token
    return RedirectResponse(back, status_code=303)


@router.get("/auth/oidc/logout", name="oidc_logout")
async def oidc_logout(request: Request) -> Response:
    """After Duk's own sign-out (POST /logout): the provider's, with the ID token as the hint,
    back to Duk's sign-in page."""
    client = _client(request)
    if session_cookie_name(request) in request.cookies:
        # Still signed in to Duk: this was not Duk's sign-out sending the browser here (a link
        # from elsewhere must not end the provider's session behind the person's back).
        return RedirectResponse("/", status_code=303)
    id_token = request.session.pop(oidc.ID_TOKEN_KEY, None)
    url = await oidc.logout_url(client, request, id_token) if id_token else None
    return RedirectResponse(url or "/login", status_code=303)

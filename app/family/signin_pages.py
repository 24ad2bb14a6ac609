"""The family's way in (DESIGN §11, §12): ID-porten at level high, a session of the family's
own (its own cookie; staff pages and the API never read it), and the way out through
ID-porten's sign-out. A person ID-porten proves but no plan lead has recorded sees a kind
page saying whom to ask, and nothing else. A person recorded in two families (a parent in two
households) chooses which one after signing in; the session is for that family only, and
switching means choosing again ("bytt familie")."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts import oidc
from app.accounts.oidc_pages import REFUSAL_STATUS
from app.accounts.pages import safe_next
from app.config import Settings
from app.kit.errors import NotFound
from app.kit.i18n import family_request_language
from app.kit.templating import render
from app.members import sessions as member_sessions
from app.web.deps import (
    FamilyVisitor,
    SessionDep,
    SettingsDep,
    TransactionalRoute,
    family_cookie_name,
    in_transaction,
)

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

# The refusals of the family's own: who ID-porten proved is not someone Duk lets in here.
FAMILY_REFUSALS = {"unknown_person": 403, "too_young": 403, "no_pid": 403}
FAMILY_HOME = "/familie/"
CHOOSE = "/familie/velg-familie"
# In the signed sign-in cookie: the person's members while they choose a family (for as long
# as a sign-in at the provider may take), and whether the session's person has several.
CHOICE_KEY = "family_choice"
SEVERAL_KEY = "family_several"
CHOICE_SECONDS = 600


def _idporten(request: Request) -> oidc.Configured:
    configured: oidc.Configured | None = getattr(request.app.state, "idporten", None)
    if configured is None:
        raise NotFound("ID-porten is not configured.")
    return configured


def _family_next(target: str) -> str:
    """Back to a family page after signing in: never to a staff page, nor off the site."""
    target = safe_next(target)
    return target if target.startswith(FAMILY_HOME) else FAMILY_HOME


def _lang(request: Request) -> str:
    """Nobody is signed in yet: the browser's language, among those offered to families."""
    settings: Settings = request.app.state.settings
    return family_request_language(request, settings.offered_languages)


def _refused(request: Request, reason: str) -> HTMLResponse:
    status = FAMILY_REFUSALS.get(reason) or REFUSAL_STATUS.get(reason, 400)
    return render(
        request,
        "family/refused.html",
        {"reason": reason},
        status_code=status,
        lang=_lang(request),
    )


@router.get("/familie/logg-inn", name="family_login")
def family_login(
    request: Request, next: Annotated[str, Query(max_length=500)] = FAMILY_HOME
) -> HTMLResponse:
    _idporten(request)
    return render(request, "family/login.html", {"next": _family_next(next)}, lang=_lang(request))


@router.get("/familie/auth/login", name="family_auth_start")
async def family_auth_start(
    request: Request, next: Annotated[str, Query(max_length=500)] = FAMILY_HOME
) -> Response:
    configured = _idporten(request)
    try:
        url = await oidc.start(
            configured, request, oidc.Flow(next=_family_next(next), purpose="family")
        )
    except httpx.HTTPError:
        return _refused(request, "provider_unreachable")
    return RedirectResponse(url, status_code=302)


@router.get("/familie/auth/callback", name="family_callback")
async def family_callback(request: Request, settings: SettingsDep) -> Response:
    configured = _idporten(request)
    try:
        proven = await oidc.finish(configured, request)
    except oidc.Refused as refused:
        await in_transaction(request, member_sessions.record_refusal, reason=refused.reason)
        return _refused(request, refused.reason)
    signed_in = await in_transaction(
        request, member_sessions.finish_sign_in, settings=settings, claims=proven.claims
    )
    if isinstance(signed_in, str):
        return _refused(request, signed_in)
    request.session[configured.provider.id_token_key] = proven.id_token
    if isinstance(signed_in, member_sessions.Choice):
        _keep_choice(request, signed_in, _family_next(proven.flow.next))
        return RedirectResponse(CHOOSE, status_code=303)
    secret, _visitor = signed_in
    request.session.pop(SEVERAL_KEY, None)
    response = RedirectResponse(_family_next(proven.flow.next), status_code=303)
    _set_cookie(response, request, settings, secret)
    return response


# --- a person in two families: which one now ----------------------------------------------


def _keep_choice(request: Request, choice: member_sessions.Choice, next: str) -> None:
    request.session[CHOICE_KEY] = {
        "members": [str(m) for m in choice.member_ids],
        "next": next,
        "until": int(time.time()) + CHOICE_SECONDS,
    }


def _pending(request: Request) -> tuple[member_sessions.Choice, str]:
    """The choice a sign-in through ID-porten left in this browser; without one (or an old
    one) the page is not there."""
    _idporten(request)
    kept: Any = request.session.get(CHOICE_KEY)
    if not isinstance(kept, dict) or int(kept.get("until", 0)) < time.time():
        raise NotFound("No sign-in waits for a choice.")
    members = tuple(uuid.UUID(m) for m in kept.get("members", ()))
    return member_sessions.Choice(members), _family_next(str(kept.get("next", FAMILY_HOME)))


@router.get(CHOOSE, name="family_choose")
def family_choose(request: Request, session: SessionDep) -> HTMLResponse:
    choice, _next = _pending(request)
    options = member_sessions.family_options(session, choice)
    if not options:
        raise NotFound("No family to choose.")
    return render(
        request,
        "family/choose.html",
        {"options": options},
        lang=member_sessions.choice_language(session, choice),
    )


@router.post(CHOOSE, name="family_chosen")
def family_chosen(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    family_id: Annotated[uuid.UUID, Form()],
) -> Response:
    """The session for the family chosen, and for it only; a family the person is not in is
    not there (404), and nothing changes."""
    choice, next = _pending(request)
    secret, _visitor = member_sessions.choose_family(session, settings, choice, family_id)
    request.session.pop(CHOICE_KEY, None)
    request.session[SEVERAL_KEY] = True
    response = RedirectResponse(next, status_code=303)
    _set_cookie(response, request, settings, secret)
    return response


@router.post("/familie/bytt-familie", name="family_switch")
def family_switch(request: Request, visitor: FamilyVisitor, session: SessionDep) -> Response:
    """Choosing again: this family's session ends, and the person chooses among their
    families as after signing in (never two at once)."""
    choice = member_sessions.switch_choice(session, visitor)
    if choice is None:
        return RedirectResponse(FAMILY_HOME, status_code=303)
    member_sessions.end_session(session, visitor)
    _keep_choice(request, choice, FAMILY_HOME)
    response = RedirectResponse(CHOOSE, status_code=303)
    _delete_cookies(response)
    return response


def _set_cookie(response: Response, request: Request, settings: Settings, secret: str) -> None:
    response.set_cookie(
        family_cookie_name(request),
        secret,
        max_age=int(timedelta(hours=settings.token_ttl_hours).total_seconds()),
        path="/",  # a __Host- cookie must have path /; staff pages never read it
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )


@router.post("/familie/logg-ut", name="family_logout")
def family_logout(request: Request, visitor: FamilyVisitor, session: SessionDep) -> Response:
    member_sessions.end_session(session, visitor)
    if "session" in request.scope:  # the sign-in cookie, there when ID-porten is
        request.session.pop(SEVERAL_KEY, None)
    response = RedirectResponse("/familie/auth/logout", status_code=303)
    _delete_cookies(response)
    return response


def _delete_cookies(response: Response) -> None:
    for name in ("__Host-duk_family", "duk_family"):
        response.delete_cookie(name, path="/", secure=name.startswith("__Host-"))


@router.get("/familie/auth/logout", name="family_auth_logout")
async def family_auth_logout(request: Request) -> Response:
    """After Duk's own sign-out: ID-porten's, with the ID token as the hint, back to the page
    that says the person is signed out."""
    configured = _idporten(request)
    if family_cookie_name(request) in request.cookies:
        # Still signed in: not Duk's sign-out sending the browser here.
        return RedirectResponse(FAMILY_HOME, status_code=303)
    id_token = request.session.pop(configured.provider.id_token_key, None)
    url = await oidc.logout_url(configured, request, id_token) if id_token else None
    return RedirectResponse(url or "/familie/logget-ut", status_code=303)


@router.get("/familie/logget-ut", name="family_signed_out")
def family_signed_out(request: Request) -> HTMLResponse:
    return render(request, "family/signed_out.html", {}, lang=_lang(request))

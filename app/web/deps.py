"""What a route may ask for, and the route class that gives it: one request, one transaction, in
one worker thread.

A route states what it needs in its signature, by type:

    session: SessionDep           the request's database session: one transaction
    actor: CurrentActor           who is asking, by the JSON API's bearer token
    found: CurrentToken           the same, with the token's id (to revoke it)
    actor: PageActor              who is asking, by the browser's session cookie
    found: PageSession            the same, with the session's id
    found: SigningOut             the same, also in family mode (signing out ends it)
    shown: InFamilyMode           the same with the family the session is in family mode
                                  for, or None: the family-mode pages only (DESIGN §12)
    visitor: FamilyVisitor        a family member on the family's own pages, by the family
                                  session's cookie (ID-porten): never a staff session
    idem: IdempotencyDep          the Idempotency-Key of a creating request
    settings: SettingsDep         the installation's settings

Family mode (DESIGN §12) is decided here, once for every page: a browser session in family
mode reaches only the routes that ask for ``InFamilyMode`` or ``SigningOut``; every other route
signed in by the cookie raises ``FamilyModeOn`` before it runs (a page is sent to the family
view, a form refused: app/web/problems.py). A bearer token is never in family mode.

Every page form (a POST signed in by cookie) also honours an ``Idempotency-Key`` header, with
no parameter for it: static/app.js sends one with each form, and sends a form again under the
same key when its answer was lost (a dropped network, an expired session), so the redirect
that answered it the first time comes back and nothing is stored twice. A form sent without
JavaScript has no key and is answered as before.

``TransactionalRoute`` reads the signature once, when the route is registered, and refuses what
cannot work (an ``async`` route with a session, an actor without a session). FastAPI gets a
signature without these parameters: it parses and validates the rest (path, query, headers,
body) on the event loop, where no database work happens. Then the route class does, in one go,
in one worker thread: open the session, resolve who is asking, check the idempotency key, call
the route, commit (or roll back), close. On SQLite that thread is the database's lane
(``SQLiteLane``, app/db.py), so requests take turns at the one writer; on PostgreSQL, a thread of
the pool. The event loop never waits on the database, a lock or an fsync.

Why one go: if the transaction began in one thread hop (the token lookup) and committed in
another, it would hold the SQLite write lock, or a pool connection, while it waited for a free
thread; with enough requests at once every thread waits for the lock and the holder never gets a
thread back.

Work that is slow and needs no database (a password hash, a PDF) is done outside the turn: an
``async`` route runs its database steps with ``in_transaction`` and the slow step with
``run_in_threadpool`` between them (see the sign-in in app/accounts/pages.py).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin, get_type_hints

from fastapi import Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from app.access.actor import Actor, FamilyMode, Visitor
from app.accounts import service as account_service
from app.config import Settings
from app.db import sqlite_lane_for
from app.kit.errors import BadRequest, FamilyModeOn, LoginRequired, Unauthorized
from app.members import sessions as member_sessions
from app.web.idempotency import (
    PAGE_KEY_PATTERN,
    Idempotency,
    begin_idempotent,
    keep_page_answer,
    page_answer_again,
    page_fingerprint,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Needs:
    """What a route parameter receives from ``TransactionalRoute`` (see the module doc)."""

    what: Literal[
        "session",
        "bearer",
        "bearer_token",
        "page",
        "page_token",
        "family_mode",
        "family",
        "idempotency",
    ]
    # Whether a browser session in family mode may use the route (DESIGN §12).
    in_family_mode: bool = False


SessionDep = Annotated[Session, Needs("session")]
CurrentActor = Annotated[Actor, Needs("bearer")]
CurrentToken = Annotated[tuple[Actor, uuid.UUID], Needs("bearer_token")]
PageActor = Annotated[Actor, Needs("page")]
PageSession = Annotated[tuple[Actor, uuid.UUID], Needs("page_token")]
SigningOut = Annotated[tuple[Actor, uuid.UUID], Needs("page_token", in_family_mode=True)]
InFamilyMode = Annotated[FamilyMode, Needs("family_mode", in_family_mode=True)]
FamilyVisitor = Annotated[Visitor, Needs("family")]
IdempotencyDep = Annotated[Idempotency, Needs("idempotency")]


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

bearer_scheme = HTTPBearer(auto_error=False, description="A token from POST /api/v1/tokens")

SESSION_COOKIE_HTTPS = "__Host-duk_session"
SESSION_COOKIE_HTTP = "duk_session"


def session_cookie_name(request: Request) -> str:
    """``__Host-`` cookies must be Secure, so plain-HTTP development uses a plain name."""
    return SESSION_COOKIE_HTTPS if request.url.scheme == "https" else SESSION_COOKIE_HTTP


def family_cookie_name(request: Request) -> str:
    """The family session's cookie: a name of its own, so a staff page never reads it and a
    family page never reads a staff session."""
    return "__Host-duk_family" if request.url.scheme == "https" else "duk_family"


# --- running database work ------------------------------------------------------------------


async def in_transaction(request: Request, work: Callable[..., T], /, **kwargs: Any) -> T:
    """``work(session, **kwargs)`` in one transaction, in the database's worker thread:
    committed when it returns, rolled back when it raises, the session closed either way."""
    factory: sessionmaker[Session] = request.app.state.session_factory

    def run() -> T:
        with factory() as session:
            try:
                result = work(session, **kwargs)
                session.commit()
            except BaseException:
                session.rollback()
                raise
            return result

    lane = sqlite_lane_for(factory.kw["bind"])
    if lane is not None:
        return await lane.run(run)
    return await run_in_threadpool(run)


def _resolve_actor(
    session: Session, request: Request, secret: str | None, *, page: bool, in_family_mode: bool
) -> FamilyMode:
    settings: Settings = request.app.state.settings
    idle = timedelta(minutes=settings.session_idle_minutes)
    kind = "session" if page else "bearer"
    found = (
        account_service.actor_for_token(session, secret, kind=kind, idle=idle) if secret else None
    )
    if found is None and page:
        raise LoginRequired("Sign in to continue.")
    if found is None:
        raise Unauthorized("Sign in first: send a valid bearer token.")
    if found.family_id is not None and not in_family_mode:
        # Before the actor is known to the page: the refusal is drawn without staff menus.
        raise FamilyModeOn("The tablet shows the family's own things: family mode is on.")
    request.state.actor = found.actor
    return found


def _resolve_visitor(session: Session, request: Request, secret: str | None) -> Visitor:
    settings: Settings = request.app.state.settings
    idle = timedelta(minutes=settings.session_idle_minutes)
    visitor = member_sessions.visitor_for_session(session, secret, idle=idle) if secret else None
    if visitor is None:
        raise LoginRequired("Sign in with ID-porten to continue.")
    request.state.visitor = visitor
    return visitor


# --- the route class ------------------------------------------------------------------------

_IDEMPOTENCY_KEY = Header(
    alias="Idempotency-Key",
    min_length=1,
    max_length=64,
    pattern=r"^[A-Za-z0-9._:-]+$",
    description="A client-chosen key; a retry with the same key creates nothing new.",
)


_PAGE_KEY = re.compile(PAGE_KEY_PATTERN)


async def _page_form_key(request: Request) -> tuple[str, str] | None:
    """The ``Idempotency-Key`` of a page form and the fingerprint of what the form asks for,
    or ``None`` when it came without one."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not _PAGE_KEY.fullmatch(key):
        raise BadRequest("An Idempotency-Key is 1 to 64 letters, digits and . _ : -")
    form = await request.form()  # already read by FastAPI for the route's fields
    return key, page_fingerprint(request.method, request.url.path, form.multi_items())


def _needs_of(hint: Any) -> Needs | None:
    if get_origin(hint) is Annotated:
        return next((m for m in get_args(hint)[1:] if isinstance(m, Needs)), None)
    return None


def _keyword(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> Any:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


def _one_transaction(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """The endpoint as FastAPI will call it: without the parameters of ``Needs`` (given here)
    and with what it takes to give them (the request, the bearer header, the key)."""
    hints = get_type_hints(endpoint, include_extras=True)
    signature = inspect.signature(endpoint)
    found_needs = {name: n for name in signature.parameters if (n := _needs_of(hints.get(name)))}
    needs = {name: n.what for name, n in found_needs.items()}
    in_family_mode = any(n.in_family_mode for n in found_needs.values())
    if not needs:
        return endpoint
    where = f"{endpoint.__module__}.{endpoint.__qualname__}"
    if inspect.iscoroutinefunction(endpoint):
        raise TypeError(f"{where}: an async route cannot take a session; use in_transaction")
    if "session" not in needs.values():
        raise TypeError(f"{where} needs a SessionDep to resolve {sorted(needs.values())}")
    kinds = set(needs.values())
    bearer = bool(kinds & {"bearer", "bearer_token"})
    page = bool(kinds & {"page", "page_token", "family_mode"})
    family = "family" in kinds
    if bearer + page + family > 1:
        raise TypeError(
            f"{where}: a route signs in by one of bearer token, staff cookie and family "
            "cookie, not both"
        )
    if "idempotency" in kinds and not (bearer or page):
        raise TypeError(f"{where}: an Idempotency-Key belongs to someone: add an actor")

    params = [
        p.replace(annotation=hints.get(name, p.annotation))
        for name, p in signature.parameters.items()
        if name not in needs
    ]
    # FastAPI gives one Request and one Response object per request, to one parameter each: the
    # route's own when it has one, else one added here.
    request_name = next((p.name for p in params if p.annotation is Request), None)
    response_name = next((p.name for p in params if p.annotation is Response), None)
    extra = []
    if request_name is None:
        extra.append(_keyword("duk_request", Request))
    if bearer:
        extra.append(
            _keyword(
                "duk_bearer",
                Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
            )
        )
    if "idempotency" in kinds:
        if response_name is None:
            extra.append(_keyword("duk_response", Response))
        extra.append(_keyword("duk_idempotency_key", Annotated[str | None, _IDEMPOTENCY_KEY], None))

    def run(
        session: Session,
        request: Request,
        secret: str | None,
        idempotency: tuple[str | None, str, Response] | None,
        page_form: tuple[str, str] | None,
        kwargs: dict[str, Any],
    ) -> Any:
        found = (
            _resolve_actor(session, request, secret, page=page, in_family_mode=in_family_mode)
            if bearer or page
            else None
        )
        visitor = _resolve_visitor(session, request, secret) if family else None
        if page_form is not None:
            assert found is not None
            again = page_answer_again(session, found.actor, *page_form)
            if again is not None:
                return again
        for name, what in needs.items():
            if what == "session":
                kwargs[name] = session
            elif what in ("bearer", "page"):
                assert found is not None
                kwargs[name] = found.actor
            elif what in ("bearer_token", "page_token"):
                assert found is not None
                kwargs[name] = (found.actor, found.session_id)
            elif what == "family_mode":
                kwargs[name] = found
            elif what == "family":
                kwargs[name] = visitor
            elif what == "idempotency":
                assert found is not None
                assert idempotency is not None
                key, fingerprint, response = idempotency
                kwargs[name] = begin_idempotent(session, found.actor, key, fingerprint, response)
        answer = endpoint(**kwargs)
        if page_form is not None:
            assert found is not None
            keep_page_answer(session, found.actor, *page_form, answer)
        return answer

    @functools.wraps(endpoint)
    async def dispatch(**kwargs: Any) -> Any:
        request: Request = kwargs[request_name] if request_name else kwargs.pop("duk_request")
        secret: str | None = None
        if bearer:
            given: HTTPAuthorizationCredentials | None = kwargs.pop("duk_bearer")
            secret = given.credentials if given else None
        elif page:
            secret = request.cookies.get(session_cookie_name(request))
        elif family:
            secret = request.cookies.get(family_cookie_name(request))
        idempotency = None
        if "idempotency" in kinds:
            body = await request.body()
            fingerprint = hashlib.sha256(
                request.method.encode() + b" " + request.url.path.encode() + b"\n" + body
            ).hexdigest()
            response = kwargs[response_name] if response_name else kwargs.pop("duk_response")
            idempotency = (kwargs.pop("duk_idempotency_key"), fingerprint, response)
        page_form = None
        if page and request.method == "POST" and "idempotency" not in kinds:
            page_form = await _page_form_key(request)
        return await in_transaction(
            request,
            run,
            request=request,
            secret=secret,
            idempotency=idempotency,
            page_form=page_form,
            kwargs=kwargs,
        )

    dispatch.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=params + extra, return_annotation=hints.get("return", signature.empty)
    )
    dispatch.duk_needs = needs  # type: ignore[attr-defined]
    return dispatch


class TransactionalRoute(APIRoute):
    """Gives a route what its signature asks for, in one transaction (see the module doc)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _one_transaction(endpoint), **kwargs)

"""Typed dependencies shared by the routers, and the route class that runs each request's
database work in one place and one transaction.

Why one place: a sync FastAPI route and each sync dependency run in separate hops to the
thread pool. If the transaction began in one hop (say, looking up the token) and committed in
another, it would hold the SQLite write lock, or a PostgreSQL pool connection, while waiting
for a free thread; with enough requests at once every thread waits for the lock and the holder
never gets a thread back. So the dependencies below do no I/O: they hand the route class what it
needs, and ``TransactionalRoute`` resolves the actor, checks the idempotency key, calls the
route, commits and closes the session, all in one go: on PostgreSQL in a thread of the pool,
on SQLite in the database's lane (``SQLiteLane`` in app/db.py), where a ``brief`` route runs
on the event loop itself.
"""

from __future__ import annotations

import functools
import inspect
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.accounts import service as account_service
from app.config import Settings
from app.db import sqlite_lane_for
from app.kit.errors import Unauthorized


async def get_session(request: Request) -> Session:
    """The request's session. ``TransactionalRoute`` commits it, or rolls it back, and closes
    it in the route's own thread, before the response is sent, so an acknowledged write is a
    committed write (DESIGN §9). Opening a session does no I/O, so it happens on the event
    loop; a request refused before its route runs leaves a session that never connected.
    Only routes of ``TransactionalRoute`` may take one (tests/test_routes.py checks)."""
    session: Session = request.app.state.session_factory()
    return session


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

bearer_scheme = HTTPBearer(auto_error=False, description="A token from POST /api/v1/tokens")


class PendingActor:
    """The bearer secret of a request, turned into the signed-in actor in the route's thread."""

    def __init__(self, request: Request, secret: str | None, *, with_token: bool) -> None:
        self.request = request
        self.secret = secret
        self.with_token = with_token

    def resolve(self, session: Session) -> tuple[Actor, uuid.UUID]:
        settings: Settings = self.request.app.state.settings
        idle = timedelta(minutes=settings.session_idle_minutes)
        found = (
            account_service.actor_for_token(session, self.secret, kind="bearer", idle=idle)
            if self.secret
            else None
        )
        if found is None:
            raise Unauthorized("Sign in first: send a valid bearer token.")
        self.request.state.actor = found[0]
        return found


SESSION_COOKIE_HTTPS = "__Host-duk_session"
SESSION_COOKIE_HTTP = "duk_session"


def session_cookie_name(request: Request) -> str:
    """``__Host-`` cookies must be Secure, so plain-HTTP development uses a plain name."""
    return SESSION_COOKIE_HTTPS if request.url.scheme == "https" else SESSION_COOKIE_HTTP


class LoginRequired(Unauthorized):
    """A page was asked for without a live browser session: the page answers with sign-in."""

    slug = "login-required"


class PendingPageActor(PendingActor):
    """The browser session cookie of a page request, resolved in the route's thread."""

    def resolve(self, session: Session) -> tuple[Actor, uuid.UUID]:
        settings: Settings = self.request.app.state.settings
        idle = timedelta(minutes=settings.session_idle_minutes)
        found = (
            account_service.actor_for_session(session, self.secret, idle) if self.secret else None
        )
        if found is None:
            raise LoginRequired("Sign in to continue.")
        self.request.state.actor = found[0]
        return found


async def _pending_page_actor(request: Request) -> PendingActor:
    return PendingPageActor(
        request, request.cookies.get(session_cookie_name(request)), with_token=False
    )


async def _pending_page_session(request: Request) -> PendingActor:
    return PendingPageActor(
        request, request.cookies.get(session_cookie_name(request)), with_token=True
    )


# For pages: the signed-in user of the browser session (TransactionalRoute puts it in place).
PageActor = Annotated[Actor, Depends(_pending_page_actor)]
PageSession = Annotated[tuple[Actor, uuid.UUID], Depends(_pending_page_session)]


class Deferred:
    """A dependency value finished in the route's thread, once the actor is known."""

    def resolve(self, session: Session, actor: Actor | None) -> Any:
        raise NotImplementedError


async def _pending_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> PendingActor:
    return PendingActor(request, credentials.credentials if credentials else None, with_token=False)


async def _pending_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> PendingActor:
    return PendingActor(request, credentials.credentials if credentials else None, with_token=True)


# Routes see an Actor (or the actor and its token id): TransactionalRoute puts it in place.
CurrentActor = Annotated[Actor, Depends(_pending_actor)]
CurrentToken = Annotated[tuple[Actor, uuid.UUID], Depends(_pending_token)]


def brief(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a route whose whole transaction is a few indexed statements, with no rendering,
    no password hashing and no scan (the tablet's autosave). On SQLite it runs on the event
    loop instead of the lane's thread (see ``SQLiteLane``). Put it under the router decorator.
    """
    endpoint.duk_brief = True  # type: ignore[attr-defined]
    return endpoint


def _in_one_transaction(endpoint: Callable[..., Any], *, brief: bool) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(**kwargs: Any) -> Any:
        session = next((v for v in kwargs.values() if isinstance(v, Session)), None)
        if session is None:
            if any(isinstance(v, PendingActor | Deferred) for v in kwargs.values()):
                raise TypeError(f"{endpoint.__name__} needs a SessionDep")
            return endpoint(**kwargs)
        try:
            actor: Actor | None = None
            for name, value in list(kwargs.items()):
                if isinstance(value, PendingActor):
                    found = value.resolve(session)
                    actor = found[0]
                    kwargs[name] = found if value.with_token else found[0]
            for name, value in list(kwargs.items()):
                if isinstance(value, Deferred):
                    kwargs[name] = value.resolve(session, actor)
            result = endpoint(**kwargs)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        return result

    @functools.wraps(endpoint)
    async def dispatch(**kwargs: Any) -> Any:
        session = next((v for v in kwargs.values() if isinstance(v, Session)), None)
        lane = sqlite_lane_for(session.get_bind()) if session is not None else None
        if lane is not None:
            return await lane.run(run, brief=brief, **kwargs)
        return await run_in_threadpool(run, **kwargs)

    return dispatch


class TransactionalRoute(APIRoute):
    """Runs a sync route's sign-in, body and commit in one worker thread (see module doc): the
    SQLite database's own lane (app/db.py), or a thread of the pool for PostgreSQL."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _in_one_transaction(endpoint, brief=getattr(endpoint, "duk_brief", False))
        super().__init__(path, endpoint, **kwargs)

"""Typed dependencies shared by the routers: the request's session, settings and actor."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.accounts import service as account_service
from app.config import Settings
from app.db import session_scope
from app.kit.errors import Unauthorized


def get_session(request: Request) -> Iterator[Session]:
    yield from session_scope(request.app.state.session_factory)


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the transaction commits when the route function returns, before the
# response is sent, so an acknowledged write is a committed write (DESIGN §9).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


bearer_scheme = HTTPBearer(auto_error=False, description="A token from POST /api/v1/tokens")


def get_actor_and_token(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> tuple[Actor, uuid.UUID]:
    secret = credentials.credentials if credentials else None
    found = account_service.actor_for_token(session, secret) if secret else None
    if found is None:
        raise Unauthorized("Sign in first: send a valid bearer token.")
    request.state.actor = found[0]
    return found


def get_actor(found: Annotated[tuple[Actor, uuid.UUID], Depends(get_actor_and_token)]) -> Actor:
    return found[0]


CurrentActor = Annotated[Actor, Depends(get_actor)]
CurrentToken = Annotated[tuple[Actor, uuid.UUID], Depends(get_actor_and_token)]

"""A family member's browser on a Duk configured for ID-porten, played by a real OpenID
Connect provider process (tests/oidc_provider.py): the member's `pid` and the level (`acr`)
are claims the test chooses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.members import sessions as member_sessions
from tests.factories import MOR_NATIONAL_ID, World
from tests.html import page
from tests.oidc_provider import Provider

HIGH = "idporten-loa-high"
Browser = Callable[..., TestClient]


def sign_in(
    browser: TestClient, idporten: Provider, sub: str, pid: str | None, acr: str = HIGH
) -> httpx2.Response:
    """The person presses "Sign in with ID-porten" and ID-porten proves them (``pid``)."""
    claims: dict[str, Any] = {"acr": acr}
    if pid is not None:
        claims["pid"] = pid
    idporten.set_user(sub, claims)
    start = browser.get("/familie/auth/login", follow_redirects=False)
    assert start.status_code == 302, start.text
    back = urlsplit(idporten.authorize(start.headers["location"], sub))
    return browser.get(f"{back.path}?{back.query}", follow_redirects=False)


def csrf_of(response: httpx2.Response) -> str:
    return page(response).one('meta[name="csrf-token"]')["content"]


def family_session_of(session: Session, world: World) -> str:
    """The secret of a family session for the world's mother, as ID-porten's sign-in makes
    it (the access matrices skip the provider, as they skip the password check)."""
    found = member_sessions.finish_sign_in(
        session, world.settings, claims={"sub": "mor", "pid": MOR_NATIONAL_ID}
    )
    assert isinstance(found, tuple), found
    session.commit()
    return found[0]

"""Signing in with a username and a password, for the login form and the API alike."""

from __future__ import annotations

from fastapi import Request

from app.access.actor import Actor
from app.accounts import service as account_service
from app.accounts.security import off_the_requests
from app.config import Settings
from app.models import ApiToken
from app.web.deps import in_transaction


async def sign_in(
    request: Request, settings: Settings, username: str, password: str, *, kind: str
) -> tuple[str, ApiToken, Actor] | None:
    """A new browser session or API token (``kind``), or None for a wrong username or
    password; ``TooManyRequests`` while the throttle holds. Three steps, so the password's
    check (argon2) holds up nobody's autosave: the throttle and the attempt in one
    transaction, the password outside any, the session or token in another."""
    client = request.client.host if request.client else "unknown"
    started = await in_transaction(
        request, account_service.begin_sign_in, settings=settings, username=username, client=client
    )
    password_ok = await off_the_requests(account_service.check_password, started, password)
    return await in_transaction(
        request,
        account_service.finish_sign_in,
        settings=settings,
        sign_in=started,
        password_ok=password_ok,
        kind=kind,
    )

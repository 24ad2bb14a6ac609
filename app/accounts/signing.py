"""Signing in with a username and a password, for the login form and the API alike, and the
second factor's code that follows a password where it is required (DESIGN §11)."""

from __future__ import annotations

import uuid

from fastapi import Request

from app.access.actor import Actor
from app.accounts import service as account_service
from app.accounts import totp
from app.accounts.security import off_the_requests
from app.config import Settings
from app.models import ApiToken
from app.web.deps import in_transaction


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def sign_in(
    request: Request, settings: Settings, username: str, password: str, *, kind: str
) -> tuple[str, ApiToken, Actor] | account_service.PasswordOk | None:
    """A new browser session or API token (``kind``), or None for a wrong username or
    password; ``TooManyRequests`` while the throttle holds; ``PasswordOk`` where a second
    factor is required (``Settings.needs_totp``): its code comes next (``second_step``). Three
    steps, so the password's check (argon2) holds up nobody's autosave: the throttle and the
    attempt in one transaction, the password outside any, the session or token in another."""
    started = await in_transaction(
        request,
        account_service.begin_sign_in,
        settings=settings,
        username=username,
        client=_client(request),
    )
    password_ok = await off_the_requests(account_service.check_password, started, password)
    return await in_transaction(
        request,
        account_service.finish_sign_in,
        settings=settings,
        sign_in=started,
        password_ok=password_ok,
        kind=kind,
        second_factor=settings.needs_totp,
    )


async def second_step(
    request: Request,
    settings: Settings,
    user_id: uuid.UUID,
    password_attempt_id: int,
    code: str,
    *,
    kind: str,
    enrol: bool = False,
) -> totp.Done | str:
    """The code after a right password: a 6-digit TOTP code, or (enrolled) a recovery code.
    A session or token, or why not ("wrong", "reused", "inactive"); ``TooManyRequests`` while
    the throttle holds, for codes count against it as passwords do. ``enrol`` confirms an
    enrolment with its first code and makes the recovery codes (``Done.recovery_codes``)."""
    started = await in_transaction(
        request,
        totp.begin_code,
        settings=settings,
        user_id=user_id,
        client=_client(request),
        password_attempt_id=password_attempt_id,
    )
    if started is None or started.enrolled == enrol:
        return "inactive"
    code = code.strip().replace(" ", "")
    step = totp.matching_step(started.secret, code, started.last_step)
    recovery_id = None
    if not step and not enrol:
        recovery_id = await off_the_requests(totp.check_recovery, started, code)
    codes = hashes = None
    if enrol and step:
        codes = totp.new_recovery_codes()
        hashes = await off_the_requests(totp.hash_recovery_codes, codes)
    done = await in_transaction(
        request,
        totp.finish_code,
        settings=settings,
        started=started,
        password_attempt_id=password_attempt_id,
        step=step,
        recovery_id=recovery_id,
        kind=kind,
        recovery_hashes=hashes,
        # A right code whose time step was used already: refused, and told so.
        reused=not step and bool(totp.matching_step(started.secret, code, None)),
    )
    if isinstance(done, totp.Done) and codes is not None:
        return totp.Done(done.secret, done.token, done.actor, None, codes)
    return done

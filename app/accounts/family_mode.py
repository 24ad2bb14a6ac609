"""Family mode on the caseworker's tablet (DESIGN §12): the worker's browser session shows one
family its own things, and nothing else, until the worker signs in again. The session's row
holds the family (``ApiToken.family_mode_family_id``); app/web/deps.py refuses every other
staff page while it is set. Entering and leaving are audited; leaving takes the worker's own
password (and their code, where they have a second factor), counted by the sign-in throttle,
or a fresh sign-in at the identity provider as the same person. Takes a session; never
commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.access.actor import Actor, FamilyMode
from app.accounts import service as account_service
from app.accounts import totp
from app.accounts.security import keyed_digest, verify_password
from app.audit import service as audit
from app.config import Settings
from app.db import utcnow
from app.kit.crypto import data_keys
from app.models import ApiToken, LoginAttempt, User
from app.models.enums import AuditAction

ON = "family_mode_on"
OFF = "family_mode_off"
# What the trail says of a refused attempt to leave (a wrong password, code or provider
# sign-in): never the password, never who typed it.
LEAVE_REFUSED = "family_mode_leave"
# How fresh the provider's sign-in must be to end family mode (it was asked for a new one:
# prompt=login, max_age=0), with room for the clocks to differ.
FRESH_SIGN_IN = timedelta(minutes=5)


def start(session: Session, shown: FamilyMode, family_id: uuid.UUID, return_to: str) -> None:
    """Family mode on for this browser session, for this family (whom the caller has checked
    the actor may show it to); ``return_to`` is where leaving it leads back."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == shown.session_id, ApiToken.kind == "session")
        .values(family_mode_family_id=family_id, family_mode_return=return_to)
    )
    audit.record(
        session,
        shown.actor,
        AuditAction.update,
        "session",
        shown.session_id,
        family_id=family_id,
        purpose=ON,
    )


def return_to(session: Session, session_id: uuid.UUID) -> str:
    found = session.scalar(select(ApiToken.family_mode_return).where(ApiToken.id == session_id))
    return found or "/"


def _end(session: Session, actor: Actor, session_id: uuid.UUID, family_id: uuid.UUID) -> str:
    back = return_to(session, session_id)
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == session_id)
        .values(family_mode_family_id=None, family_mode_return=None)
    )
    audit.record(
        session, actor, AuditAction.update, "session", session_id, family_id=family_id, purpose=OFF
    )
    return back


def _refused(session: Session, actor: Actor, session_id: uuid.UUID, reason: str) -> None:
    audit.record(
        session,
        actor,
        AuditAction.login_failed,
        "session",
        session_id,
        purpose=f"{LEAVE_REFUSED}:{reason}",
    )


# --- leaving with the worker's own password ------------------------------------------------


@dataclass(frozen=True)
class Leaving:
    """An attempt to leave family mode under way: its sign-in attempt recorded (as failed
    until the password proves right) and what the password and code are checked against."""

    shown: FamilyMode
    attempt_id: int
    password_hash: str | None
    totp_secret: str | None
    totp_last_step: int | None


def what_it_takes(session: Session, user_id: uuid.UUID) -> tuple[bool, bool, bool]:
    """Whether the user may leave with a password, needs a code beside it, and may leave
    through the identity provider (linked to a subject there)."""
    row = session.execute(
        select(User.password_hash, User.totp_enrolled_at, User.oidc_subject).where(
            User.id == user_id
        )
    ).one()
    return row[0] is not None, row[1] is not None, row[2] is not None


def begin_leave(session: Session, settings: Settings, shown: FamilyMode, client: str) -> Leaving:
    """The sign-in throttle (``TooManyRequests``), for the signed-in user's own name: an attempt
    to leave counts as a sign-in does; the attempt recorded; the user's hash read. Only the
    signed-in user's password is ever checked: nobody else's opens this session."""
    username = shown.actor.username
    account_service.check_throttle(session, settings, username, client)
    attempt = LoginAttempt(
        username_key=keyed_digest(settings.secret_key, "u:" + username.casefold()),
        client_key=keyed_digest(settings.secret_key, "c:" + client),
        succeeded=False,
    )
    session.add(attempt)
    session.flush()
    user = session.get(User, shown.actor.user_id)
    assert user is not None, "a live session's user exists"
    secret = (
        data_keys(settings).decrypt(user.totp_secret_encrypted)
        if user.totp_enrolled_at is not None and user.totp_secret_encrypted is not None
        else None
    )
    return Leaving(shown, attempt.id, user.password_hash, secret, user.totp_last_step)


def check_password(leaving: Leaving, password: str) -> bool:
    """Slow on purpose (argon2); needs no database."""
    return verify_password(leaving.password_hash, password)


def finish_leave(session: Session, leaving: Leaving, *, password_ok: bool, code: str) -> str | None:
    """Family mode off, and the page to go back to; or None, family mode kept and the refusal
    audited, when the password (or the code after it) was wrong. A code's time step is taken
    with a conditional update, as at sign-in, so it serves once."""
    shown = leaving.shown
    assert shown.family_id is not None
    reason = "" if password_ok else "password"
    if not reason and leaving.totp_secret is not None:
        step = totp.matching_step(leaving.totp_secret, code.strip().replace(" ", ""), None)
        taken = bool(step) and bool(
            session.connection()
            .execute(
                update(User)
                .where(
                    User.id == shown.actor.user_id,
                    (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
                )
                .values(totp_last_step=step)
            )
            .rowcount
        )
        reason = "" if taken else "code"
    if reason:
        _refused(session, shown.actor, shown.session_id, reason)
        return None
    session.execute(
        update(LoginAttempt).where(LoginAttempt.id == leaving.attempt_id).values(succeeded=True)
    )
    return _end(session, shown.actor, shown.session_id, shown.family_id)


# --- leaving through the identity provider ---------------------------------------------------


def finish_leave_through_provider(
    session: Session,
    shown: FamilyMode,
    *,
    subject: str,
    auth_time: int | None,
    now: datetime | None = None,
) -> str | None:
    """Family mode off after a fresh sign-in at the provider, and the page to go back to; None
    (kept, and audited) when the provider's person is not this session's user, or the sign-in
    was not a fresh one (the provider let an old sign-in stand)."""
    assert shown.family_id is not None
    linked = session.scalar(select(User.oidc_subject).where(User.id == shown.actor.user_id))
    moment = (now or utcnow()).timestamp()
    if linked is None or linked != subject:
        _refused(session, shown.actor, shown.session_id, "provider_person")
        return None
    if auth_time is None or auth_time < moment - FRESH_SIGN_IN.total_seconds():
        _refused(session, shown.actor, shown.session_id, "provider_not_fresh")
        return None
    return _end(session, shown.actor, shown.session_id, shown.family_id)


def leave_through_provider(
    session: Session,
    settings: Settings,
    secret: str | None,
    *,
    subject: str,
    auth_time: int | None,
) -> str | None:
    """``finish_leave_through_provider`` for the browser session of ``secret``; None when it
    has ended or is not in family mode (nothing to leave: the sign-in page, or home)."""
    shown = in_session(session, settings, secret)
    if shown is None or shown.family_id is None:
        return "/" if shown is not None else None
    return finish_leave_through_provider(session, shown, subject=subject, auth_time=auth_time)


def in_session(session: Session, settings: Settings, secret: str | None) -> FamilyMode | None:
    """The live browser session of ``secret``, with the family it is in family mode for."""
    if not secret:
        return None
    idle = timedelta(minutes=settings.session_idle_minutes)
    return account_service.actor_for_token(session, secret, kind="session", idle=idle)

"""The second factor of a local password (TOTP, RFC 6238; DESIGN §11): its secret, codes,
recovery codes, the QR code to enrol with, and the signed cookie of a sign-in whose password
was right and whose code is still awaited. Takes a session; never commits."""

from __future__ import annotations

import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pyotp
import segno
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from app.access.actor import Actor
from app.accounts import service as account_service
from app.accounts.security import hash_password, keyed_digest, verify_password
from app.audit import service as audit
from app.config import Settings
from app.db import utcnow
from app.kit.crypto import data_keys
from app.models import ApiToken, LoginAttempt, RecoveryCode, User
from app.models.enums import AuditAction

ISSUER = "Duk"
RECOVERY_CODES = 10
# How long the code may be waited for after the password was right.
PENDING_SECONDS = 600
PENDING_COOKIE = "duk_pending"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


# --- the half-way cookie ------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A sign-in whose password was right, waiting for its second factor. Not a session: it
    opens no page and no API; it only lets its browser send a code."""

    user_id: uuid.UUID
    attempt_id: int
    enrolled: bool
    next: str = "/"


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="duk-totp-pending")


def dump_pending(settings: Settings, pending: Pending) -> str:
    return _serializer(settings).dumps(
        {"u": str(pending.user_id), "a": pending.attempt_id, "n": pending.next}
    )


def load_pending(settings: Settings, value: str | None) -> Pending | None:
    if not value:
        return None
    try:
        data: Any = _serializer(settings).loads(value, max_age=PENDING_SECONDS)
        return Pending(uuid.UUID(data["u"]), int(data["a"]), False, str(data["n"]))
    except (BadSignature, KeyError, ValueError, TypeError):
        return None


# --- secrets, codes and the QR code ---------------------------------------------------------


def grouped(secret: str) -> str:
    """The secret in groups of four, as it is typed into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG markup, drawn here: no image leaves the server."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=5, border=4, omitsize=True)
    return svg


def current_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // 30)


def matching_step(secret: str, code: str, last_step: int | None, at: float | None = None) -> int:
    """The time step (±1 around now) the 6-digit code belongs to and that is later than the
    last accepted one; 0 for none."""
    if len(code) != 6 or not code.isdigit():
        return 0
    totp = pyotp.TOTP(secret)
    now = current_step(at)
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (
            last_step is None or step > last_step
        ):
            return step
    return 0


def normalise_recovery(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(raw[:5] + "-" + raw[5:])
    return codes


def hash_recovery_codes(codes: list[str]) -> list[str]:
    return [hash_password(normalise_recovery(code)) for code in codes]


# --- the database steps ---------------------------------------------------------------------


def enrolment_secret(session: Session, settings: Settings, user_id: uuid.UUID) -> str | None:
    """The secret of a user who is yet to enrol, made on first need and kept (encrypted) so a
    page reloaded shows the same one; None for an enrolled or closed user."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.totp_enrolled_at is not None:
        return None
    keys = data_keys(settings)
    if user.totp_secret_encrypted is None:
        secret = pyotp.random_base32()
        user.totp_secret_encrypted = keys.encrypt(secret)
        session.flush()
        return secret
    return keys.decrypt(user.totp_secret_encrypted)


@dataclass(frozen=True)
class SecondFactor:
    """A code's check under way: its attempt recorded (as failed until the code proves right)
    and what the code is checked against, read."""

    attempt_id: int
    user_id: uuid.UUID
    secret: str
    last_step: int | None
    enrolled: bool
    recovery: tuple[tuple[uuid.UUID, str], ...]


def is_enrolled(session: Session, user_id: uuid.UUID) -> bool:
    return session.scalar(select(User.totp_enrolled_at).where(User.id == user_id)) is not None


def _password_attempt_open(session: Session, password_attempt_id: int, username_key: str) -> bool:
    """Whether the password's attempt the half-way cookie names is this user's and still
    waits for its code: the server's record of the cookie. The sign-in it finishes spends it
    (``finish_code``), so a copy of the cookie opens no second session."""
    found = session.execute(
        select(LoginAttempt.username_key, LoginAttempt.succeeded).where(
            LoginAttempt.id == password_attempt_id
        )
    ).first()
    return found is not None and found[0] == username_key and not found[1]


def begin_code(
    session: Session,
    settings: Settings,
    user_id: uuid.UUID,
    client: str,
    password_attempt_id: int,
) -> SecondFactor | None:
    """The throttle (``TooManyRequests``: a code counts as a password does) and the attempt
    recorded; None when the user is closed or has no secret (reset meanwhile), or when the
    password's attempt is not this user's or has been spent by a sign-in already."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.totp_secret_encrypted is None:
        return None
    username_key = keyed_digest(settings.secret_key, "u:" + user.username.casefold())
    if not _password_attempt_open(session, password_attempt_id, username_key):
        return None
    account_service.check_throttle(session, settings, user.username, client)
    attempt = LoginAttempt(
        username_key=username_key,
        client_key=keyed_digest(settings.secret_key, "c:" + client),
        succeeded=False,
    )
    session.add(attempt)
    session.flush()
    recovery = tuple(
        (code_id, code_hash)
        for code_id, code_hash in session.execute(
            select(RecoveryCode.id, RecoveryCode.code_hash).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
    )
    return SecondFactor(
        attempt.id,
        user.id,
        data_keys(settings).decrypt(user.totp_secret_encrypted),
        user.totp_last_step,
        user.totp_enrolled_at is not None,
        recovery if user.totp_enrolled_at is not None else (),
    )


def check_recovery(started: SecondFactor, code: str) -> uuid.UUID | None:
    """The unused recovery code this is (argon2, slow on purpose: off the requests)."""
    plain = normalise_recovery(code)
    if len(plain) != 10:
        return None
    for code_id, code_hash in started.recovery:
        if verify_password(code_hash, plain):
            return code_id
    return None


def _taken(session: Session, statement: Any) -> bool:
    """Whether a conditional update changed a row: the request that made it took the thing."""
    return bool(session.connection().execute(statement).rowcount)


@dataclass(frozen=True)
class Done:
    secret: str
    token: ApiToken
    actor: Actor
    recovery_left: int | None = None
    recovery_codes: list[str] | None = None


def finish_code(
    session: Session,
    settings: Settings,
    started: SecondFactor,
    *,
    password_attempt_id: int,
    step: int,
    recovery_id: uuid.UUID | None,
    kind: str,
    recovery_hashes: list[str] | None = None,
    reused: bool = False,
) -> Done | str:
    """A session or token once the code proved right, or the reason it did not ("wrong",
    "reused"), audited as a failed sign-in with that reason (never the code). A code's time
    step and a recovery code are taken with a conditional update, so two requests with the
    same code cannot both pass. ``recovery_hashes`` completes an enrolment."""
    # The password's attempt is spent by the code that finishes its sign-in, and only once:
    # of two codes sent with copies of one half-way cookie, one signs in. Spent first (the
    # row stays locked until this transaction ends), and given back if the code is refused,
    # so a mistyped code does not ask for the password again.
    spent = _taken(
        session,
        update(LoginAttempt)
        .where(LoginAttempt.id == password_attempt_id, LoginAttempt.succeeded.is_(False))
        .values(succeeded=True),
    )
    if not spent:
        reason = "inactive"
    elif step:
        reason = (
            ""
            if _taken(
                session,
                update(User)
                .where(
                    User.id == started.user_id,
                    (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
                )
                .values(totp_last_step=step),
            )
            else "reused"
        )
    elif recovery_id is not None:
        reason = (
            ""
            if _taken(
                session,
                update(RecoveryCode)
                .where(RecoveryCode.id == recovery_id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow()),
            )
            else "reused"
        )
    else:
        reason = "reused" if reused else "wrong"
    user = session.scalar(
        select(User).where(User.id == started.user_id).options(selectinload(User.units))
    )
    if not reason and (user is None or not user.active or user.totp_secret_encrypted is None):
        reason = "inactive"
    if reason:
        if spent:
            session.execute(
                update(LoginAttempt)
                .where(LoginAttempt.id == password_attempt_id)
                .values(succeeded=False)
            )
        audit.record(session, None, AuditAction.login_failed, "session", purpose="totp:" + reason)
        return reason
    assert user is not None
    session.execute(
        update(LoginAttempt).where(LoginAttempt.id == started.attempt_id).values(succeeded=True)
    )
    purpose = "totp"
    if recovery_hashes is not None:
        user.totp_enrolled_at = utcnow()
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        session.add_all(RecoveryCode(user_id=user.id, code_hash=h) for h in recovery_hashes)
        purpose = "totp_enrolled"
    left = None
    if recovery_id is not None:
        purpose = "recovery_code"
        left = len(started.recovery) - 1
    session.flush()
    secret, token = account_service.issue_token(session, user, settings, kind=kind)
    actor = account_service.actor_from_user(user)
    audit.record(session, actor, AuditAction.login, "session", token.id, purpose=purpose)
    return Done(secret, token, actor, left)


def reset(session: Session, actor: Actor | None, user: User) -> None:
    """Forget the user's second factor (a lost phone): they enrol again at their next
    sign-in, and every session and token of theirs ends (the lost phone may hold one).
    Audited."""
    account_service.revoke_user_tokens(session, user.id)
    user.totp_secret_encrypted = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()
    audit.record(session, actor, AuditAction.update, "user", user.id, purpose="totp_reset")


def rotate_secrets(session: Session, settings: Settings) -> int:
    """Re-encrypt every stored TOTP secret with the current data key (``duk rotate-key``)."""
    keys = data_keys(settings)
    users = session.scalars(select(User).where(User.totp_secret_encrypted.is_not(None))).all()
    for user in users:
        assert user.totp_secret_encrypted is not None
        user.totp_secret_encrypted = keys.rotate(user.totp_secret_encrypted)
    session.flush()
    return len(users)

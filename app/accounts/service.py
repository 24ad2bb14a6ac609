"""Units, users, tokens and sign-in. Takes a session; never commits."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.access.actor import Actor, FamilyMode, UnitRef
from app.accounts.security import (
    hash_password,
    keyed_digest,
    new_token_secret,
    token_digest,
    verify_password,
)
from app.audit import service as audit
from app.config import Settings
from app.db import utcnow
from app.kit.errors import Conflict, Invalid, TooManyRequests
from app.models import ApiToken, Family, LoginAttempt, Unit, User, user_unit
from app.models.enums import AuditAction, Role, UnitLevel


def actor_from_user(user: User) -> Actor:
    units = tuple(
        UnitRef(unit.id, unit.slug, unit.name) for unit in sorted(user.units, key=lambda u: u.slug)
    )
    return Actor(user.id, user.username, user.display_name, user.role, units)


def add_unit(
    session: Session,
    *,
    slug: str,
    name: str,
    level: UnitLevel,
    municipality_code: str | None = None,
    parent: Unit | None = None,
) -> Unit:
    if session.scalar(select(Unit.id).where(Unit.slug == slug)) is not None:
        raise Conflict(f"A unit with slug {slug!r} exists already.")
    unit = Unit(
        slug=slug,
        name=name,
        level=level,
        municipality_code=municipality_code,
        parent_id=parent.id if parent else None,
    )
    session.add(unit)
    session.flush()
    return unit


def add_user(
    session: Session,
    *,
    username: str,
    role: Role,
    units: Sequence[Unit],
    password: str | None = None,
    password_hash: str | None = None,
    display_name: str | None = None,
    oidc_subject: str | None = None,
) -> User:
    """A user with a password, or one linked to the provider's subject (then the password is
    optional: such a user may sign in only through the provider)."""
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"A user named {username!r} exists already.")
    if oidc_subject is not None:
        _check_subject_free(session, oidc_subject)
    if password_hash is None and (password or oidc_subject is None):
        if not password or len(password) < 10:
            raise Invalid.field("password", "At least 10 characters")
        password_hash = hash_password(password)
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=password_hash,
        oidc_subject=oidc_subject,
        active=True,
    )
    user.units = list(units)
    session.add(user)
    session.flush()
    return user


def _check_subject_free(session: Session, subject: str, *, but: User | None = None) -> None:
    if not subject.strip() or len(subject) > 255:
        raise Invalid.field("oidc_subject", "Give the subject (sub) the provider sends")
    holder = session.scalar(select(User.id).where(User.oidc_subject == subject))
    if holder is not None and (but is None or holder != but.id):
        raise Conflict("Another user is linked to this subject already.")


def link_subject(session: Session, actor: Actor, user: User, subject: str | None) -> None:
    """Link the user to the provider's subject, or unlink them (None); audited. Unlinked or
    linked to another subject, every session and token of theirs ends: whoever signed in as
    the old subject is no longer this user."""
    if subject is not None:
        subject = subject.strip()
        _check_subject_free(session, subject, but=user)
    if user.oidc_subject is not None and subject != user.oidc_subject:
        revoke_user_tokens(session, user.id)
    user.oidc_subject = subject
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.update,
        "user",
        user.id,
        purpose="oidc_link" if subject is not None else "oidc_unlink",
    )


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def finish_oidc_sign_in(
    session: Session, settings: Settings, *, subject: str, kind: str
) -> tuple[str, ApiToken, Actor] | str:
    """A new session or token for the user linked to the provider's ``subject`` (whose ID
    token has passed every check), or the reason code of the refusal: the subject is linked to
    nobody (no account is ever made here: roles and units are Duk's, DESIGN §11), or the user
    is closed in Duk, whatever the provider says. Audited either way; the reason goes to the
    trail, never the subject."""
    user = session.scalar(
        select(User).where(User.oidc_subject == subject).options(selectinload(User.units))
    )
    if user is None or not user.active:
        reason = "unknown_subject" if user is None else "inactive"
        record_oidc_refusal(session, reason)
        return reason
    secret, token = issue_token(session, user, settings, kind=kind)
    actor = actor_from_user(user)
    audit.record(session, actor, AuditAction.login, "session", token.id, purpose="oidc")
    return secret, token, actor


def record_oidc_refusal(session: Session, reason: str) -> None:
    """A sign-in through the provider refused before any user was known (a bad state, an ID
    token that failed a check): the trail says why, with nobody's name."""
    audit.record(session, None, AuditAction.login_failed, "session", purpose="oidc:" + reason)


def issue_token(
    session: Session, user: User, settings: Settings, *, kind: str = "bearer"
) -> tuple[str, ApiToken]:
    secret = new_token_secret()
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        token_hash=token_digest(secret),
        kind=kind,
        expires_at=now + timedelta(hours=settings.token_ttl_hours),
        last_seen_at=now,
    )
    session.add(token)
    session.flush()
    return secret, token


def _actor_by_token_statement() -> Select[tuple[Any, ...]]:
    # Table columns, not ORM attributes, and built once with bind parameters: the hot path of
    # every API request pays neither the ORM's per-call work nor building the expression.
    user, token, unit, link = (
        User.__table__.c,
        ApiToken.__table__.c,
        Unit.__table__.c,
        user_unit.c,
    )
    return (
        select(
            user.id,
            user.username,
            user.display_name,
            user.role,
            token.id,
            token.last_seen_at,
            token.family_mode_family_id,
            unit.id,
            unit.slug,
            unit.name,
        )
        .select_from(
            ApiToken.__table__.join(User.__table__, user.id == token.user_id)
            .outerjoin(user_unit, link.user_id == user.id)
            .outerjoin(Unit.__table__, unit.id == link.unit_id)
        )
        .where(
            token.token_hash == bindparam("digest"),
            # A browser session is never an API token, nor the other way round (DESIGN §11).
            token.kind == bindparam("kind"),
            token.revoked_at.is_(None),
            token.expires_at > bindparam("now"),
            or_(token.last_seen_at.is_(None), token.last_seen_at > bindparam("idle_since")),
            user.active.is_(True),
        )
    )


_ACTOR_BY_TOKEN = _actor_by_token_statement()


SESSION_TOUCH_INTERVAL = timedelta(seconds=60)


def actor_for_token(
    session: Session, secret: str, *, kind: str, idle: timedelta
) -> FamilyMode | None:
    """The actor behind a live token of ``kind`` ("bearer" for the API, "session" for pages),
    with the token's id and the family a session is in family mode for (DESIGN §12; never for
    a bearer token), in one query (every request makes it). A token unused for ``idle`` has
    ended, and so has one past its absolute expiry; the idle clock slides, written at most once
    a minute."""
    now = utcnow()
    rows = (
        session.connection()
        .execute(
            _ACTOR_BY_TOKEN,
            {"digest": token_digest(secret), "now": now, "kind": kind, "idle_since": now - idle},
        )
        .all()
    )
    if not rows:
        return None
    user_id, username, display_name, role, token_id, last_seen_at, family_mode = rows[0][:7]
    units = sorted(
        (UnitRef(unit_id, slug, name) for *_, unit_id, slug, name in rows if unit_id is not None),
        key=lambda unit: unit.slug,
    )
    if last_seen_at is None or last_seen_at < now - SESSION_TOUCH_INTERVAL:
        session.connection().execute(_TOUCH_TOKEN, {"token_id": token_id, "now": now})
    actor = Actor(user_id, username, display_name, role, tuple(units))
    return FamilyMode(actor, token_id, family_mode if kind == "session" else None)


_TOUCH_TOKEN = (
    update(ApiToken)
    .where(ApiToken.id == bindparam("token_id"))
    .values(last_seen_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


def revoke_token(session: Session, token_id: uuid.UUID) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_user_tokens(session: Session, user_id: uuid.UUID) -> None:
    """End every browser session and API token of the user."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# Sign-in throttling (DESIGN §9, §11): it slows whoever is guessing, and never locks out the
# person whose account is guessed at. Failures count per username *and* client address (the
# pair), per username over clients that have never signed in as it, and per client over all
# usernames (spraying). Past a threshold each group waits before its next attempt, twice as
# long after each further failure, up to a cap: a delay, not a lock.
KNOWN_CLIENT_FOR = timedelta(days=30)
USERNAME_DELAY_CAP_S = 60


@dataclass(frozen=True)
class _Attempt:
    username_key: str
    client_key: str
    succeeded: bool
    at: datetime


def _wait_s(failures: list[datetime], threshold: int, cap_s: int, now: datetime) -> float:
    """Seconds until a group with these failures (oldest first) may try again."""
    if len(failures) < threshold:
        return 0.0
    delay = min(2 ** (len(failures) - threshold), cap_s)
    return max(0.0, (failures[-1] + timedelta(seconds=delay) - now).total_seconds())


def check_throttle(session: Session, settings: Settings, username: str, client: str) -> None:
    """Refuse a sign-in attempt (429, with how long to wait) while its pair, its username or
    its client is waiting after repeated failures."""
    now = utcnow()
    since = now - max(timedelta(seconds=settings.login_window_seconds), KNOWN_CLIENT_FOR)
    window_start = now - timedelta(seconds=settings.login_window_seconds)
    username_key = keyed_digest(settings.secret_key, "u:" + username.casefold())
    client_key = keyed_digest(settings.secret_key, "c:" + client)
    attempts = [
        _Attempt(*row)
        for row in session.execute(
            select(
                LoginAttempt.username_key,
                LoginAttempt.client_key,
                LoginAttempt.succeeded,
                LoginAttempt.at,
            )
            .where(
                LoginAttempt.at > since,
                (LoginAttempt.username_key == username_key)
                | (LoginAttempt.client_key == client_key),
            )
            .order_by(LoginAttempt.at)
        )
    ]
    pair = [a for a in attempts if (a.username_key, a.client_key) == (username_key, client_key)]
    last_success = max((a.at for a in pair if a.succeeded), default=None)
    known_client = last_success is not None
    threshold = settings.login_max_failures
    cap = settings.login_window_seconds

    def failures(group: list[_Attempt]) -> list[datetime]:
        return [
            a.at
            for a in group
            if not a.succeeded
            and a.at > window_start
            and (last_success is None or a.at > last_success or group is not pair)
        ]

    waits = [
        _wait_s(failures(pair), threshold, cap, now),
        _wait_s(
            failures([a for a in attempts if a.client_key == client_key]),
            4 * threshold,
            cap,
            now,
        ),
    ]
    if not known_client:
        # Guessing one account from many addresses slows new addresses a little; the owner's
        # own device, where they signed in before, is never held up by it.
        waits.append(
            _wait_s(
                failures([a for a in attempts if a.username_key == username_key]),
                3 * threshold,
                USERNAME_DELAY_CAP_S,
                now,
            )
        )
    wait = max(waits)
    if wait > 0:
        raise TooManyRequests(
            "Too many failed sign-ins. Wait a little and try again.",
            retry_after=max(1, math.ceil(wait)),
        )


@dataclass(frozen=True)
class SignIn:
    """A sign-in under way. Its attempt is already recorded, as failed until the password
    proves right, so sign-ins sent in parallel count against the throttle while their passwords
    are checked; the password is checked against ``password_hash`` outside the database's turn
    (argon2 takes a good tenth of a second of CPU)."""

    attempt_id: int
    user_id: uuid.UUID | None
    password_hash: str | None


def begin_sign_in(session: Session, settings: Settings, username: str, client: str) -> SignIn:
    """The first step of a sign-in: the throttle (``TooManyRequests``), the attempt recorded,
    the stored hash read."""
    check_throttle(session, settings, username, client)
    attempt = LoginAttempt(
        username_key=keyed_digest(settings.secret_key, "u:" + username.casefold()),
        client_key=keyed_digest(settings.secret_key, "c:" + client),
        succeeded=False,
    )
    session.add(attempt)
    session.flush()
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        return SignIn(attempt.id, None, None)
    return SignIn(attempt.id, user.id, user.password_hash)


def check_password(sign_in: SignIn, password: str) -> bool:
    """Whether the password is right. Slow on purpose (argon2); needs no database. An unknown
    user takes as long as a known one."""
    return verify_password(sign_in.password_hash, password)


@dataclass(frozen=True)
class PasswordOk:
    """The password was right, and a second factor is required (``Settings.needs_totp``): no
    session yet, and the attempt stays a failure until the code proves right too."""

    user_id: uuid.UUID
    attempt_id: int
    enrolled: bool


def finish_sign_in(
    session: Session,
    settings: Settings,
    sign_in: SignIn,
    password_ok: bool,
    *,
    kind: str,
    second_factor: bool = False,
) -> tuple[str, ApiToken, Actor] | PasswordOk | None:
    """The last step: a new session or token for the user, or None when the password was
    wrong or the account was closed meanwhile (the attempt stays a failure). Audited either
    way. With ``second_factor``, a right password gives ``PasswordOk`` instead: the code comes
    next (app/accounts/totp.py)."""
    user = (
        session.scalar(
            select(User).where(User.id == sign_in.user_id).options(selectinload(User.units))
        )
        if password_ok and sign_in.user_id is not None
        else None
    )
    if user is None or not user.active or user.password_hash != sign_in.password_hash:
        audit.record(session, None, AuditAction.login_failed, "session")
        return None
    if second_factor:
        return PasswordOk(user.id, sign_in.attempt_id, user.totp_enrolled_at is not None)
    session.execute(
        update(LoginAttempt).where(LoginAttempt.id == sign_in.attempt_id).values(succeeded=True)
    )
    secret, token = issue_token(session, user, settings, kind=kind)
    actor = actor_from_user(user)
    audit.record(session, actor, AuditAction.login, "session", token.id)
    return secret, token, actor


def plan_lead(session: Session, family: Family) -> User:
    """The family's plan lead: the user every room names as the family's contact person."""
    user = session.get(User, family.plan_lead_id)
    assert user is not None, "plan_lead_id is a foreign key"
    return user


def list_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.name)))


def token_expiry(token: ApiToken) -> datetime:
    return token.expires_at


def unit_members(session: Session) -> list[tuple[uuid.UUID, User]]:
    """Active caseworkers and reviewers, once per unit they belong to: the people a plan may
    name as responsible for an action on behalf of their unit."""
    rows = session.execute(
        select(user_unit.c.unit_id, User)
        .join(User, User.id == user_unit.c.user_id)
        .where(User.active.is_(True), User.role.in_((Role.caseworker, Role.reviewer)))
        .order_by(User.display_name, User.id)
    ).all()
    return [(unit_id, user) for unit_id, user in rows]

"""Word that reaches people outside the app (DESIGN §12): each user's choice of channel, and
queueing a message in the outbox in the same transaction as the event that causes it.

A queued message is a kind and a recipient, nothing more: which family, plan or action it is
about stays out of it (only its dedupe key carries the event's opaque ids), and its text is
made from the kind and the recipient's language when it is sent (``messages``). Queueing never
sends, so a request that causes a message is as fast as one that does not, whatever the mail
server is doing; the worker (``delivery``) sends it, retrying until it gets through.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from app.access.actor import Actor
from app.db import utcnow
from app.kit.concurrency import check_version
from app.kit.errors import Invalid
from app.kit.i18n import local_today
from app.models import (
    Family,
    FamilyMember,
    Notification,
    NotificationSetting,
    PlanReview,
    User,
    user_unit,
)
from app.models.enums import MemberRelation, NotificationChannel, NotificationKind, Role
from app.models.member import SELF_CONSENT_AGE
from app.notifications.schemas import NotificationSettingsIn

# The roles that work on families' plans, and so may be told that something waits there.
CASE_ROLES = (Role.caseworker, Role.reviewer)


# --- each user's choice ------------------------------------------------------------------------


def setting_for(session: Session, user_id: uuid.UUID) -> NotificationSetting:
    """The user's choice; a user who never chose has none (no message), in bokmål."""
    found = session.get(NotificationSetting, user_id)
    if found is not None:
        return found
    return NotificationSetting(
        user_id=user_id, channel=NotificationChannel.none, language="nb", version=0
    )


def save_setting(
    session: Session, actor: Actor, data: NotificationSettingsIn, expected_version: int
) -> NotificationSetting:
    """The actor's own choice, replaced whole; ``expected_version`` is the version the actor
    read (0 before any choice was saved)."""
    if data.channel is NotificationChannel.email and not data.email:
        raise Invalid.field("email", "Give the e-mail address to send to")
    if data.channel is NotificationChannel.sms and not data.phone:
        raise Invalid.field("phone", "Give the phone number to send to")
    setting = session.get(NotificationSetting, actor.user_id)
    check_version(setting.version if setting else 0, expected_version)
    if setting is None:
        setting = NotificationSetting(user_id=actor.user_id, version=0)
        session.add(setting)
    setting.channel = data.channel
    setting.email = data.email
    setting.phone = data.phone
    setting.language = data.language
    setting.version += 1
    session.flush()
    return setting


# --- queueing ----------------------------------------------------------------------------------


def _wanting_word(session: Session, user_ids: Iterable[uuid.UUID]) -> Sequence[Any]:
    """The users among ``user_ids`` who are active and chose a channel with somewhere to send
    it: (user id, channel, language)."""
    wanted = set(user_ids)
    if not wanted:
        return []
    return session.execute(
        select(
            NotificationSetting.user_id, NotificationSetting.channel, NotificationSetting.language
        )
        .join(User, User.id == NotificationSetting.user_id)
        .where(
            NotificationSetting.user_id.in_(wanted),
            User.active.is_(True),
            (
                (NotificationSetting.channel == NotificationChannel.email)
                & NotificationSetting.email.is_not(None)
            )
            | (
                (NotificationSetting.channel == NotificationChannel.sms)
                & NotificationSetting.phone.is_not(None)
            ),
        )
        .order_by(NotificationSetting.user_id)
    ).all()


def enqueue(
    session: Session, kind: NotificationKind, event: str, user_ids: Iterable[uuid.UUID]
) -> int:
    """Queue a message of ``kind`` for each of ``user_ids`` who wants word, in the caller's
    transaction. ``event`` names what happened by opaque ids (a plan's, a review's): with the
    kind and the user it is the message's dedupe key, so the same event never notifies anyone
    twice, however often it is queued (a daily scan run twice, two processes at once). Returns
    how many messages were queued now."""
    rows = [
        {
            "user_id": user_id,
            "member_id": None,
            "kind": kind,
            "channel": channel,
            "language": language,
            "next_attempt_at": utcnow(),
            "dedupe_key": f"{kind.value}:{event}:{user_id}",
        }
        for user_id, channel, language in _wanting_word(session, user_ids)
    ]
    return _queue(session, rows)


def _queue(session: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    fresh = session.scalars(
        select(Notification.dedupe_key).where(
            Notification.dedupe_key.in_([row["dedupe_key"] for row in rows])
        )
    ).all()
    rows = [row for row in rows if row["dedupe_key"] not in set(fresh)]
    if not rows:
        return 0
    # Another transaction may queue the same message meanwhile: the database's own "on conflict
    # do nothing" keeps one and never fails the request that caused it.
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"])
    session.execute(statement, rows)
    return len(rows)


def unit_members(session: Session, unit_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The users of the units who work on families' plans."""
    wanted = set(unit_ids)
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(User.id)
            .join(user_unit, user_unit.c.user_id == User.id)
            .where(user_unit.c.unit_id.in_(wanted), User.role.in_(CASE_ROLES))
        ).all()
    )


def plan_submitted(session: Session, plan_id: uuid.UUID, reviews: Iterable[PlanReview]) -> int:
    """ "A plan waits for your review": to the users of every unit asked to review the plan. A
    plan is submitted only with the family's consent for every unit asked (plans' completeness
    check), so each of them may read it, as the inbox's review items say (app/inbox)."""
    return enqueue(
        session,
        NotificationKind.review_requested,
        str(plan_id),
        unit_members(session, (review.unit_id for review in reviews)),
    )


def changes_requested(session: Session, review: PlanReview, family_id: uuid.UUID) -> int:
    """ "Changes were asked for": to the family's plan lead, who alone sees a unit's comment in
    the inbox."""
    lead = session.scalar(select(Family.plan_lead_id).where(Family.id == family_id))
    return enqueue(
        session,
        NotificationKind.changes_requested,
        str(review.id),
        [lead] if lead is not None else [],
    )


def users_wanting_word(session: Session) -> Sequence[User]:
    """The active users who work on plans and chose a channel, with their units: the daily
    scan asks what waits for each of them."""
    return session.scalars(
        select(User)
        .join(NotificationSetting, NotificationSetting.user_id == User.id)
        .where(
            User.active.is_(True),
            User.role.in_(CASE_ROLES),
            NotificationSetting.channel != NotificationChannel.none,
        )
        .options(selectinload(User.units))
        .order_by(User.username)
    ).all()


# --- word to the family (DESIGN §12) -----------------------------------------------------------


def _members_wanting_word(session: Session, family_id: uuid.UUID) -> Sequence[Any]:
    """The family's members who may sign in to the family's pages (an adult, or a young person
    from 16, with a national ID number that ID-porten's sign-in is found by) and chose a
    channel with somewhere to send it: (member id, channel, language). A message with nothing
    to sign in to is no use, and a child under 16 never signs in."""
    youngest = local_today().year - SELF_CONSENT_AGE
    return session.execute(
        select(FamilyMember.id, FamilyMember.notify_channel, FamilyMember.language)
        .where(
            FamilyMember.family_id == family_id,
            FamilyMember.national_id_key.is_not(None),
            or_(
                FamilyMember.relation != MemberRelation.child,
                FamilyMember.birth_year <= youngest,
            ),
            (
                (FamilyMember.notify_channel == NotificationChannel.email)
                & FamilyMember.email.is_not(None)
            )
            | (
                (FamilyMember.notify_channel == NotificationChannel.sms)
                & FamilyMember.phone.is_not(None)
            ),
        )
        .order_by(FamilyMember.id)
    ).all()


def enqueue_family(
    session: Session, kind: NotificationKind, event: str, family_id: uuid.UUID
) -> int:
    """Queue a message of ``kind`` for each member of the family who wants word and may sign
    in, in the member's own language, in the caller's transaction; deduplicated as
    ``enqueue``'s. Returns how many were queued now."""
    rows = [
        {
            "user_id": None,
            "member_id": member_id,
            "kind": kind,
            "channel": channel,
            "language": language.value,
            "next_attempt_at": utcnow(),
            "dedupe_key": f"{kind.value}:{event}:{member_id}",
        }
        for member_id, channel, language in _members_wanting_word(session, family_id)
    ]
    return _queue(session, rows)


def family_approval_requested(session: Session, plan_id: uuid.UUID, family_id: uuid.UUID) -> int:
    """ "A plan waits for your approval": to the family's members, when a plan version is put
    to them (submitted: it waits for the family's approval from then on)."""
    return enqueue_family(
        session, NotificationKind.family_approval_requested, str(plan_id), family_id
    )


def family_notifications(session: Session, family_id: uuid.UUID) -> list[dict[str, Any]]:
    """The messages queued or sent to the family's members, oldest first, for the family's
    export: what kind, to whom, by which channel, and how it went (no address: the members'
    own records carry those)."""
    rows = session.scalars(
        select(Notification)
        .join(FamilyMember, FamilyMember.id == Notification.member_id)
        .where(FamilyMember.family_id == family_id)
        .order_by(Notification.created_at, Notification.id)
    ).all()
    return [
        {
            "member_id": str(n.member_id),
            "kind": n.kind.value,
            "channel": n.channel.value,
            "language": n.language,
            "status": n.status.value,
            "created_at": n.created_at.isoformat(),
            "sent_at": n.sent_at.isoformat() if n.sent_at else None,
        }
        for n in rows
    ]

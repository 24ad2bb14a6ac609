"""A family member's sign-in through ID-porten and their session on the family's own pages
(DESIGN §11, §12). The ID token's ``pid`` (the person's national ID number) is found among the
members by its keyed hash, never by decrypting a row. No one gets in who is not recorded by a
plan lead: a person linked to no family, a child under 16, or a person recorded in more than
one family is refused, with a reason code for the trail and nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.access.actor import Visitor
from app.accounts.security import new_token_secret, token_digest
from app.audit import service as audit
from app.config import Settings
from app.db import utcnow
from app.kit import crypto, national_id
from app.kit.i18n import local_today
from app.models import FamilyMember, FamilySession
from app.models.enums import AuditAction
from app.models.member import SELF_CONSENT_AGE

# The idle clock slides, written at most once a minute (as for staff sessions).
TOUCH_INTERVAL = timedelta(seconds=60)


def _visitor(member: FamilyMember, session_id: uuid.UUID) -> Visitor:
    return Visitor(
        member_id=member.id,
        family_id=member.family_id,
        name=member.name,
        language=member.language.value,
        session_id=session_id,
    )


def member_for_pid(
    session: Session, settings: Settings, claims: Mapping[str, Any]
) -> FamilyMember | str:
    """The member an ID-porten sign-in proves, or why no one: ``no_pid`` (the token names no
    person), ``unknown_person`` (linked to no family), ``several_families``, ``too_young``."""
    pid = claims.get("pid")
    if not isinstance(pid, str):
        return "no_pid"
    born = national_id.birth_date(pid)
    if born is None:
        return "no_pid"
    hashes = crypto.data_keys(settings).lookup_hashes(pid)
    members = session.scalars(
        select(FamilyMember).where(FamilyMember.national_id_key.in_(hashes))
    ).all()
    if not members:
        return "unknown_person"
    if len(members) > 1:
        # One sign-in, one family: which one the person meant is for the plan leads to sort.
        return "several_families"
    if national_id.age_on(born, local_today()) < SELF_CONSENT_AGE:
        return "too_young"
    return members[0]


def finish_sign_in(
    session: Session, settings: Settings, *, claims: Mapping[str, Any]
) -> tuple[str, Visitor] | str:
    """A new family session for the member ID-porten proved, or the reason of the refusal.
    Audited either way; the trail never holds the number."""
    found = member_for_pid(session, settings, claims)
    if isinstance(found, str):
        record_refusal(session, found)
        return found
    secret = new_token_secret()
    now = utcnow()
    family_session = FamilySession(
        member_id=found.id,
        token_hash=token_digest(secret),
        expires_at=now + timedelta(hours=settings.token_ttl_hours),
        last_seen_at=now,
    )
    session.add(family_session)
    session.flush()
    visitor = _visitor(found, family_session.id)
    audit.record(
        session,
        visitor,
        AuditAction.login,
        "family_session",
        family_session.id,
        family_id=found.family_id,
        purpose="idporten",
    )
    return secret, visitor


def record_refusal(session: Session, reason: str) -> None:
    audit.record(
        session, None, AuditAction.login_failed, "family_session", purpose="idporten:" + reason
    )


def visitor_for_session(session: Session, secret: str, *, idle: timedelta) -> Visitor | None:
    """The member behind a live family session: not revoked, within its absolute limit, used
    within ``idle``."""
    now = utcnow()
    row = session.execute(
        select(FamilySession, FamilyMember)
        .join(FamilyMember, FamilyMember.id == FamilySession.member_id)
        .where(
            FamilySession.token_hash == token_digest(secret),
            FamilySession.revoked_at.is_(None),
            FamilySession.expires_at > now,
            FamilySession.last_seen_at > now - idle,
        )
    ).first()
    if row is None:
        return None
    family_session, member = row
    if family_session.last_seen_at is None or family_session.last_seen_at < now - TOUCH_INTERVAL:
        family_session.last_seen_at = now
    return _visitor(member, family_session.id)


def end_session(session: Session, visitor: Visitor) -> None:
    session.execute(
        update(FamilySession)
        .where(FamilySession.id == visitor.session_id, FamilySession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    audit.record(
        session,
        visitor,
        AuditAction.logout,
        "family_session",
        visitor.session_id,
        family_id=visitor.family_id,
    )

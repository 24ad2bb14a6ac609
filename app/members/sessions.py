"""A family member's sign-in through ID-porten and their session on the family's own pages
(DESIGN §11, §12). The ID token's ``pid`` (the person's national ID number) is found among the
members by its keyed hash, never by decrypting a row. No one gets in who is not recorded by a
plan lead: a person linked to no family or a child under 16 is refused, with a reason code for
the trail and nothing else. A person recorded in more than one family (a parent in two
households) chooses which one, and the session is for that family only."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
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
from app.kit.errors import NotFound
from app.kit.i18n import local_today
from app.models import Family, FamilyMember, FamilySession, Unit
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


def members_for_pid(
    session: Session, settings: Settings, claims: Mapping[str, Any]
) -> list[FamilyMember] | str:
    """The members an ID-porten sign-in proves (one per family the person is recorded in), or
    why no one: ``no_pid`` (the token names no person), ``unknown_person`` (linked to no
    family), ``too_young``."""
    pid = claims.get("pid")
    if not isinstance(pid, str):
        return "no_pid"
    born = national_id.birth_date(pid)
    if born is None:
        return "no_pid"
    hashes = crypto.data_keys(settings).lookup_hashes(pid)
    members = session.scalars(
        select(FamilyMember)
        .where(FamilyMember.national_id_key.in_(hashes))
        .order_by(FamilyMember.created_at, FamilyMember.id)
    ).all()
    if not members:
        return "unknown_person"
    if national_id.age_on(born, local_today()) < SELF_CONSENT_AGE:
        return "too_young"
    return list(members)


@dataclass(frozen=True)
class Choice:
    """A person ID-porten proved who is recorded in more than one family: they choose which
    family this session is for (one at a time, never both). ``member_ids``: their member in
    each family, kept in the signed session cookie until they choose."""

    member_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class FamilyOption:
    """A family on the choosing page, by the label its plan lead gave it and the plan lead's
    unit: nothing of its case."""

    family_id: uuid.UUID
    display_name: str
    unit_name: str


def finish_sign_in(
    session: Session, settings: Settings, *, claims: Mapping[str, Any]
) -> tuple[str, Visitor] | Choice | str:
    """A new family session for the member ID-porten proved; a ``Choice`` when the person is
    recorded in several families; or the reason of the refusal. Audited either way; the trail
    never holds the number."""
    found = members_for_pid(session, settings, claims)
    if isinstance(found, str):
        record_refusal(session, found)
        return found
    if len(found) > 1:
        return Choice(tuple(m.id for m in found))
    return _start(session, settings, found[0], "idporten")


def _start(
    session: Session, settings: Settings, member: FamilyMember, purpose: str
) -> tuple[str, Visitor]:
    secret = new_token_secret()
    now = utcnow()
    family_session = FamilySession(
        member_id=member.id,
        token_hash=token_digest(secret),
        expires_at=now + timedelta(hours=settings.token_ttl_hours),
        last_seen_at=now,
    )
    session.add(family_session)
    session.flush()
    visitor = _visitor(member, family_session.id)
    audit.record(
        session,
        visitor,
        AuditAction.login,
        "family_session",
        family_session.id,
        family_id=member.family_id,
        purpose=purpose,
    )
    return secret, visitor


def _chosen_members(session: Session, choice: Choice) -> list[FamilyMember]:
    """The person's members still recorded, in the order they were."""
    members = session.scalars(
        select(FamilyMember).where(FamilyMember.id.in_(choice.member_ids))
    ).all()
    order = {member_id: i for i, member_id in enumerate(choice.member_ids)}
    return sorted(members, key=lambda m: order[m.id])


def family_options(session: Session, choice: Choice) -> list[FamilyOption]:
    """The families to choose among, each read audited (no one is signed in yet)."""
    members = _chosen_members(session, choice)
    families = {
        f.id: f
        for f in session.scalars(
            select(Family).where(Family.id.in_([m.family_id for m in members]))
        )
    }
    units = dict(
        session.execute(
            select(Unit.id, Unit.name).where(
                Unit.id.in_([f.lead_unit_id for f in families.values()])
            )
        ).all()
    )
    options = []
    for member in members:
        family = families[member.family_id]
        options.append(
            FamilyOption(family.id, family.display_name, units.get(family.lead_unit_id, ""))
        )
        audit.record(
            session,
            None,
            AuditAction.read,
            "family",
            family.id,
            family_id=family.id,
            purpose="idporten:choose_family",
        )
    return options


def choice_language(session: Session, choice: Choice) -> str:
    """The language of the choosing page: the person's own, as their first family recorded
    it."""
    members = _chosen_members(session, choice)
    return members[0].language.value if members else "nb"


def choose_family(
    session: Session, settings: Settings, choice: Choice, family_id: uuid.UUID
) -> tuple[str, Visitor]:
    """The session for the family the person chose, as its member; a family they are not
    recorded in (any longer) is not there (404), and nothing is written."""
    for member in _chosen_members(session, choice):
        if member.family_id == family_id:
            return _start(session, settings, member, "idporten:chosen")
    raise NotFound("No such family.")


def switch_choice(session: Session, visitor: Visitor) -> Choice | None:
    """The person's members in every family they are recorded in, to choose again ("bytt
    familie"): found by the member's keyed hash, as at sign-in; None when there is one."""
    key = session.scalar(
        select(FamilyMember.national_id_key).where(FamilyMember.id == visitor.member_id)
    )
    if key is None:
        return None
    ids = session.scalars(
        select(FamilyMember.id)
        .where(FamilyMember.national_id_key == key)
        .order_by(FamilyMember.created_at, FamilyMember.id)
    ).all()
    return Choice(tuple(ids)) if len(ids) > 1 else None


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

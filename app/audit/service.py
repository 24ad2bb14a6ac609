"""The audit trail (DESIGN §3 AuditEvent, §4.5). Events are added to the request's own
transaction: a write and its audit event commit together, and a read's event commits before
the response is sent. The app never updates or deletes an event."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, distinct, func, insert, or_, select, true
from sqlalchemy.orm import Session

from app.access.actor import Actor, Visitor
from app.access.scope import FamilyScope
from app.db import utcnow
from app.kit.requestid import current_request_id
from app.models import AuditEvent, User
from app.models.enums import AuditAction

_INSERT_EVENT = insert(cast(Table, AuditEvent.__table__))
# The role an event of a family member on the family's own pages is recorded under.
FAMILY_ROLE = "family_member"
# Where a session keeps the families its transaction's events were about (``families_in``).
_FAMILIES = "duk.audited_families"


def record(
    session: Session,
    actor: Actor | Visitor | None,
    action: AuditAction,
    record_type: str,
    record_id: uuid.UUID | str | None = None,
    *,
    family_id: uuid.UUID | None = None,
    purpose: str | None = None,
) -> None:
    # A plain Core INSERT on the session's connection, not an ORM object: the event is never
    # read back in the request, and every read of a family's data makes one.
    user = actor if isinstance(actor, Actor) else None
    visitor = actor if isinstance(actor, Visitor) else None
    session.connection().execute(
        _INSERT_EVENT,
        {
            "at": utcnow(),
            "user_id": user.user_id if user else None,
            "member_id": visitor.member_id if visitor else None,
            "username": user.username if user else None,
            "unit": user.unit_label()[:200] if user else None,
            "role": user.role.value if user else FAMILY_ROLE if visitor else None,
            "action": action.value,
            "record_type": record_type,
            "record_id": str(record_id) if record_id is not None else None,
            "family_id": family_id,
            "purpose": purpose,
            "request_id": current_request_id(),
        },
    )
    if family_id is not None:
        session.info.setdefault(_FAMILIES, set()).add(family_id)


def families_in(session: Session) -> frozenset[uuid.UUID]:
    """The families whose data this session's transaction has read or written, by its audit
    events so far."""
    return frozenset(session.info.get(_FAMILIES, ()))


def record_family_read(
    session: Session, actor: Actor | Visitor | None, family_id: uuid.UUID, *, purpose: str
) -> None:
    """The actor read the family's case (or the part ``purpose`` names): one line of "who has
    seen our data"."""
    record(
        session, actor, AuditAction.read, "family", family_id, family_id=family_id, purpose=purpose
    )


def family_events(
    session: Session,
    family_id: uuid.UUID,
    *,
    after: tuple[datetime, int] | None,
    limit: int,
) -> tuple[Sequence[AuditEvent], bool]:
    """A page of the family's trail, newest first, after the (at, id) key of the last event
    the client saw."""
    query = select(AuditEvent).where(AuditEvent.family_id == family_id)
    if after is not None:
        at, event_id = after
        query = query.where(
            or_(AuditEvent.at < at, and_(AuditEvent.at == at, AuditEvent.id < event_id))
        )
    rows = session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit + 1)
    ).all()
    return rows[:limit], len(rows) > limit


def count_family_events(session: Session, family_id: uuid.UUID) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.family_id == family_id)
        )
        or 0
    )


# --- who has seen our data: the family's trail as its plan lead's side reads it ---------------


@dataclass(frozen=True, slots=True)
class TrailSummary:
    """How one unit has been at the family's data: how many people, how often, and when last."""

    unit: str | None
    people: int
    accesses: int
    last_at: datetime


def audit_trail(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    *,
    after: tuple[datetime, int] | None,
    limit: int,
) -> tuple[Sequence[AuditEvent], bool]:
    """A page of the family's trail, newest first. Showing it is itself a read of the family's
    data, recorded after the page is built so that the page holds what came before it."""
    scope.require_lead_side()
    events, more = family_events(session, scope.family.id, after=after, limit=limit)
    record(
        session,
        actor,
        AuditAction.read,
        "audit",
        None,
        family_id=scope.family.id,
        purpose="audit_trail",
    )
    return events, more


def _not_of(leave_out: Collection[str]) -> ColumnElement[bool]:
    """Events of any record but those in ``leave_out`` (ids as the trail keeps them)."""
    if not leave_out:
        return true()
    return or_(AuditEvent.record_id.is_(None), AuditEvent.record_id.not_in(sorted(leave_out)))


def trail_summary(
    session: Session, family_id: uuid.UUID, leave_out: Collection[str] = ()
) -> list[TrailSummary]:
    """Which units have been at the family's data and how many people in each, most first;
    without the events of the records in ``leave_out`` (a child's, for a member who may not
    see the child's items: app/family/service.py)."""
    rows = session.execute(
        select(
            AuditEvent.unit,
            func.count(distinct(AuditEvent.user_id)),
            func.count(),
            func.max(AuditEvent.at),
        )
        .where(
            AuditEvent.family_id == family_id,
            AuditEvent.user_id.is_not(None),
            _not_of(leave_out),
        )
        .group_by(AuditEvent.unit)
    ).all()
    summary = [TrailSummary(unit, people, accesses, last) for unit, people, accesses, last in rows]
    return sorted(summary, key=lambda s: (-s.people, -s.accesses, s.unit or ""))


def trail_people(session: Session, family_id: uuid.UUID, leave_out: Collection[str] = ()) -> int:
    """How many different people have been at the family's data (but the records in
    ``leave_out``)."""
    return (
        session.scalar(
            select(func.count(distinct(AuditEvent.user_id))).where(
                AuditEvent.family_id == family_id, _not_of(leave_out)
            )
        )
        or 0
    )


def display_names(session: Session, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names the trail's people go by (the trail itself keeps their usernames)."""
    if not user_ids:
        return {}
    return dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
    )

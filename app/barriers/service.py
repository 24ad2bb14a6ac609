"""The barrier register (DESIGN §3 Barrier, §7): rules, routines and capacity problems that
stood in families' way, written by caseworkers for the system level, approved text by text by
a coordinator before any report shows them.

A barrier is deliberately not linked to a family and holds no personal data; its text is never
logged. Takes a session and an actor; never commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from app.access.actor import Actor
from app.access.policy import (
    FamilyAccess,
    Reach,
    can_decide_barrier,
    can_list_barriers,
    can_record_barrier,
)
from app.access.scope import family_scope, lead_side_families
from app.accounts import service as account_service
from app.audit import service as audit
from app.barriers.privacy import PersonalData, describe, personal_data_in
from app.barriers.schemas import BarrierCreate, BarrierDecision, BarrierOut, Decision
from app.canvases import service as canvas_service
from app.catalogue import template_store
from app.db import utcnow
from app.kit.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from app.models import Barrier, Canvas, Family, Unit, User
from app.models.enums import BarrierStatus, Role
from app.plans import service as plan_service


def barrier_out(barrier: Barrier) -> BarrierOut:
    return BarrierOut(
        id=barrier.id,
        category=barrier.category,
        domain=barrier.domain,
        responsible_level=barrier.responsible_level,
        text=barrier.text,
        municipality_code=barrier.municipality_code,
        status=barrier.status,
        created_at=barrier.created_at,
        decided_at=barrier.decided_at,
        decision_comment=barrier.decision_comment,
    )


def known_domains(session: Session) -> list[str]:
    """The domain keys of the current canvas templates, in template order."""
    keys: list[str] = []
    for _row, template in template_store.latest_all(session):
        keys += [key for key in template.domain_keys() if key not in keys]
    return keys


def family_names(session: Session, actor: Actor, family_id: uuid.UUID) -> list[str]:
    """The names a barrier text about this family must not hold: its display name and everyone
    listed on its canvases. A family the actor may not see is 404, as everywhere. A unit with
    the family's consent is checked against what the consent shares, the participants of the
    submitted plan versions: the answer must not tell it who is on the live canvas."""
    scope = family_scope(session, actor, family_id, Reach.plan)
    names = [scope.family.display_name]
    if scope.access is FamilyAccess.lead_side:
        for canvas in canvas_service.family_canvases(session, family_id):
            names += [str(p.get("name") or "") for p in canvas.participants]
    else:
        for plan in plan_service.family_plan_contents(session, family_id):
            names += [str(p.get("name") or "") for p in plan.get("participants") or ()]
    audit.record_family_read(session, actor, family_id, purpose="barrier_name_check")
    return names


def caseload_names(session: Session, writer: Actor) -> dict[uuid.UUID, list[str]]:
    """The names of every family on the writer's side (led by them or, for a caseworker, by
    their unit): display names and everyone listed on their canvases. A caseworker writes
    barriers out of their own cases, so these are the names a text could slip in, also when it
    names no family."""
    if writer.role is not Role.caseworker:
        return {}
    names: dict[uuid.UUID, list[str]] = {}
    for family_id, display_name in session.execute(
        select(Family.id, Family.display_name).where(lead_side_families(writer))
    ):
        names[family_id] = [display_name]
    if names:
        for family_id, participants in session.execute(
            select(Canvas.family_id, Canvas.participants).where(Canvas.family_id.in_(names))
        ):
            names[family_id] += [str(p.get("name") or "") for p in participants or ()]
    return names


def _caseload_errors(
    session: Session, writer: Actor, text: str, gettext: Callable[[str], str]
) -> list[FieldError]:
    """A name from any of the writer's families in the text. The check shows no one a name:
    the writer learns only that a word they typed themselves is a name in one of their cases
    (and the refusal stores nothing), so it is not a read of those families."""
    found = any(
        PersonalData.name in personal_data_in(text, names)
        for names in caseload_names(session, writer).values()
    )
    return [FieldError("text", describe(PersonalData.name, gettext))] if found else []


def text_errors(
    text: str, names: Sequence[str] = (), gettext: Callable[[str], str] = str
) -> list[FieldError]:
    """One error on ``text`` per kind of personal data it seems to hold."""
    return [FieldError("text", describe(kind, gettext)) for kind in personal_data_in(text, names)]


def _blank_text_error(text: str) -> list[FieldError]:
    return [] if text.strip() else [FieldError("text", "Write the barrier")]


def _writer_municipality(session: Session, actor: Actor) -> str | None:
    if not actor.units:
        return None
    return session.scalar(
        select(Unit.municipality_code)
        .where(Unit.id.in_(actor.unit_ids), Unit.municipality_code.is_not(None))
        .order_by(Unit.municipality_code)
        .limit(1)
    )


def content_errors(
    session: Session,
    actor: Actor,
    domain: str,
    text: str,
    family_id: uuid.UUID | None,
    gettext: Callable[[str], str] = str,
) -> list[FieldError]:
    """What is wrong with a barrier's domain and text: an unknown domain, an empty text, and
    every kind of personal data the text seems to hold: the named family's names, and those of
    every family the writer works with whether a family is named or not."""
    names = family_names(session, actor, family_id) if family_id else []
    errors = _blank_text_error(text) + text_errors(text, names, gettext)
    if not any(e.message == describe(PersonalData.name, gettext) for e in errors):
        errors += _caseload_errors(session, actor, text, gettext)
    if domain not in known_domains(session):
        errors.append(FieldError("domain", f"Unknown domain {domain!r}"))
    return errors


def record_barrier(
    session: Session,
    actor: Actor,
    data: BarrierCreate,
    gettext: Callable[[str], str] = str,
) -> Barrier:
    if not can_record_barrier(actor):
        raise Forbidden("Only caseworkers record barriers.")
    errors = content_errors(session, actor, data.domain, data.text, data.family_id, gettext)
    if errors:
        raise Invalid(errors, detail="The barrier cannot be recorded as written; see errors.")
    barrier = Barrier(
        category=data.category,
        domain=data.domain,
        responsible_level=data.responsible_level,
        text=data.text.strip(),
        # Where the barrier was met: the writer's municipality unless given.
        municipality_code=data.municipality_code or _writer_municipality(session, actor),
        status=BarrierStatus.pending,
        created_by_id=actor.user_id,
    )
    session.add(barrier)
    session.flush()
    return barrier


def _visible(actor: Actor, status: BarrierStatus | None) -> list[ColumnElement[bool]]:
    """All barriers for a coordinator, a caseworker's own for a caseworker."""
    if not can_list_barriers(actor):
        raise Forbidden("Barriers are for caseworkers and coordinators.")
    where: list[ColumnElement[bool]] = []
    if not can_decide_barrier(actor):
        where.append(Barrier.created_by_id == actor.user_id)
    if status is not None:
        where.append(Barrier.status == status)
    return where


def list_barriers(
    session: Session,
    actor: Actor,
    *,
    status: BarrierStatus | None,
    offset: int,
    limit: int,
) -> tuple[Sequence[Barrier], bool]:
    """Newest first, and whether there are more after these."""
    rows = session.scalars(
        select(Barrier)
        .where(*_visible(actor, status))
        .order_by(Barrier.created_at.desc(), Barrier.id)
        .offset(offset)
        .limit(limit + 1)
    ).all()
    return rows[:limit], len(rows) > limit


def count_barriers(session: Session, actor: Actor, *, status: BarrierStatus | None) -> int:
    return (
        session.scalar(select(func.count()).select_from(Barrier).where(*_visible(actor, status)))
        or 0
    )


def decide_barrier(
    session: Session,
    actor: Actor,
    barrier_id: uuid.UUID,
    data: BarrierDecision,
    gettext: Callable[[str], str] = str,
) -> Barrier:
    if not can_decide_barrier(actor):
        raise Forbidden("Only a coordinator approves barrier texts.")
    # Locked: two coordinators deciding the same text at once must not both win.
    barrier = session.get(Barrier, barrier_id, with_for_update=True)
    if barrier is None:
        raise NotFound("No such barrier.")
    comment = (data.comment or "").strip() or None
    errors: list[FieldError] = []
    if data.decision is Decision.rejected and comment is None:
        errors.append(FieldError("comment", "Say why the text is rejected"))
    if data.text is not None:
        if data.decision is Decision.rejected:
            errors.append(FieldError("text", "The text is edited only when it is approved"))
        else:
            # The coordinator's edit is checked as the writer's text was: against the names
            # of the families the writer works with.
            writer = session.get(User, barrier.created_by_id, options=[selectinload(User.units)])
            errors += _blank_text_error(data.text) + text_errors(data.text, (), gettext)
            if writer is not None:
                errors += _caseload_errors(
                    session, account_service.actor_from_user(writer), data.text, gettext
                )
    if errors:
        raise Invalid(errors)
    if barrier.status is not BarrierStatus.pending:
        raise Conflict(f"This barrier was already {barrier.status.value}.")
    if data.text is not None:
        barrier.text = data.text.strip()
    barrier.status = (
        BarrierStatus.approved if data.decision is Decision.approved else BarrierStatus.rejected
    )
    barrier.decided_by_id = actor.user_id
    barrier.decided_at = utcnow()
    barrier.decision_comment = comment
    session.flush()
    return barrier

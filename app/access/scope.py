"""Load a family's record for an actor, or answer as if it did not exist (DESIGN §4.2)."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import FamilyAccess, Reach, can_edit_case, can_reach, family_access
from app.db import utcnow
from app.kit.errors import Forbidden, NotFound
from app.models import Canvas, Consent, Family
from app.models.enums import Role


@dataclass(frozen=True, slots=True)
class FamilyScope:
    """A family as one actor may see it."""

    family: Family
    access: FamilyAccess

    @property
    def family_id(self) -> uuid.UUID:
        return self.family.id

    def require_edit(self) -> None:
        if not can_edit_case(self.access):
            raise Forbidden("Only the plan lead's side may change this family's plan.")

    def require_lead_side(self) -> None:
        if self.access is not FamilyAccess.lead_side:
            raise Forbidden("Only the plan lead's side may see this.")


def consent_in_force(now: datetime) -> ColumnElement[bool]:
    """SQL for a consent in force at ``now``: not withdrawn and not expired (DESIGN §4). The
    one place this is written in SQL; ``Consent.is_active`` says the same of one record."""
    return and_(
        Consent.withdrawn_at.is_(None),
        or_(Consent.expires_at.is_(None), Consent.expires_at > now),
    )


def active_consent_unit_ids(
    session: Session, family_id: uuid.UUID, among: frozenset[uuid.UUID] | None = None
) -> set[uuid.UUID]:
    query = select(Consent.unit_id).where(
        Consent.family_id == family_id, consent_in_force(utcnow())
    )
    if among is not None:
        if not among:
            return set()
        query = query.where(Consent.unit_id.in_(among))
    return set(session.scalars(query))


def lead_side_families(actor: Actor) -> ColumnElement[bool]:
    """SQL for the families on the actor's lead side, as ``family_access`` decides it: the
    ones they lead and, for a caseworker, those led from one of their units."""
    led: ColumnElement[bool] = Family.plan_lead_id == actor.user_id
    if actor.role is Role.caseworker and actor.units:
        led = or_(led, Family.lead_unit_id.in_(actor.unit_ids))
    return led


def visible_to(actor: Actor, now: datetime) -> ColumnElement[bool]:
    """SQL for the families the actor may see at ``now``, as ``family_access`` decides it for
    one: their lead side, and the families that gave one of their units a consent in force.
    Every list of families filters by this (coordinators and admins list none: the callers
    check ``can_list_families`` first)."""
    lead_side = lead_side_families(actor)
    if not actor.unit_ids:
        return lead_side
    consented = select(Consent.family_id).where(
        Consent.unit_id.in_(actor.unit_ids), consent_in_force(now)
    )
    return or_(lead_side, Family.id.in_(consented))


def acting_units(session: Session, actor: Actor, scope: FamilyScope) -> frozenset[uuid.UUID]:
    """The actor's units that work on this family: all of them on the lead side, and for a
    consented unit those that still have the family's consent."""
    if scope.access is FamilyAccess.lead_side:
        return actor.unit_ids
    return frozenset(active_consent_unit_ids(session, scope.family.id, actor.unit_ids))


def scope_for(session: Session, actor: Actor, family: Family) -> FamilyScope:
    access = family_access(
        actor,
        plan_lead_id=family.plan_lead_id,
        lead_unit_id=family.lead_unit_id,
        consented_unit_ids=(),
    )
    if access is FamilyAccess.none and actor.units:
        consented = active_consent_unit_ids(session, family.id, actor.unit_ids)
        access = family_access(
            actor,
            plan_lead_id=family.plan_lead_id,
            lead_unit_id=family.lead_unit_id,
            consented_unit_ids=consented,
        )
    return FamilyScope(family, access)


def family_scope(session: Session, actor: Actor, family_id: uuid.UUID, reach: Reach) -> FamilyScope:
    """The family as the actor sees it, for a request that needs ``reach`` of it. A family the
    actor cannot see that far is reported exactly like one that does not exist."""
    family = session.get(Family, family_id)
    if family is None:
        raise NotFound("No such family.")
    scope = scope_for(session, actor, family)
    if not can_reach(scope.access, reach):
        raise NotFound("No such family.")
    return scope


class FamilyOwned(Protocol):
    id: uuid.UUID
    family_id: uuid.UUID


R = TypeVar("R", bound=FamilyOwned)


@functools.cache
def _record_with_family(model: type[FamilyOwned]) -> Select[FamilyOwned, Family]:
    """Built once per model: autosave and every other family-owned request runs this."""
    return (
        select(model, Family)
        .join(Family, Family.id == model.family_id)
        .where(model.id == bindparam("record_id"))  # type: ignore[arg-type]
    )


def record_scope(
    session: Session,
    actor: Actor,
    model: type[R],
    record_id: uuid.UUID,
    label: str,
    reach: Reach,
) -> tuple[R, FamilyScope]:
    """A record that belongs to a family, with the actor's view of that family, for a request
    that needs ``reach`` of it. A record the actor may not see is reported exactly like one
    that does not exist: the live canvas, its needs and goals are ``Reach.case``, so a unit
    that has only the family's plan finds nothing there."""
    row = session.execute(_record_with_family(model), {"record_id": record_id}).first()
    if row is None:
        raise NotFound(f"No such {label}.")
    record, family = row
    scope = scope_for(session, actor, family)
    if not can_reach(scope.access, reach):
        raise NotFound(f"No such {label}.")
    return cast(R, record), scope


def canvas_scope(
    session: Session, actor: Actor, canvas_id: uuid.UUID
) -> tuple[Canvas, FamilyScope]:
    """The live canvas (``Reach.case``: the plan lead's side) and the actor's view of its family."""
    return record_scope(session, actor, Canvas, canvas_id, "canvas", Reach.case)

"""What the family's own pages show and do (DESIGN §12), for a family member signed in
through ID-porten. A member sees only their own family: every record is loaded through the
visitor's family, and one of another family does not exist (404). Of the plan they see what
the family agreed to share with the services, the plan as submitted: not the worker's scores,
not the statistics-only codes (app/access/shared.py's whitelist). Every read and write is
audited, with the member as who."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.actor import Visitor
from app.access.policy import FamilyAccess
from app.access.scope import FamilyScope
from app.audit import service as audit
from app.consents import service as consent_service
from app.db import utcnow
from app.kit.errors import NotFound
from app.models import Consent, Family, Plan, PlanReview, Unit
from app.models.enums import AuditAction, PlanStatus

# Which version the family's pages show: the one in force, else the one waiting for them.
_SHOWN_FIRST = (PlanStatus.active, PlanStatus.in_review)


def family_scope(session: Session, visitor: Visitor) -> FamilyScope:
    """The visitor's own family, as the family's pages see it: what a consent shares (the
    plan as submitted), and nothing of the live case."""
    family = session.get(Family, visitor.family_id)
    if family is None:
        raise NotFound("No such family.")
    return FamilyScope(family, FamilyAccess.consented)


def shown_plan(session: Session, visitor: Visitor) -> Plan | None:
    """The plan version the family's pages show: in force, else waiting for the family's
    approval; None before a plan is submitted or after the last one closed."""
    return plan_shown_to(session, visitor.family_id)


def plan_shown_to(session: Session, family_id: uuid.UUID) -> Plan | None:
    """The plan version the family's own pages show the family (``shown_plan``), also on the
    caseworker's tablet in family mode."""
    plans = session.scalars(
        select(Plan)
        .where(Plan.family_id == family_id, Plan.status.in_(_SHOWN_FIRST))
        .order_by(Plan.number.desc())
    ).all()
    for status in _SHOWN_FIRST:
        for plan in plans:
            if plan.status is status:
                return plan
    return None


def own_plan(session: Session, visitor: Visitor, plan_id: object) -> Plan:
    """A plan version of the visitor's own family, or 404 as for one that does not exist."""
    plan = session.get(Plan, plan_id)
    if plan is None or plan.family_id != visitor.family_id:
        raise NotFound("No such plan.")
    return plan


def record_read(
    session: Session, visitor: Visitor, record_type: str, record_id: object, purpose: str
) -> None:
    audit.record(
        session,
        visitor,
        AuditAction.read,
        record_type,
        str(record_id) if record_id is not None else None,
        family_id=visitor.family_id,
        purpose=purpose,
    )


def consents_in_force(session: Session, visitor: Visitor) -> list[tuple[Consent, str]]:
    """The family's consents in force, each with the name of the unit it shares the plan
    with; the read is audited."""
    now = utcnow()
    consents = [
        c
        for c in session.scalars(
            select(Consent)
            .where(Consent.family_id == visitor.family_id)
            .order_by(Consent.given_at, Consent.id)
        )
        if c.is_active(now)
    ]
    units = consent_service.units_by_id(session, [c.unit_id for c in consents])
    record_read(session, visitor, "consent", None, "family_door")
    return [(c, units[c.unit_id].name) for c in consents]


def own_consent(session: Session, visitor: Visitor, consent_id: object) -> tuple[Consent, str]:
    """A consent of the visitor's own family still in force, with its unit's name; else 404."""
    consent = session.get(Consent, consent_id)
    if consent is None or consent.family_id != visitor.family_id or not consent.is_active(utcnow()):
        raise NotFound("No such consent.")
    unit = consent_service.units_by_id(session, [consent.unit_id])[consent.unit_id]
    return consent, unit.name


def proposed_units(session: Session, visitor: Visitor) -> list[Unit]:
    """The units the plan lead proposed to share the plan with: those responsible for actions
    in the plan waiting or in force (the units asked to review it), with no consent in force."""
    plan = shown_plan(session, visitor)
    if plan is None:
        return []
    asked = set(session.scalars(select(PlanReview.unit_id).where(PlanReview.plan_id == plan.id)))
    wanted = asked - consent_service.consented_units(session, visitor.family_id)
    units = consent_service.units_by_id(session, sorted(wanted))
    return sorted(units.values(), key=lambda u: u.name)


def proposed_unit(session: Session, visitor: Visitor, unit_id: object) -> Unit:
    """One of the proposed units; any other (shared already, not in the plan) is not there."""
    for unit in proposed_units(session, visitor):
        if unit.id == unit_id:
            return unit
    raise NotFound("No such unit.")

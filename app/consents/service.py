"""The family's consent to share its plan with a unit (DESIGN §3 Consent, §4.1, §4.4): giving
it, withdrawing it (the unit loses access on its next request, as app.access reads consents
live), and listing it. Takes a session and an actor; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.actor import Actor, Visitor
from app.access.scope import FamilyScope, active_consent_unit_ids
from app.audit import service as audit
from app.consents.schemas import ConsentBatchCreate, ConsentCreate
from app.db import utcnow
from app.kit.errors import Conflict, FieldError, Invalid, NotFound
from app.models import Consent, Unit
from app.models.enums import AuditAction, ConsentPurpose


def _refusal(scope: FamilyScope, unit_id: uuid.UUID, found: Mapping[uuid.UUID, Unit]) -> str:
    """Why no consent can be given to the unit ("" when it can)."""
    if unit_id not in found:
        return "No such unit"
    if unit_id == scope.family.lead_unit_id:
        return "The plan lead's own unit needs no consent"
    return ""


def add_consent(session: Session, actor: Actor, scope: FamilyScope, data: ConsentCreate) -> Consent:
    scope.require_edit()
    if why := _refusal(scope, data.unit_id, units_by_id(session, [data.unit_id])):
        raise Invalid.field("unit_id", why)
    return _record(session, actor, scope, data.unit_id, data)


def batch_units(session: Session, scope: FamilyScope, data: ConsentBatchCreate) -> list[Unit]:
    """The units a batch of consents names, in its order, once nothing refuses it: each an
    existing unit, not the plan lead's own, named once, and without an active consent (the
    family's consent is given once; a batch never records a second one beside it). Writes
    nothing: the page shows the family the statement for these units before it records."""
    scope.require_edit()
    found = units_by_id(session, data.unit_ids)
    active = consented_units(session, scope.family.id)
    errors: list[FieldError] = []
    for i, unit_id in enumerate(data.unit_ids):
        why = _refusal(scope, unit_id, found)
        if not why and unit_id in data.unit_ids[:i]:
            why = "The unit is named twice"
        elif not why and unit_id in active:
            why = "The unit has an active consent already"
        if why:
            errors.append(FieldError(f"unit_ids[{i}]", why))
    if errors:
        raise Invalid(errors)
    return [found[unit_id] for unit_id in data.unit_ids]


def add_consents(
    session: Session, actor: Actor, scope: FamilyScope, data: ConsentBatchCreate
) -> list[Consent]:
    """One consent per unit, all in the request's transaction: a refusal records none."""
    units = batch_units(session, scope, data)
    return [_record(session, actor, scope, unit.id, data) for unit in units]


def _record(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    unit_id: uuid.UUID,
    terms: ConsentCreate | ConsentBatchCreate,
) -> Consent:
    consent = Consent(
        family_id=scope.family.id,
        unit_id=unit_id,
        purpose=terms.purpose,
        given_by=terms.given_by,
        expires_at=terms.expires_at,
        recorded_by_id=actor.user_id,
    )
    session.add(consent)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.consent_given,
        "consent",
        consent.id,
        family_id=scope.family.id,
        purpose=terms.purpose.value,
    )
    return consent


def give_by_member(
    session: Session, visitor: Visitor, unit: Unit, expires_at: datetime | None
) -> Consent:
    """A family member gives the consent themselves, on the family's own pages, after reading
    the statement: recorded as given by them through ID-porten, until the moment they chose
    (never one already past), with no user who recorded it. The unit reads the plan from the
    next request (DESIGN §4)."""
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= utcnow()):
        raise Invalid.field("expires_at", "The consent must end after today.")
    if unit.id in consented_units(session, visitor.family_id):
        raise Conflict("The plan is shared with this service already.")
    consent = Consent(
        family_id=visitor.family_id,
        unit_id=unit.id,
        purpose=ConsentPurpose.share_plan,
        given_by=visitor.name,
        given_by_member_id=visitor.member_id,
        expires_at=expires_at,
    )
    session.add(consent)
    session.flush()
    audit.record(
        session,
        visitor,
        AuditAction.consent_given,
        "consent",
        consent.id,
        family_id=visitor.family_id,
        purpose=consent.purpose.value,
    )
    return consent


def get_consent(session: Session, scope: FamilyScope, consent_id: uuid.UUID) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None or consent.family_id != scope.family.id:
        raise NotFound("No such consent.")
    return consent


def withdraw_consent(
    session: Session, actor: Actor, scope: FamilyScope, consent: Consent
) -> Consent:
    scope.require_edit()
    return _withdraw(session, actor, consent)


def withdraw_by_member(session: Session, visitor: Visitor, consent: Consent) -> Consent:
    """The family member withdraws a consent themselves, on the family's own pages: recorded
    as theirs; the unit loses the plan on its next request (DESIGN §4.4)."""
    if consent.family_id != visitor.family_id:
        raise NotFound("No such consent.")
    return _withdraw(session, visitor, consent)


def _withdraw(session: Session, who: Actor | Visitor, consent: Consent) -> Consent:
    """Withdrawn now, by the plan lead's side (a user) or the family member themselves."""
    if consent.withdrawn_at is not None:
        raise Conflict("This consent was withdrawn already.")
    consent.withdrawn_at = utcnow()
    if isinstance(who, Visitor):
        consent.withdrawn_by_member_id = who.member_id
    else:
        consent.withdrawn_by_id = who.user_id
    session.flush()
    audit.record(
        session,
        who,
        AuditAction.consent_withdrawn,
        "consent",
        consent.id,
        family_id=consent.family_id,
        purpose=consent.purpose.value,
    )
    return consent


def list_consents(session: Session, actor: Actor, scope: FamilyScope) -> Sequence[Consent]:
    audit.record(session, actor, AuditAction.read, "consent", None, family_id=scope.family.id)
    return session.scalars(
        select(Consent)
        .where(Consent.family_id == scope.family.id)
        .order_by(Consent.given_at, Consent.id)
    ).all()


def units_by_id(session: Session, unit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Unit]:
    if not unit_ids:
        return {}
    return {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}


def consented_units(session: Session, family_id: uuid.UUID) -> set[uuid.UUID]:
    return active_consent_unit_ids(session, family_id)

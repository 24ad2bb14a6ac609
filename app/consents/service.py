"""The family's consent to share its plan with a unit (DESIGN §3 Consent, §4.1, §4.4): giving
it, withdrawing it (the unit loses access on its next request, as app.access reads consents
live), and listing it. Takes a session and an actor; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.scope import FamilyScope, active_consent_unit_ids
from app.audit import service as audit
from app.consents.schemas import ConsentCreate
from app.db import utcnow
from app.kit.errors import Conflict, Invalid, NotFound
from app.models import Consent, Unit
from app.models.enums import AuditAction


def add_consent(session: Session, actor: Actor, scope: FamilyScope, data: ConsentCreate) -> Consent:
    scope.require_edit()
    if session.get(Unit, data.unit_id) is None:
        raise Invalid.field("unit_id", "No such unit")
    if data.unit_id == scope.family.lead_unit_id:
        raise Invalid.field("unit_id", "The plan lead's own unit needs no consent")
    consent = Consent(
        family_id=scope.family.id,
        unit_id=data.unit_id,
        purpose=data.purpose,
        given_by=data.given_by,
        expires_at=data.expires_at,
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
        purpose=data.purpose.value,
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
    if consent.withdrawn_at is not None:
        raise Conflict("This consent was withdrawn already.")
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = actor.user_id
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.consent_withdrawn,
        "consent",
        consent.id,
        family_id=scope.family.id,
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

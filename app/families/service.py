"""Families, their handover and erasure, and the export of everything held on one. Takes a
session and an actor; never commits."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from app.access.actor import Actor
from app.access.policy import (
    FamilyAccess,
    can_create_family,
    can_list_families,
    can_steward_family,
)
from app.access.scope import (
    FamilyScope,
    scope_for,
    visible_to,
)
from app.accounts import service as account_service
from app.audit import service as audit
from app.audit.schemas import AuditEventOut
from app.canvases import service as canvas_service
from app.config import Settings
from app.corrections import service as correction_service
from app.db import utcnow
from app.families.schemas import FamilyCreate, FamilyPatch, HandoverCreate
from app.families.timeline import timeline_entries
from app.kit import crypto
from app.kit.errors import Forbidden, Invalid, NotFound
from app.members import service as member_service
from app.models import (
    Action,
    AuditEvent,
    Canvas,
    Consent,
    Correction,
    Family,
    FamilyMember,
    FamilyMessage,
    Goal,
    Need,
    Plan,
    PlanLeadChange,
    Reading,
    Referral,
    Unit,
    User,
)
from app.models.enums import AuditAction, ErasureReason, FamilyStatus, Language, Role
from app.notifications import service as notification_service
from app.plans import service as plan_service
from app.readings import service as reading_service


def _offered(language: Language, settings: Settings) -> None:
    """A family's language must be one this installation offers (DUK_LANGUAGES)."""
    if language.value not in settings.offered_languages:
        offered = ", ".join(settings.offered_languages)
        raise Invalid.field("language", f"This installation offers these languages: {offered}")


def create_family(session: Session, actor: Actor, data: FamilyCreate, settings: Settings) -> Family:
    if not can_create_family(actor):
        raise Forbidden("Only a caseworker with a unit can start a family.")
    _offered(data.language, settings)
    family = Family(
        display_name=data.display_name,
        municipality_code=data.municipality_code,
        language=data.language,
        national_id_encrypted=(
            crypto.data_keys(settings).encrypt(data.national_id) if data.national_id else None
        ),
        plan_lead_id=actor.user_id,
        lead_unit_id=actor.units[0].id,
        status=FamilyStatus.active,
    )
    family.set_household(
        data.household.adults,
        list(data.household.children_birth_years),
        data.household.single_parent,
    )
    session.add(family)
    session.flush()
    audit.record(session, actor, AuditAction.create, "family", family.id, family_id=family.id)
    return family


def visible_families(
    session: Session, actor: Actor, *, offset: int, limit: int
) -> tuple[list[tuple[Family, FamilyAccess]], bool]:
    if not can_list_families(actor):
        # §4.3: coordinators and admins see no family, even as members of a consented unit
        # (the home page lists through here as well as the API, which refuses them with 403).
        return [], False
    rows = session.scalars(
        select(Family)
        .where(visible_to(actor, utcnow()))
        .order_by(Family.created_at.desc(), Family.id)
        .offset(offset)
        .limit(limit + 1)
    ).all()
    out: list[tuple[Family, FamilyAccess]] = []
    for family in rows[:limit]:
        out.append((family, _listed_access(actor, family)))
        audit.record_family_read(session, actor, family.id, purpose="list")
    return out, len(rows) > limit


def _listed_access(actor: Actor, family: Family) -> FamilyAccess:
    """How the actor sees a family ``visible_to`` found: the lead side's, or by consent."""
    is_lead = family.plan_lead_id == actor.user_id or (
        actor.role is Role.caseworker and family.lead_unit_id in actor.unit_ids
    )
    return FamilyAccess.lead_side if is_lead else FamilyAccess.consented


# --- "My families" on the home page ----------------------------------------------------------


class FamilyOrder(enum.StrEnum):
    next_review = "next_review"  # overdue first (the oldest first), then by date, then the rest
    newest = "newest"  # the families started last first


@dataclass(frozen=True, slots=True)
class ListedFamily:
    family: Family
    access: FamilyAccess
    # The next review, for the lead side's active families only: the live canvas and the
    # readings it comes from are not shared with a consented unit (DESIGN §4.1).
    review: reading_service.NextReview | None = None


def my_families(
    session: Session, actor: Actor, *, order: FamilyOrder, today: date, limit: int
) -> list[ListedFamily]:
    """The families the actor may see, as "My families" lists them. Sorting by the next
    review needs every family's date, so all are read and sorted here; only the ``limit``
    shown are recorded as read in their trails."""
    if not can_list_families(actor):
        return []
    rows = session.scalars(
        select(Family)
        .where(visible_to(actor, utcnow()))
        .order_by(Family.created_at.desc(), Family.id)
    ).all()
    listed = [(family, _listed_access(actor, family)) for family in rows]
    followed = [
        family.id
        for family, access in listed
        if access is FamilyAccess.lead_side and family.status is FamilyStatus.active
    ]
    reviews = reading_service.next_reviews(session, followed, today)
    families = [ListedFamily(f, access, reviews.get(f.id)) for f, access in listed]
    if order is FamilyOrder.next_review:
        families.sort(key=_by_next_review)  # stable: newest first within each group
    shown = families[:limit]
    for item in shown:
        audit.record_family_read(session, actor, item.family.id, purpose="list")
    return shown


def _by_next_review(item: ListedFamily) -> tuple[int, date]:
    review = item.review
    if review is None or review.state is reading_service.ReviewState.held:
        return (2, date.max)  # no review to come: after those that have one
    if review.state is reading_service.ReviewState.overdue:
        return (0, review.on)  # the longest overdue at the top
    return (1, review.on)


def steward_scope(
    session: Session,
    actor: Actor,
    family_id: uuid.UUID,
    refusal: str,
) -> FamilyScope:
    """The family for an act its plan lead's side or an admin may do (erasure, handover). An
    admin sees no case content, so ``family_scope`` would not find the family for them; a
    consented unit is refused (403), everyone else finds nothing (404)."""
    family = session.get(Family, family_id)
    if family is None:
        raise NotFound("No such family.")
    scope = scope_for(session, actor, family)
    if not can_steward_family(actor, scope.access):
        if scope.access is FamilyAccess.none:
            raise NotFound("No such family.")
        raise Forbidden(refusal)
    return scope


def read_family(session: Session, actor: Actor, scope: FamilyScope) -> Family:
    audit.record(
        session, actor, AuditAction.read, "family", scope.family.id, family_id=scope.family.id
    )
    return scope.family


def update_family(
    session: Session, actor: Actor, scope: FamilyScope, data: FamilyPatch, settings: Settings
) -> Family:
    scope.require_edit()
    family = scope.family
    given = data.model_fields_set
    for field in sorted(given):
        if getattr(data, field) is None:
            raise Invalid.field(field, "Cannot be null")
    if "display_name" in given and data.display_name is not None:
        family.display_name = data.display_name
    if "municipality_code" in given and data.municipality_code is not None:
        family.municipality_code = data.municipality_code
    if "language" in given and data.language is not None:
        if data.language != family.language:  # one no longer offered may stay
            _offered(data.language, settings)
        family.language = data.language
    if "household" in given and data.household is not None:
        family.set_household(
            data.household.adults,
            list(data.household.children_birth_years),
            data.household.single_parent,
        )
    if "status" in given and data.status is not None and data.status != family.status:
        family.status = data.status
        family.closed_at = utcnow() if data.status is FamilyStatus.closed else None
    session.flush()
    audit.record(session, actor, AuditAction.update, "family", family.id, family_id=family.id)
    return family


def erase_family(session: Session, actor: Actor, family: Family, reason: ErasureReason) -> None:
    """Erase everything held on the family. Only the audit trail remains: its events name the
    family by its opaque id and carry no personal data (a tombstone)."""
    family_id = family.id
    # Children first, in an order the foreign keys accept on both databases.
    for model in (
        Plan,
        Correction,
        Action,
        Goal,
        Referral,
        Need,
        Reading,
        Canvas,
        Consent,
        FamilyMessage,
        FamilyMember,
    ):
        session.execute(delete(model).where(model.family_id == family_id))
    session.delete(family)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.delete,
        "family",
        family_id,
        family_id=family_id,
        purpose=f"erasure:{reason.value}",
    )


# --- plan lead handover (DESIGN §4.6) ------------------------------------------------------


def hand_over(
    session: Session, actor: Actor, family: Family, data: HandoverCreate
) -> PlanLeadChange:
    """Move the family to another plan lead, keeping who had it before (not person-dependent).
    The caller has checked who may do it and the family's version."""
    new_lead = session.scalar(
        select(User).where(User.id == data.to_user_id).options(selectinload(User.units))
    )
    if new_lead is None or not new_lead.active or new_lead.role is not Role.caseworker:
        raise Invalid.field("to_user_id", "The new plan lead must be an active caseworker")
    units = sorted(new_lead.units, key=lambda unit: unit.slug)  # the actor's own unit order
    if not units:
        raise Invalid.field("to_user_id", "The new plan lead must belong to a unit")
    unit = (
        units[0] if data.unit_id is None else next((u for u in units if u.id == data.unit_id), None)
    )
    if unit is None:
        raise Invalid.field("unit_id", "Choose one of the new plan lead's units")
    if new_lead.id == family.plan_lead_id and unit.id == family.lead_unit_id:
        raise Invalid.field("to_user_id", "This caseworker is the family's plan lead already")
    change = PlanLeadChange(
        family_id=family.id,
        from_user_id=family.plan_lead_id,
        from_unit_id=family.lead_unit_id,
        to_user_id=new_lead.id,
        to_unit_id=unit.id,
        changed_by_id=actor.user_id,
        note=data.note or None,
    )
    family.plan_lead_id = new_lead.id
    family.lead_unit_id = unit.id
    session.add(change)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.update,
        "family",
        family.id,
        family_id=family.id,
        purpose="handover",
    )
    return change


def handover_candidates(session: Session) -> list[tuple[Unit, list[User]]]:
    """Active caseworkers by unit (units by name): who may become a family's plan lead."""
    members: dict[uuid.UUID, list[User]] = {}
    for unit_id, user in account_service.unit_members(session):
        if user.role is Role.caseworker:
            members.setdefault(unit_id, []).append(user)
    return [(u, members[u.id]) for u in account_service.list_units(session) if u.id in members]


def national_id(settings: Settings, family: Family) -> str | None:
    if family.national_id_encrypted is None:
        return None
    return crypto.data_keys(settings).decrypt(family.national_id_encrypted)


def export_family(
    session: Session, actor: Actor, scope: FamilyScope, settings: Settings
) -> dict[str, Any]:
    """Everything held on the family, for the family's right of access (GDPR art. 15)."""
    scope.require_lead_side()
    family = scope.family
    lead = account_service.plan_lead(session, family)
    canvases = session.scalars(
        select(Canvas).where(Canvas.family_id == family.id).order_by(Canvas.created_at)
    ).all()
    plans = session.scalars(
        select(Plan).where(Plan.family_id == family.id).order_by(Plan.number)
    ).all()
    consents = session.scalars(
        select(Consent).where(Consent.family_id == family.id).order_by(Consent.given_at)
    ).all()
    readings = session.scalars(
        select(Reading).where(Reading.family_id == family.id).order_by(Reading.number)
    ).all()
    # Who has seen or changed the data: part of the right of access (the recipients).
    accesses = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.family_id == family.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    history = timeline_entries(session, family)
    audit.record(session, actor, AuditAction.export, "family", family.id, family_id=family.id)
    return {
        "family": {
            "id": str(family.id),
            "display_name": family.display_name,
            "municipality_code": family.municipality_code,
            "language": family.language.value,
            "household": family.household_dict(),
            "national_id": national_id(settings, family),
            "plan_lead": {
                "id": str(lead.id),
                "username": lead.username,
                "display_name": lead.display_name,
            },
            "status": family.status.value,
            "created_at": family.created_at.isoformat(),
            "closed_at": family.closed_at.isoformat() if family.closed_at else None,
        },
        # The national ID numbers stay out, as in every answer of the API; each member's
        # e-mail address, mobile number and choice of notices are in.
        "members": [
            member_service.member_out(m).model_dump(mode="json")
            for m in member_service.family_members(session, family.id)
        ],
        "notifications": notification_service.family_notifications(session, family.id),
        "consents": [
            {
                "id": str(c.id),
                "unit_id": str(c.unit_id),
                "purpose": c.purpose.value,
                "given_by": c.given_by,
                "given_at": c.given_at.isoformat(),
                "expires_at": c.expires_at.isoformat() if c.expires_at else None,
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in consents
        ],
        # Everything held: the items entered in error too, and every correction's earlier
        # wording.
        "canvases": [
            canvas_service.canvas_document(session, canvas, include_erroneous=True).model_dump(
                mode="json"
            )
            for canvas in canvases
        ],
        "corrections": [
            c.model_dump(mode="json")
            for c in correction_service.family_corrections(session, family.id)
        ],
        "plans": [
            plan_service.plan_document(session, p, FamilyAccess.lead_side).model_dump(mode="json")
            for p in plans
        ],
        "readings": [
            {
                "number": r.number,
                "taken_on": r.taken_on.isoformat(),
                "scores": r.scores,
                "note": r.note,
                "next_review_date": r.next_review_date.isoformat() if r.next_review_date else None,
            }
            for r in readings
        ],
        "history": [entry.model_dump(mode="json") for entry in history],
        "access_log": [
            AuditEventOut.model_validate(event, from_attributes=True).model_dump(mode="json")
            for event in accesses
        ],
    }

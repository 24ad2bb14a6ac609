"""Plan submission: freeze the canvas's goals and actions into numbered, immutable versions.

An individual plan must hold what the Norwegian rules ask of one (forskrift om habilitering og
rehabilitering, individuell plan og koordinator, § 21): the family's goals, resources and needs,
who takes part, the plan lead, who does what, the period and the next review, and the family's
consent for every service it is shared with.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from app.access.actor import Actor, Visitor
from app.access.policy import FamilyAccess, Reach
from app.access.scope import FamilyScope, acting_units, active_consent_unit_ids, record_scope
from app.access.shared import shared_plan_content
from app.audit import service as audit
from app.canvases import service as canvas_service
from app.canvases.schemas import CanvasOut, ParticipantRole
from app.corrections import service as correction_service
from app.db import utcnow
from app.kit.errors import Conflict, FieldError, Invalid, NotFound
from app.models import ActionEvent, Canvas, FamilyMember, Plan, PlanReview, Unit, User
from app.models.enums import (
    AuditAction,
    FamilyStatus,
    PlanOutcome,
    PlanStatus,
    ResponsibleKind,
    ReviewStatus,
)
from app.notifications import service as notification_service
from app.plans.schemas import FamilyApproval, PlanClose, PlanOut, PlanSummary, ReviewOut
from app.readings import service as reading_service


def completeness(
    session: Session, scope: FamilyScope, document: CanvasOut
) -> tuple[list[FieldError], list[uuid.UUID]]:
    """What the plan still lacks, and the units that will be asked to review it."""
    errors: list[FieldError] = []
    if not document.needs:
        errors.append(FieldError("needs", "Add at least one need in the family's words"))
    if not document.goals:
        errors.append(FieldError("goals", "Add at least one goal"))
    if not any(d.strengths.strip() for d in document.domains.values()):
        errors.append(FieldError("resources", "Write down the family's strengths and resources"))
    if not document.actions:
        errors.append(FieldError("actions", "Add at least one action: who does what by when"))
    for i, action in enumerate(document.actions):
        if action.status.value == "cancelled":
            continue
        if action.responsible.kind is ResponsibleKind.family and not action.responsible.member:
            errors.append(
                FieldError(f"actions[{i}].responsible", "Name who in the family does this")
            )
        if action.due is None:
            errors.append(FieldError(f"actions[{i}].due", "Give a due date"))
    if not document.participants:
        errors.append(FieldError("participants", "List who takes part in the plan"))
    elif not any(p.get("role") == ParticipantRole.family_member for p in document.participants):
        errors.append(FieldError("participants", "The family itself must take part"))
    if document.period.from_ is None or document.period.to is None:
        errors.append(FieldError("period", "Give the period the plan covers (from and to)"))
    if document.next_review_date is None:
        errors.append(FieldError("next_review_date", "Set the date of the next review"))
    lead = session.get(User, scope.family.plan_lead_id)
    if lead is None or not lead.active:
        errors.append(FieldError("plan_lead", "The family needs an active plan lead"))

    asked: list[uuid.UUID] = []
    for action in document.actions:
        unit_id = action.responsible.unit_id
        if (
            action.responsible.kind is ResponsibleKind.unit
            and unit_id is not None
            and unit_id != scope.family.lead_unit_id
            and action.status.value != "cancelled"
            and unit_id not in asked
        ):
            asked.append(unit_id)
    consented = active_consent_unit_ids(session, scope.family.id)
    for unit_id in asked:
        if unit_id not in consented:
            unit = session.get(Unit, unit_id)
            name = unit.name if unit else str(unit_id)
            errors.append(
                FieldError(
                    f"consents.{unit_id}",
                    f"The family has not consented to sharing the plan with {name}",
                )
            )
    return errors, asked


def submit_plan(session: Session, actor: Actor, scope: FamilyScope, canvas: Canvas) -> Plan:
    scope.require_edit()
    document = canvas_service.canvas_document(session, canvas)
    errors, asked = completeness(session, scope, document)
    if errors:
        raise Invalid(
            errors, detail="The plan is not complete yet; see errors for what is missing."
        )
    number = (
        session.scalar(select(func.max(Plan.number)).where(Plan.family_id == scope.family.id)) or 0
    ) + 1
    # A plan still waiting for review is replaced by the new version at once; an active plan
    # stays in force until the new version is approved.
    session.execute(
        update(Plan)
        .where(Plan.family_id == scope.family.id, Plan.status == PlanStatus.in_review)
        .values(status=PlanStatus.superseded, superseded_at=utcnow(), version=Plan.version + 1)
        .execution_options(synchronize_session=False)
    )
    lead = session.get(User, scope.family.plan_lead_id)
    content = document.model_dump(mode="json", by_alias=True)
    content["plan_lead"] = {
        "id": str(scope.family.plan_lead_id),
        "display_name": lead.display_name if lead else None,
        "unit_id": str(scope.family.lead_unit_id),
    }
    plan = Plan(
        family_id=scope.family.id,
        canvas_id=canvas.id,
        number=number,
        status=PlanStatus.in_review,
        content=content,
        submitted_by_id=actor.user_id,
    )
    plan.reviews = [
        PlanReview(unit_id=unit_id, position=i, status=ReviewStatus.pending)
        for i, unit_id in enumerate(asked)
    ]
    session.add(plan)
    session.flush()
    reading_service.ensure_first_reading(session, actor, canvas)  # the first canvas: reading 1
    audit.record(session, actor, AuditAction.create, "plan", plan.id, family_id=plan.family_id)
    notification_service.plan_submitted(session, plan.id, plan.reviews)
    # From submission the version waits for the family's approval too (their pages show it).
    notification_service.family_approval_requested(session, plan.id, plan.family_id)
    return plan


def load_plan(session: Session, plan_id: uuid.UUID) -> Plan | None:
    return session.scalar(
        select(Plan).where(Plan.id == plan_id).options(selectinload(Plan.reviews))
    )


def plan_in_scope(session: Session, actor: Actor, plan_id: uuid.UUID) -> tuple[Plan, FamilyScope]:
    """The plan with its reviews, and how the actor sees its family (404 for no access)."""
    _, scope = record_scope(session, actor, Plan, plan_id, "plan", Reach.plan)
    plan = load_plan(session, plan_id)
    if plan is None:
        raise NotFound("No such plan.")
    return plan, scope


def content_for(session: Session, plan: Plan, access: FamilyAccess) -> dict[str, Any]:
    """A plan version's content as the side asking may receive it (DESIGN §4.1): whole for the
    lead side, the frozen version as it was; for a consented unit what the consent shares,
    without the items entered in error since (they were never part of the family's plan)."""
    if access is FamilyAccess.lead_side:
        return plan.content
    leave_out = correction_service.erroneous_ids(session, plan.family_id)
    return shared_plan_content(plan.content, leave_out)


def plan_document(
    session: Session,
    plan: Plan,
    access: FamilyAccess,
    own_units: frozenset[uuid.UUID] = frozenset(),
) -> PlanOut:
    """A plan version as ``access`` may receive it. A consented unit reads its own units'
    reviews whole (``own_units``); of another unit's only the decision, never its comment or
    who wrote it, and not the plan lead's closing note: all written after the family agreed."""
    if "reviews" not in plan.__dict__:
        session.refresh(plan, ["reviews"])
    # .all(): a Result has keys(), so dict() would take it for a mapping.
    unit_names = dict(
        session.execute(
            select(Unit.id, Unit.name).where(Unit.id.in_([r.unit_id for r in plan.reviews]))
        ).all()
    )
    lead_side = access is FamilyAccess.lead_side

    def whole(review: PlanReview) -> bool:
        return lead_side or review.unit_id in own_units

    reviewer_ids = [r.reviewer_id for r in plan.reviews if r.reviewer_id is not None]
    reviewer_names = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(reviewer_ids))).all()
    )
    return PlanOut(
        id=plan.id,
        family_id=plan.family_id,
        canvas_id=plan.canvas_id,
        number=plan.number,
        status=plan.status,
        submitted_at=plan.submitted_at,
        family_approved_by=plan.family_approved_by,
        family_approved_at=plan.family_approved_at,
        activated_at=plan.activated_at,
        superseded_at=plan.superseded_at,
        closed_at=plan.closed_at,
        outcome=PlanOutcome(plan.outcome) if plan.outcome else None,
        outcome_note=plan.outcome_note if lead_side else None,
        reviews=[
            ReviewOut(
                unit_id=r.unit_id,
                unit_name=unit_names.get(r.unit_id, ""),
                status=r.status,
                comment=r.comment if whole(r) else None,
                reviewer_id=r.reviewer_id if whole(r) else None,
                reviewer_name=(
                    reviewer_names.get(r.reviewer_id) if r.reviewer_id and whole(r) else None
                ),
                decided_at=r.decided_at,
            )
            for r in plan.reviews
        ],
        content=content_for(session, plan, access),
        version=plan.version,
    )


def document_for(session: Session, actor: Actor, scope: FamilyScope, plan: Plan) -> PlanOut:
    """The plan version as this actor may receive it (``plan_document``), with the actor's
    units that still have the family's consent as its own."""
    return plan_document(session, plan, scope.access, acting_units(session, actor, scope))


def read_plan(session: Session, actor: Actor, scope: FamilyScope, plan: Plan) -> PlanOut:
    document = document_for(session, actor, scope, plan)
    audit.record(session, actor, AuditAction.read, "plan", plan.id, family_id=plan.family_id)
    return document


def family_plan_contents(session: Session, family_id: uuid.UUID) -> list[dict[str, Any]]:
    """The frozen content of each of the family's plan versions, oldest first."""
    return list(
        session.scalars(
            select(Plan.content).where(Plan.family_id == family_id).order_by(Plan.number)
        )
    )


def family_plans(session: Session, actor: Actor, scope: FamilyScope) -> list[PlanSummary]:
    plans = session.scalars(
        select(Plan).where(Plan.family_id == scope.family.id).order_by(Plan.number)
    ).all()
    audit.record(session, actor, AuditAction.read, "plan", None, family_id=scope.family.id)
    return [
        PlanSummary(
            id=p.id,
            number=p.number,
            status=p.status,
            submitted_at=p.submitted_at,
            activated_at=p.activated_at,
        )
        for p in plans
    ]


# --- the family's approval, activation, closing (the units' reviews are in app/reviews) ------


def lock_plan(session: Session, plan_id: uuid.UUID) -> Plan:
    """The plan and its reviews, read afresh under a row lock (PostgreSQL): two reviewers
    approving at once must not each see the other's review still pending, or the plan would
    never become active."""
    plan = session.scalar(
        select(Plan)
        .where(Plan.id == plan_id)
        .with_for_update()
        .options(selectinload(Plan.reviews))
        .execution_options(populate_existing=True)
    )
    if plan is None:
        raise NotFound("No such plan.")
    return plan


def require_in_review(plan: Plan) -> None:
    if plan.status is not PlanStatus.in_review:
        raise Conflict(f"Plan {plan.number} is {plan.status.value}, no longer in review.")


def record_family_approval(
    session: Session, actor: Actor, scope: FamilyScope, plan: Plan, data: FamilyApproval
) -> Plan:
    scope.require_edit()
    plan = lock_plan(session, plan.id)
    require_in_review(plan)
    plan.family_approved_by = data.approved_by
    plan.family_approved_at = utcnow()
    plan.family_approval_recorded_by_id = actor.user_id
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.update,
        "plan",
        plan.id,
        family_id=plan.family_id,
        purpose="family_approval",
    )
    activate_when_approved(session, actor, plan)
    return plan


def record_signed_family_approval(session: Session, visitor: Visitor, plan: Plan) -> Plan:
    """The family member approves the plan themselves, signed in through ID-porten: the
    approval names them (DESIGN §12), and the plan comes into force as after a typed one."""
    if plan.family_id != visitor.family_id:
        raise NotFound("No such plan.")
    plan = lock_plan(session, plan.id)
    require_in_review(plan)
    plan.family_approved_by = visitor.name
    plan.family_approved_by_member_id = visitor.member_id
    plan.family_approved_at = utcnow()
    session.flush()
    audit.record(
        session,
        visitor,
        AuditAction.update,
        "plan",
        plan.id,
        family_id=plan.family_id,
        purpose="family_approval_signed",
    )
    activate_when_approved(session, visitor, plan)
    return plan


def activate_when_approved(session: Session, actor: Actor | Visitor, plan: Plan) -> None:
    """Every asked unit and the family have approved: the plan is in force, and the version
    that was in force until now is superseded. Called after each approval, the units' (app/
    reviews) and the family's, on the plan as ``lock_plan`` read it."""
    if plan.status is not PlanStatus.in_review or plan.family_approved_at is None:
        return
    if any(r.status is not ReviewStatus.approved for r in plan.reviews):
        return
    now = utcnow()
    earlier = _supersede_others(session, plan, (PlanStatus.active,), now)
    plan.status = PlanStatus.active
    plan.activated_at = now
    session.flush()
    _record_updates(session, actor, (*earlier, plan))


def _supersede_others(
    session: Session, plan: Plan, statuses: tuple[PlanStatus, ...], now: datetime
) -> Sequence[Plan]:
    """The family's other versions in ``statuses`` give way to ``plan``; returns them."""
    others = session.scalars(
        select(Plan).where(
            Plan.family_id == plan.family_id,
            Plan.status.in_(statuses),
            Plan.id != plan.id,
        )
    ).all()
    for other in others:
        other.status = PlanStatus.superseded
        other.superseded_at = now
    return others


def _record_updates(session: Session, actor: Actor | Visitor, plans: Iterable[Plan]) -> None:
    for changed in plans:
        audit.record(
            session, actor, AuditAction.update, "plan", changed.id, family_id=changed.family_id
        )


def close_plan(
    session: Session, actor: Actor, scope: FamilyScope, plan: Plan, data: PlanClose
) -> Plan:
    """The follow-up ends with an outcome: the plan and the family close. A version still in
    review or in force beside this one is superseded, so no other version stays open."""
    scope.require_edit()
    plan = lock_plan(session, plan.id)
    if plan.status not in (PlanStatus.active, PlanStatus.in_review):
        raise Conflict(f"Plan {plan.number} is {plan.status.value}: only an open plan is closed.")
    now = utcnow()
    others = _supersede_others(session, plan, (PlanStatus.active, PlanStatus.in_review), now)
    plan.status = PlanStatus.closed
    plan.closed_at = now
    plan.closed_by_id = actor.user_id
    plan.outcome = data.outcome.value
    plan.outcome_note = (data.note or "").strip() or None
    family = scope.family
    family.status = FamilyStatus.closed
    family.closed_at = now
    session.flush()
    _record_updates(session, actor, (*others, plan))
    audit.record(session, actor, AuditAction.update, "family", family.id, family_id=family.id)
    return plan


# --- who changed an action last (the plan page and the review page) -------------------------------


@dataclass(frozen=True)
class ActionChange:
    status: str
    at: datetime
    by: str
    unit: str


def latest_action_changes(
    session: Session, action_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, ActionChange]:
    """The latest status change of each action after it was planned: who, in which unit, when."""
    ids = list(action_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(ActionEvent, func.coalesce(User.display_name, FamilyMember.name), Unit.name)
        .outerjoin(User, User.id == ActionEvent.user_id)
        .outerjoin(FamilyMember, FamilyMember.id == ActionEvent.member_id)
        .outerjoin(Unit, Unit.id == ActionEvent.unit_id)
        .where(ActionEvent.action_id.in_(ids), ActionEvent.from_status.is_not(None))
        .order_by(ActionEvent.at, ActionEvent.id)
    ).all()
    changes: dict[uuid.UUID, ActionChange] = {}
    for event, user_name, unit_name in rows:
        changes[event.action_id] = ActionChange(
            status=event.to_status.value, at=event.at, by=user_name, unit=unit_name or ""
        )
    return changes

"""Plan submission: freeze the canvas's goals and actions into numbered, immutable versions.

An individual plan must hold what the Norwegian rules ask of one (forskrift om habilitering og
rehabilitering, individuell plan og koordinator, § 21): the family's goals, resources and needs,
who takes part, the plan lead, who does what, the period and the next review, and the family's
consent for every service it is shared with.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from app.access.actor import Actor
from app.access.scope import FamilyScope, active_consent_unit_ids
from app.audit import service as audit
from app.canvases import service as canvas_service
from app.canvases.schemas import CanvasOut, ParticipantRole
from app.kit.errors import FieldError, Invalid
from app.models import Canvas, Plan, PlanReview, Unit, User
from app.models.enums import AuditAction, PlanStatus, ResponsibleKind, ReviewStatus
from app.plans.schemas import PlanOut, ReviewOut


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
        .values(status=PlanStatus.superseded, version=Plan.version + 1)
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
    audit.record(session, actor, AuditAction.create, "plan", plan.id, family_id=plan.family_id)
    return plan


def load_plan(session: Session, plan_id: uuid.UUID) -> Plan | None:
    return session.scalar(
        select(Plan).where(Plan.id == plan_id).options(selectinload(Plan.reviews))
    )


def plan_document(session: Session, plan: Plan) -> PlanOut:
    if "reviews" not in plan.__dict__:
        session.refresh(plan, ["reviews"])
    # .all(): a Result has keys(), so dict() would take it for a mapping.
    unit_names = dict(
        session.execute(
            select(Unit.id, Unit.name).where(Unit.id.in_([r.unit_id for r in plan.reviews]))
        ).all()
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
        reviews=[
            ReviewOut(
                unit_id=r.unit_id,
                unit_name=unit_names.get(r.unit_id, ""),
                status=r.status,
                comment=r.comment,
                reviewer_id=r.reviewer_id,
                decided_at=r.decided_at,
            )
            for r in plan.reviews
        ],
        content=plan.content,
        version=plan.version,
    )


def read_plan(session: Session, actor: Actor, plan: Plan) -> PlanOut:
    document = plan_document(session, plan)
    audit.record(session, actor, AuditAction.read, "plan", plan.id, family_id=plan.family_id)
    return document

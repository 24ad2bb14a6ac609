"""Review: each unit asked to review a plan version approves it or asks for changes (DESIGN §3
Review), from the review queue that lists what waits for the actor's units; and what changed
between two versions, for a unit asked again to see what the plan lead did with its answer.

The plan is the plans room's: this room reads it through ``plan_service`` and leaves it to
that room to activate it once every asked unit and the family have approved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import FamilyAccess, can_use_review_queue, reviewing_units
from app.access.scope import FamilyScope, active_consent_unit_ids, scope_for
from app.audit import service as audit
from app.db import utcnow
from app.kit.errors import Forbidden, Invalid, NotFound
from app.models import Family, Plan, PlanReview, Unit
from app.models.enums import AuditAction, PlanStatus, ResponsibleKind, ReviewStatus
from app.notifications import service as notification_service
from app.plans import service as plan_service
from app.reviews.schemas import (
    Decision,
    FieldChange,
    ItemChange,
    ListDiff,
    PlanDiff,
    ReviewDecision,
    ReviewQueueItem,
    ValueChange,
)

# --- a unit's decision ------------------------------------------------------------------------


def units_reviewing(
    session: Session, actor: Actor, scope: FamilyScope, plan: Plan
) -> frozenset[uuid.UUID]:
    """The units of the plan the actor reviews for (asked, and still with consent)."""
    if "reviews" not in plan.__dict__:
        session.refresh(plan, ["reviews"])
    consented = active_consent_unit_ids(session, plan.family_id, actor.unit_ids)
    return reviewing_units(actor, scope.access, [r.unit_id for r in plan.reviews], consented)


def decide_review(
    session: Session, actor: Actor, scope: FamilyScope, plan: Plan, data: ReviewDecision
) -> PlanReview:
    if scope.access is FamilyAccess.lead_side:
        raise Forbidden("Nobody approves their own plan: the plan lead's side does not review it.")
    plan = plan_service.lock_plan(session, plan.id)
    units = units_reviewing(session, actor, scope, plan)
    if not units:
        raise Forbidden("Only a unit asked to review this plan, with the family's consent, does.")
    if data.unit_id is not None and data.unit_id not in units:
        raise Invalid.field("unit_id", "Choose one of your units that was asked to review")
    if data.unit_id is None and len(units) > 1:
        raise Invalid.field(
            "unit_id", "You belong to several units asked to review: say which one you answer for"
        )
    unit_id = data.unit_id or next(iter(units))
    comment = (data.comment or "").strip() or None
    if data.decision is Decision.changes_requested and comment is None:
        raise Invalid.field("comment", "Say what should change in the plan")
    plan_service.require_in_review(plan)
    # A unit may change its mind while the plan is in review: the latest decision counts.
    review = next(r for r in plan.reviews if r.unit_id == unit_id)
    review.status = ReviewStatus(data.decision.value)
    review.comment = comment
    review.reviewer_id = actor.user_id
    review.decided_at = utcnow()
    session.flush()
    audit.record(
        session, actor, AuditAction.update, "plan_review", review.id, family_id=plan.family_id
    )
    if review.status is ReviewStatus.changes_requested:
        notification_service.changes_requested(session, review, plan.family_id)
    plan_service.activate_when_approved(session, actor, plan)
    return review


# --- the review queue ---------------------------------------------------------------------------

WAITING = (ReviewStatus.pending, ReviewStatus.changes_requested)


def actions_for_unit(content: dict[str, Any], unit_id: uuid.UUID) -> list[dict[str, Any]]:
    """The plan's actions a unit is responsible for (not the cancelled ones, nor one entered
    in error)."""
    return [
        a
        for a in content.get("actions", [])
        if (a.get("responsible") or {}).get("kind") == ResponsibleKind.unit.value
        and (a.get("responsible") or {}).get("unit_id") == str(unit_id)
        and a.get("status") not in ("cancelled", "entered_in_error")
    ]


def review_queue(session: Session, actor: Actor) -> list[ReviewQueueItem]:
    """Plans in review that wait for one of the actor's units, oldest first. A unit whose
    consent has been withdrawn (or has expired) sees nothing of the family here either."""
    if not can_use_review_queue(actor):
        raise Forbidden("Only caseworkers and reviewers review plans.")
    if not actor.units:
        return []
    rows = session.execute(
        select(PlanReview, Plan, Family, Unit.name)
        .join(Plan, Plan.id == PlanReview.plan_id)
        .join(Family, Family.id == Plan.family_id)
        .join(Unit, Unit.id == PlanReview.unit_id)
        .where(
            PlanReview.unit_id.in_(actor.unit_ids),
            PlanReview.status.in_(WAITING),
            Plan.status == PlanStatus.in_review,
        )
        .order_by(Plan.submitted_at, Plan.id, PlanReview.position)
    ).all()
    items: list[ReviewQueueItem] = []
    units_by_family: dict[uuid.UUID, frozenset[uuid.UUID]] = {}
    for review, plan, family, unit_name in rows:
        if family.id not in units_by_family:
            scope = scope_for(session, actor, family)
            consented = active_consent_unit_ids(session, family.id, actor.unit_ids)
            units_by_family[family.id] = reviewing_units(
                actor, scope.access, actor.unit_ids, consented
            )
        if review.unit_id not in units_by_family[family.id]:
            continue
        items.append(
            ReviewQueueItem(
                plan_id=plan.id,
                family_id=family.id,
                family_display_name=family.display_name,
                number=plan.number,
                submitted_at=plan.submitted_at,
                unit_id=review.unit_id,
                unit_name=unit_name,
                review_status=review.status,
                actions_for_unit=len(actions_for_unit(plan.content, review.unit_id)),
            )
        )
    for family_id in dict.fromkeys(item.family_id for item in items):
        audit.record_family_read(session, actor, family_id, purpose="review_queue")
    return items


# --- what changed between two versions -----------------------------------------------------------

# An item's own row version says nothing a reader of the plan cares about.
_NOT_COMPARED = frozenset({"version"})


def _keyed(items: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> dict[str, Any]:
    keyed: dict[str, dict[str, Any]] = {}
    for item in items:
        base = key(item)
        name, n = base, 1
        while name in keyed:  # two participants of one name stay two
            n += 1
            name = f"{base} ({n})"
        keyed[name] = item
    return keyed


def _list_diff(
    before: Iterable[dict[str, Any]],
    after: Iterable[dict[str, Any]],
    key: Callable[[dict[str, Any]], str],
) -> ListDiff:
    old, new = _keyed(before, key), _keyed(after, key)
    diff = ListDiff(
        added=[item for k, item in new.items() if k not in old],
        removed=[item for k, item in old.items() if k not in new],
    )
    for k, item in new.items():
        if k not in old:
            continue
        # A field only one version has came with a newer schema (a need's status, a goal's
        # target date), not with a change to the plan: only fields both hold are compared.
        changes = [
            FieldChange(field=f, before=old[k][f], after=item[f])
            for f in item
            if f in old[k] and f not in _NOT_COMPARED and old[k][f] != item[f]
        ]
        if changes:
            diff.changed.append(ItemChange(id=k, changes=changes, item=item))
    return diff


def _value_change(before: Any, after: Any) -> ValueChange | None:
    return None if before == after else ValueChange(before=before, after=after)


def _by_id(item: dict[str, Any]) -> str:
    return str(item.get("id", ""))


def _by_name(item: dict[str, Any]) -> str:
    return str(item.get("name", ""))


def plan_diff(
    session: Session, actor: Actor, scope: FamilyScope, plan: Plan, against: int
) -> PlanDiff:
    other = session.scalar(
        select(Plan).where(Plan.family_id == plan.family_id, Plan.number == against)
    )
    if other is None:
        raise NotFound(f"The family has no plan version {against}.")
    old = plan_service.content_for(session, other, scope.access)
    new = plan_service.content_for(session, plan, scope.access)
    for read in dict.fromkeys((plan.id, other.id)):
        audit.record(session, actor, AuditAction.read, "plan", read, family_id=plan.family_id)
    return PlanDiff(
        plan_id=plan.id,
        number=plan.number,
        against_plan_id=other.id,
        against=other.number,
        centre=_value_change(
            (old.get("centre") or {}).get("what_matters"),
            (new.get("centre") or {}).get("what_matters"),
        ),
        period=_value_change(old.get("period"), new.get("period")),
        next_review_date=_value_change(old.get("next_review_date"), new.get("next_review_date")),
        needs=_list_diff(old.get("needs", []), new.get("needs", []), _by_id),
        goals=_list_diff(old.get("goals", []), new.get("goals", []), _by_id),
        actions=_list_diff(old.get("actions", []), new.get("actions", []), _by_id),
        participants=_list_diff(old.get("participants", []), new.get("participants", []), _by_name),
    )

"""The family's goals (dreams, long- and short-term goals) and how each is going.

Takes a session and an actor; never commits. Access is decided by ``app.access`` before a
function here is called; functions that change a case call ``scope.require_edit()``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.scope import FamilyScope
from app.audit import service as audit
from app.catalogue import template_store
from app.corrections import service as correction_service
from app.goals.schemas import GoalCreate, GoalOut, GoalPatch
from app.kit.concurrency import check_version
from app.kit.errors import Conflict, FieldError, Invalid
from app.members import service as member_service
from app.models import (
    Canvas,
    Goal,
)
from app.models.enums import (
    AuditAction,
    CorrectedRecord,
    GoalAchievement,
    GoalLifecycle,
)

_ALL_GOAL_ROWS = (
    select(
        Goal.id,
        Goal.horizon,
        Goal.text,
        Goal.domains,
        Goal.target_date,
        Goal.lifecycle_status,
        Goal.achievement_status,
        Goal.concerns_member_id,
        Goal.version,
    )
    .where(Goal.canvas_id == bindparam("canvas_id"))
    .order_by(Goal.created_at, Goal.id)
)
_GOAL_ROWS = _ALL_GOAL_ROWS.where(Goal.lifecycle_status != GoalLifecycle.entered_in_error)


def goals_of(
    session: Session, canvas_id: uuid.UUID, *, include_erroneous: bool = False
) -> list[GoalOut]:
    """The canvas's goals, oldest first; with ``include_erroneous`` those entered in error too
    (the lead side's pages list them apart)."""
    rows = _ALL_GOAL_ROWS if include_erroneous else _GOAL_ROWS
    return [GoalOut.model_validate(g) for g in session.execute(rows, {"canvas_id": canvas_id})]


def _domain_errors(session: Session, canvas_id: uuid.UUID, domains: list[str]) -> list[FieldError]:
    canvas = session.get(Canvas, canvas_id)
    assert canvas is not None  # a goal always belongs to a canvas (foreign key)
    template = template_store.template_of(session, canvas)
    return [
        FieldError(f"domains[{i}]", f"Unknown domain {key!r}")
        for i, key in enumerate(domains)
        if template.domain(key) is None
    ]


def add_goal(
    session: Session, actor: Actor, scope: FamilyScope, canvas: Canvas, data: GoalCreate
) -> Goal:
    scope.require_edit()
    errors = _domain_errors(session, canvas.id, data.domains)
    errors += member_service.concerns_errors(session, canvas.family_id, data.concerns_member_id)
    if errors:
        raise Invalid(errors)
    goal = Goal(
        canvas_id=canvas.id,
        family_id=canvas.family_id,
        horizon=data.horizon,
        text=data.text,
        domains=list(dict.fromkeys(data.domains)),
        target_date=data.target_date,
        concerns_member_id=data.concerns_member_id,
        created_by_id=actor.user_id,
    )
    session.add(goal)
    session.flush()
    audit.record(session, actor, AuditAction.create, "goal", goal.id, family_id=goal.family_id)
    return goal


# A completed goal says how it ended: reached, not reached, or out of reach. "Improving" or
# "sustaining" describe a goal still being worked on, so they cannot close one.
GOAL_CLOSING_ACHIEVEMENTS = frozenset(
    {GoalAchievement.achieved, GoalAchievement.not_achieved, GoalAchievement.not_attainable}
)


def _goal_values(goal: Goal) -> dict[str, Any]:
    return {
        "text": goal.text,
        "horizon": goal.horizon,
        "domains": list(goal.domains),
        "target_date": goal.target_date,
        "concerns_member_id": goal.concerns_member_id,
    }


def update_goal(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    goal: Goal,
    data: GoalPatch,
    expected_version: int,
) -> Goal:
    """Records how a goal is going (its achievement) and where it stands (its lifecycle), as
    the plan lead's side does at a follow-up meeting; corrects its words, horizon, domains or
    target date, keeping the earlier ones in its history; or marks it entered in error."""
    scope.require_edit()
    if goal.lifecycle_status is GoalLifecycle.entered_in_error:
        raise Conflict("The goal was entered in error: it is kept in the history only.")
    given = data.model_fields_set - {"reason"}
    errors: list[FieldError] = []
    for field in ("lifecycle_status", "text", "horizon", "domains"):
        if field in given and getattr(data, field) is None:
            errors.append(FieldError(field, "Cannot be null"))
    in_error = data.lifecycle_status is GoalLifecycle.entered_in_error
    if in_error and given != {"lifecycle_status"}:
        errors.append(FieldError("lifecycle_status", "Mark a goal entered in error on its own"))
    lifecycle = data.lifecycle_status or goal.lifecycle_status
    achievement = (
        data.achievement_status if "achievement_status" in given else goal.achievement_status
    )
    if lifecycle is GoalLifecycle.completed and achievement not in GOAL_CLOSING_ACHIEVEMENTS:
        errors.append(
            FieldError(
                "achievement_status",
                "A completed goal needs an achievement of achieved, not-achieved or not-attainable",
            )
        )
    if data.domains:
        errors += _domain_errors(session, goal.canvas_id, data.domains)
    if "concerns_member_id" in given:
        errors += member_service.concerns_errors(session, goal.family_id, data.concerns_member_id)
    if errors:
        raise Invalid(errors)
    check_version(goal.version, expected_version)
    reason = (data.reason or "").strip() or None
    before = _goal_values(goal)
    previous = goal.lifecycle_status
    goal.lifecycle_status = lifecycle
    goal.achievement_status = achievement
    if data.text is not None:
        goal.text = data.text
    if data.horizon is not None:
        goal.horizon = data.horizon
    if data.domains is not None:
        goal.domains = list(dict.fromkeys(data.domains))
    if "target_date" in given:
        goal.target_date = data.target_date
    if "concerns_member_id" in given:
        goal.concerns_member_id = data.concerns_member_id
    # The version_id_col makes this flush an UPDATE ... WHERE version = <the one read>: a save
    # racing ours between the check above and here fails with StaleDataError (412), not lost.
    session.flush()
    changes = correction_service.changes_between(before, _goal_values(goal))
    if in_error:
        changes = [
            {"field": "lifecycle_status", "before": previous.value, "after": lifecycle.value}
        ]
    purpose = "entered_in_error" if in_error else "correction" if changes else None
    correction_service.keep(
        session,
        actor,
        CorrectedRecord.goal,
        goal,
        changes,
        canvas_id=goal.canvas_id,
        reason=reason,
        purpose=purpose,
    )
    return goal

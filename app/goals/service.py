"""The family's goals (dreams, long- and short-term goals) and how each is going.

Takes a session and an actor; never commits. Access is decided by ``app.access`` before a
function here is called; functions that change a case call ``scope.require_edit()``.
"""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.scope import FamilyScope
from app.audit import service as audit
from app.catalogue import template_store
from app.goals.schemas import GoalCreate, GoalOut, GoalPatch
from app.kit.concurrency import check_version
from app.kit.errors import FieldError, Invalid
from app.models import (
    Canvas,
    Goal,
)
from app.models.enums import (
    AuditAction,
    GoalAchievement,
    GoalLifecycle,
)

_GOAL_ROWS = (
    select(
        Goal.id,
        Goal.horizon,
        Goal.text,
        Goal.domains,
        Goal.lifecycle_status,
        Goal.achievement_status,
        Goal.version,
    )
    .where(Goal.canvas_id == bindparam("canvas_id"))
    .order_by(Goal.created_at, Goal.id)
)


def goals_of(session: Session, canvas_id: uuid.UUID) -> list[GoalOut]:
    """The canvas's goals, oldest first."""
    return [
        GoalOut.model_validate(g) for g in session.execute(_GOAL_ROWS, {"canvas_id": canvas_id})
    ]


def add_goal(
    session: Session, actor: Actor, scope: FamilyScope, canvas: Canvas, data: GoalCreate
) -> Goal:
    scope.require_edit()
    template = template_store.template_of(session, canvas)
    errors = [
        FieldError(f"domains[{i}]", f"Unknown domain {key!r}")
        for i, key in enumerate(data.domains)
        if template.domain(key) is None
    ]
    if errors:
        raise Invalid(errors)
    goal = Goal(
        canvas_id=canvas.id,
        family_id=canvas.family_id,
        horizon=data.horizon,
        text=data.text,
        domains=list(dict.fromkeys(data.domains)),
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


def update_goal(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    goal: Goal,
    data: GoalPatch,
    expected_version: int,
) -> Goal:
    """Records how a goal is going (its achievement) and where it stands (its lifecycle), as
    the plan lead's side does at a follow-up meeting."""
    scope.require_edit()
    given = data.model_fields_set
    errors: list[FieldError] = []
    if "lifecycle_status" in given and data.lifecycle_status is None:
        errors.append(FieldError("lifecycle_status", "Cannot be null"))
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
    if errors:
        raise Invalid(errors)
    check_version(goal.version, expected_version)
    goal.lifecycle_status = lifecycle
    goal.achievement_status = achievement
    # The version_id_col makes this flush an UPDATE ... WHERE version = <the one read>: a save
    # racing ours between the check above and here fails with StaleDataError (412), not lost.
    session.flush()
    audit.record(session, actor, AuditAction.update, "goal", goal.id, family_id=goal.family_id)
    return goal

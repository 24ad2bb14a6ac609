"""Actions: who does what by when, the family's own part included, linked to the needs and
goals they serve and to a referral when a service carries them out.

Takes a session and an actor; never commits. Access is decided by ``app.access`` before a
function here is called; functions that change a case call ``scope.require_edit()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, delete, insert, select
from sqlalchemy.orm import Session, selectinload

from app.access.actor import Actor, Visitor
from app.access.policy import can_update_assigned
from app.access.scope import FamilyScope
from app.actions.schemas import ActionCreate, ActionOut, ActionPatch, ResponsibleOut
from app.audit import service as audit
from app.corrections import service as correction_service
from app.db import utcnow
from app.kit.concurrency import check_version
from app.kit.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from app.members import service as member_service
from app.models import (
    Action,
    ActionEvent,
    Canvas,
    Goal,
    Need,
    Referral,
    Unit,
    User,
    action_goal,
    action_need,
)
from app.models.enums import (
    ActionStatus,
    AuditAction,
    CorrectedRecord,
    GoalLifecycle,
    NeedStatus,
    ResponsibleKind,
)

_ALL_ACTION_ROWS = (
    select(
        Action.id,
        Action.text,
        Action.responsible_kind,
        Action.responsible_unit_id,
        Action.responsible_user_id,
        Action.responsible_member,
        Action.due_date,
        Action.status,
        Action.cancel_reason,
        Action.referral_id,
        Action.concerns_member_id,
        Action.version,
    )
    .where(Action.canvas_id == bindparam("canvas_id"))
    .order_by(Action.created_at, Action.id)
)
_ACTION_ROWS = _ALL_ACTION_ROWS.where(Action.status != ActionStatus.entered_in_error)


def actions_of(
    session: Session, canvas_id: uuid.UUID, *, include_erroneous: bool = False
) -> list[ActionOut]:
    """The canvas's actions with the needs and goals each serves, oldest first; with
    ``include_erroneous`` those entered in error too (the lead side's pages list them apart)."""
    rows = _ALL_ACTION_ROWS if include_erroneous else _ACTION_ROWS
    actions = session.execute(rows, {"canvas_id": canvas_id}).all()
    links = action_links(session, [a.id for a in actions])
    return [action_out(a, *links[a.id]) for a in actions]


def action_links(
    session: Session, action_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[list[uuid.UUID], list[uuid.UUID]]]:
    links: dict[uuid.UUID, tuple[list[uuid.UUID], list[uuid.UUID]]] = {
        a: ([], []) for a in action_ids
    }
    if not action_ids:
        return links
    for action_id, need_id in session.execute(
        select(action_need.c.action_id, action_need.c.need_id).where(
            action_need.c.action_id.in_(action_ids)
        )
    ):
        links[action_id][0].append(need_id)
    for action_id, goal_id in session.execute(
        select(action_goal.c.action_id, action_goal.c.goal_id).where(
            action_goal.c.action_id.in_(action_ids)
        )
    ):
        links[action_id][1].append(goal_id)
    for need_ids, goal_ids in links.values():
        need_ids.sort()
        goal_ids.sort()
    return links


def action_out(
    action: Action | Row[*tuple[Any, ...]],
    need_ids: Sequence[uuid.UUID],
    goal_ids: Sequence[uuid.UUID],
) -> ActionOut:
    """An action as the API answers it, from the ORM object or a row of ``_ACTION_ROWS``."""
    return ActionOut(
        id=action.id,
        text=action.text,
        responsible=ResponsibleOut(
            kind=action.responsible_kind,
            unit_id=action.responsible_unit_id,
            user_id=action.responsible_user_id,
            member=action.responsible_member,
        ),
        due=action.due_date,
        status=action.status,
        reason=action.cancel_reason,
        need_ids=list(need_ids),
        goal_ids=list(goal_ids),
        referral_id=action.referral_id,
        concerns_member_id=action.concerns_member_id,
        version=action.version,
    )


def _check_links(
    session: Session,
    canvas_id: uuid.UUID,
    need_ids: Sequence[uuid.UUID] | None,
    goal_ids: Sequence[uuid.UUID] | None,
    referral_id: uuid.UUID | None,
) -> list[FieldError]:
    errors: list[FieldError] = []
    if need_ids:
        found = set(
            session.scalars(
                select(Need.id).where(
                    Need.id.in_(need_ids),
                    Need.canvas_id == canvas_id,
                    Need.status == NeedStatus.active,
                )
            )
        )
        errors += [
            FieldError(f"need_ids[{i}]", "No such need on this canvas")
            for i, need_id in enumerate(need_ids)
            if need_id not in found
        ]
    if goal_ids:
        found = set(
            session.scalars(
                select(Goal.id).where(
                    Goal.id.in_(goal_ids),
                    Goal.canvas_id == canvas_id,
                    Goal.lifecycle_status != GoalLifecycle.entered_in_error,
                )
            )
        )
        errors += [
            FieldError(f"goal_ids[{i}]", "No such goal on this canvas")
            for i, goal_id in enumerate(goal_ids)
            if goal_id not in found
        ]
    if referral_id is not None:
        on_canvas = session.scalar(
            select(Referral.id)
            .join(Need, Need.id == Referral.need_id)
            .where(Referral.id == referral_id, Need.canvas_id == canvas_id)
        )
        if on_canvas is None:
            errors.append(FieldError("referral_id", "No such referral on this canvas"))
    return errors


def _check_responsible(
    session: Session, data_unit: uuid.UUID | None, data_user: uuid.UUID | None
) -> list[FieldError]:
    errors: list[FieldError] = []
    if data_unit is not None and session.get(Unit, data_unit) is None:
        errors.append(FieldError("responsible.unit_id", "No such unit"))
    if data_user is not None:
        user = session.scalar(
            select(User).where(User.id == data_user).options(selectinload(User.units))
        )
        if user is None or not user.active:
            errors.append(FieldError("responsible.user_id", "No such user"))
        elif data_unit is not None and data_unit not in {u.id for u in user.units}:
            errors.append(FieldError("responsible.user_id", "This user is not in that unit"))
    return errors


def _set_links(
    session: Session,
    action_id: uuid.UUID,
    need_ids: Sequence[uuid.UUID] | None,
    goal_ids: Sequence[uuid.UUID] | None,
) -> None:
    if need_ids is not None:
        session.execute(delete(action_need).where(action_need.c.action_id == action_id))
        if need_ids:
            session.execute(
                insert(action_need),
                [{"action_id": action_id, "need_id": n} for n in dict.fromkeys(need_ids)],
            )
    if goal_ids is not None:
        session.execute(delete(action_goal).where(action_goal.c.action_id == action_id))
        if goal_ids:
            session.execute(
                insert(action_goal),
                [{"action_id": action_id, "goal_id": g} for g in dict.fromkeys(goal_ids)],
            )


def add_action(
    session: Session, actor: Actor, scope: FamilyScope, canvas: Canvas, data: ActionCreate
) -> Action:
    scope.require_edit()
    errors = _check_links(session, canvas.id, data.need_ids, data.goal_ids, data.referral_id)
    errors += _check_responsible(session, data.responsible.unit_id, data.responsible.user_id)
    errors += member_service.concerns_errors(session, canvas.family_id, data.concerns_member_id)
    if errors:
        raise Invalid(errors)
    action = Action(
        canvas_id=canvas.id,
        family_id=canvas.family_id,
        text=data.text,
        responsible_kind=data.responsible.kind,
        responsible_unit_id=data.responsible.unit_id,
        responsible_user_id=data.responsible.user_id,
        responsible_member=data.responsible.member,
        due_date=data.due,
        status=ActionStatus.planned,
        referral_id=data.referral_id,
        concerns_member_id=data.concerns_member_id,
        created_by_id=actor.user_id,
    )
    session.add(action)
    session.flush()
    _set_links(session, action.id, data.need_ids, data.goal_ids)
    session.add(
        ActionEvent(
            action_id=action.id,
            from_status=None,
            to_status=ActionStatus.planned,
            user_id=actor.user_id,
            unit_id=actor.acting_unit_in(None),
        )
    )
    audit.record(
        session, actor, AuditAction.create, "action", action.id, family_id=action.family_id
    )
    return action


ACTION_TRANSITIONS: dict[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.planned: frozenset(
        {ActionStatus.in_progress, ActionStatus.done, ActionStatus.cancelled}
    ),
    ActionStatus.in_progress: frozenset(
        {ActionStatus.planned, ActionStatus.done, ActionStatus.cancelled}
    ),
    ActionStatus.done: frozenset({ActionStatus.in_progress}),
    ActionStatus.cancelled: frozenset({ActionStatus.planned}),
    # For good: an action written by mistake is not taken up again; a new one is written.
    ActionStatus.entered_in_error: frozenset(),
}


def _action_values(session: Session, action: Action) -> dict[str, Any]:
    """What a correction of an action may change, as the API names it."""
    need_ids, goal_ids = action_links(session, [action.id])[action.id]
    return {
        "text": action.text,
        "responsible": {
            "kind": action.responsible_kind,
            "unit_id": action.responsible_unit_id,
            "user_id": action.responsible_user_id,
            "member": action.responsible_member,
        },
        "due": action.due_date,
        "need_ids": need_ids,
        "goal_ids": goal_ids,
        "concerns_member_id": action.concerns_member_id,
    }


CORRECTED_FIELDS = frozenset(
    {"text", "responsible", "due", "need_ids", "goal_ids", "concerns_member_id"}
)


def update_action(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    action: Action,
    data: ActionPatch,
    expected_version: int,
) -> Action:
    """A status change (by the lead side or the responsible unit), or a correction of what is
    done, by whom, by when and for which needs and goals (the lead side), the earlier values
    kept in the action's history; or, with ``status: entered_in_error`` on its own, the action
    marked as written by mistake."""
    assigned = (
        action.responsible_unit_id if action.responsible_kind is ResponsibleKind.unit else None
    )
    if not can_update_assigned(actor, scope.access, assigned):
        raise Forbidden("Only the plan lead's side or the responsible unit may update this.")
    lead_side = scope.access.value == "lead_side"
    given = data.model_fields_set
    if not lead_side and given - {"status", "reason"}:
        raise Forbidden("The responsible unit may change only the status of its action.")
    new = data.status
    if new is ActionStatus.entered_in_error and not lead_side:
        raise Forbidden("Only the plan lead's side marks an action entered in error.")
    if action.status is ActionStatus.entered_in_error:
        raise Conflict("The action was entered in error: it is kept in the history only.")
    errors: list[FieldError] = []
    for field in ("text", "responsible", "status", "need_ids", "goal_ids"):
        if field in given and getattr(data, field) is None:
            errors.append(FieldError(field, "Cannot be null"))
    reason = (data.reason or "").strip() or None
    if new is ActionStatus.entered_in_error:
        if given - {"status", "reason"}:
            errors.append(FieldError("status", "Mark an action entered in error on its own"))
    elif new is not None and new != action.status:
        if new not in ACTION_TRANSITIONS[action.status]:
            errors.append(
                FieldError("status", f"A {action.status.value} action cannot become {new.value}")
            )
        if new is ActionStatus.cancelled and not reason:
            errors.append(FieldError("reason", "A reason is required to cancel an action"))
    errors += _check_links(session, action.canvas_id, data.need_ids, data.goal_ids, None)
    if data.responsible is not None:
        errors += _check_responsible(session, data.responsible.unit_id, data.responsible.user_id)
    if "concerns_member_id" in given:
        errors += member_service.concerns_errors(session, action.family_id, data.concerns_member_id)
    if errors:
        raise Invalid(errors)
    check_version(action.version, expected_version)
    if new is ActionStatus.entered_in_error:
        correction_service.mark_action_in_error(session, actor, action, reason)
        return action
    corrected = bool(given & CORRECTED_FIELDS)
    before = _action_values(session, action) if corrected else {}
    # Links first: their statements autoflush pending changes, and a flush of the fields set
    # below and another of updated_at would bump the version twice for one PATCH.
    _set_links(session, action.id, data.need_ids, data.goal_ids)
    if data.text is not None:
        action.text = data.text
    if data.responsible is not None:
        action.responsible_kind = data.responsible.kind
        action.responsible_unit_id = data.responsible.unit_id
        action.responsible_user_id = data.responsible.user_id
        action.responsible_member = data.responsible.member
    if "due" in given:
        action.due_date = data.due
    if "concerns_member_id" in given:
        action.concerns_member_id = data.concerns_member_id
    status_changed = new is not None and new != action.status
    if new is not None and status_changed:
        session.add(
            ActionEvent(
                action_id=action.id,
                from_status=action.status,
                to_status=new,
                reason=reason,
                user_id=actor.user_id,
                unit_id=actor.acting_unit_in(assigned),
            )
        )
        action.status = new
        action.cancel_reason = reason if new is ActionStatus.cancelled else None
    action.updated_at = utcnow()
    session.flush()
    audit.record(
        session, actor, AuditAction.update, "action", action.id, family_id=action.family_id
    )
    if corrected:
        after = _action_values(session, action)
        correction_service.record(
            session,
            actor,
            CorrectedRecord.action,
            action,
            correction_service.changes_between(before, after),
            canvas_id=action.canvas_id,
            # A reason given with a status change is the status change's.
            reason=None if status_changed else reason,
        )
    return action


def mark_done_by_member(session: Session, visitor: Visitor, action: Action) -> Action:
    """A family member marks one of the family's own actions done, on the family's pages
    (DESIGN §12): recorded as theirs, so the plan lead sees who and when."""
    if (
        action.family_id != visitor.family_id
        or action.responsible_kind is not ResponsibleKind.family
    ):
        raise NotFound("No such action.")
    if action.status not in (ActionStatus.planned, ActionStatus.in_progress):
        raise Conflict(f"The action is {action.status.value}.")
    session.add(
        ActionEvent(
            action_id=action.id,
            from_status=action.status,
            to_status=ActionStatus.done,
            member_id=visitor.member_id,
        )
    )
    action.status = ActionStatus.done
    action.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        visitor,
        AuditAction.update,
        "action",
        action.id,
        family_id=action.family_id,
        purpose="family_done",
    )
    return action


def family_actions(session: Session, family_id: uuid.UUID) -> Sequence[Action]:
    """The family's own live actions (responsible: the family), the earliest due first."""
    return session.scalars(
        select(Action)
        .where(
            Action.family_id == family_id,
            Action.responsible_kind == ResponsibleKind.family,
            Action.status != ActionStatus.entered_in_error,
        )
        .order_by(Action.due_date, Action.created_at)
    ).all()

"""Corrections of a family's needs, goals, actions and referrals (DESIGN §3, Corrections): the
history of each item's earlier wording, written in the transaction of the change itself, and
which items were entered in error.

The rooms that own the items decide what may be corrected and call ``record`` with the values
before and after; this room keeps and reads the history. It is the lead side's: a unit with the
family's consent never reads it (its routes and pages load the item with ``Reach.case``).
Takes a session and an actor; never commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.audit import service as audit
from app.catalogue import template_store
from app.corrections.schemas import CorrectionOut, FieldChangeOut, NamedOut
from app.db import utcnow
from app.models import (
    Action,
    ActionEvent,
    Canvas,
    Correction,
    Goal,
    Need,
    Referral,
    Service,
    Unit,
    User,
)
from app.models.action import action_goal, action_need
from app.models.enums import (
    ActionStatus,
    AuditAction,
    CorrectedRecord,
    GoalLifecycle,
    NeedStatus,
    ReferralOutcome,
    ResponsibleKind,
)

# The field that says an item was entered in error, per kind, and the value that says it.
ERROR_FIELD = {
    CorrectedRecord.need: ("status", NeedStatus.entered_in_error.value),
    CorrectedRecord.goal: ("lifecycle_status", GoalLifecycle.entered_in_error.value),
    CorrectedRecord.action: ("status", ActionStatus.entered_in_error.value),
    CorrectedRecord.referral: ("outcome", ReferralOutcome.entered_in_error.value),
}


def plain(value: Any) -> Any:
    """A value as the history keeps it: JSON, in the API's own terms."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "value"):  # an enum
        return value.value
    return value


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fields whose value differs, in the order ``after`` names them."""
    changes = []
    for field, new in after.items():
        old = plain(before.get(field))
        new = plain(new)
        if old != new:
            changes.append({"field": field, "before": old, "after": new})
    return changes


class Recorded(Protocol):
    """A need, goal, action or referral, as a correction names it."""

    id: uuid.UUID
    family_id: uuid.UUID
    version: int


def record(
    session: Session,
    actor: Actor,
    record_type: CorrectedRecord,
    item: Recorded,
    changes: list[dict[str, Any]],
    *,
    canvas_id: uuid.UUID,
    reason: str | None = None,
    unit_id: uuid.UUID | None = None,
) -> Correction | None:
    """Keeps one correction of an item, at the version it has now; none when nothing
    changed."""
    if not changes:
        return None
    correction = Correction(
        family_id=item.family_id,
        canvas_id=canvas_id,
        record_type=record_type,
        record_id=item.id,
        changes=changes,
        reason=reason,
        record_version=item.version,
        user_id=actor.user_id,
        unit_id=actor.acting_unit_in(unit_id),
    )
    session.add(correction)
    return correction


OPEN_ACTION = (ActionStatus.planned, ActionStatus.in_progress)


def lone_actions_of(session: Session, need_id: uuid.UUID) -> list[Action]:
    """The open actions that serve this need and no other standing need or goal: with the need
    entered in error, they would stand in the plan for nothing, so they go with it
    (``mark_action_in_error``)."""
    linked = select(action_need.c.action_id).where(action_need.c.need_id == need_id)
    other_need = (
        select(action_need.c.action_id)
        .join(Need, Need.id == action_need.c.need_id)
        .where(action_need.c.need_id != need_id, Need.status == NeedStatus.active)
    )
    other_goal = (
        select(action_goal.c.action_id)
        .join(Goal, Goal.id == action_goal.c.goal_id)
        .where(Goal.lifecycle_status != GoalLifecycle.entered_in_error)
    )
    return list(
        session.scalars(
            select(Action)
            .where(
                Action.id.in_(linked),
                Action.id.not_in(other_need),
                Action.id.not_in(other_goal),
                Action.status.in_(OPEN_ACTION),
            )
            .order_by(Action.created_at, Action.id)
        )
    )


def keep(
    session: Session,
    actor: Actor,
    record_type: CorrectedRecord,
    item: Recorded,
    changes: list[dict[str, Any]],
    *,
    canvas_id: uuid.UUID,
    reason: str | None,
    purpose: str | None,
) -> None:
    """A change of an item by the lead side: its correction kept in the item's history (none
    when nothing changed), and the change on the audit trail with its ``purpose``."""
    record(session, actor, record_type, item, changes, canvas_id=canvas_id, reason=reason)
    audit.record(
        session,
        actor,
        AuditAction.update,
        record_type.value,
        item.id,
        family_id=item.family_id,
        purpose=purpose,
    )


def mark_action_in_error(
    session: Session, actor: Actor, action: Action, reason: str | None
) -> None:
    """The action was written by mistake: it leaves the plan and the reports, and its status
    history and corrections keep it. Here, and not in the actions room, because a need entered
    in error takes the actions that served only it along (app/needs)."""
    assigned = (
        action.responsible_unit_id if action.responsible_kind is ResponsibleKind.unit else None
    )
    previous = action.status
    session.add(
        ActionEvent(
            action_id=action.id,
            from_status=previous,
            to_status=ActionStatus.entered_in_error,
            reason=reason,
            user_id=actor.user_id,
            unit_id=actor.acting_unit_in(assigned),
        )
    )
    action.status = ActionStatus.entered_in_error
    action.cancel_reason = reason
    action.updated_at = utcnow()
    session.flush()
    keep(
        session,
        actor,
        CorrectedRecord.action,
        action,
        [{"field": "status", "before": previous.value, "after": action.status.value}],
        canvas_id=action.canvas_id,
        reason=reason,
        purpose="entered_in_error",
    )


def _out(
    correction: Correction, users: Mapping[uuid.UUID, str], units: Mapping[uuid.UUID, str]
) -> CorrectionOut:
    field, value = ERROR_FIELD[correction.record_type]
    return CorrectionOut(
        id=correction.id,
        record_type=correction.record_type,
        record_id=correction.record_id,
        at=correction.at,
        by=NamedOut(id=correction.user_id, name=users.get(correction.user_id, "")),
        unit=(
            NamedOut(id=correction.unit_id, name=units.get(correction.unit_id, ""))
            if correction.unit_id
            else None
        ),
        changes=[FieldChangeOut.model_validate(c) for c in correction.changes],
        reason=correction.reason,
        record_version=correction.record_version,
        entered_in_error=any(
            c.get("field") == field and c.get("after") == value for c in correction.changes
        ),
    )


def _outs(session: Session, corrections: Iterable[Correction]) -> list[CorrectionOut]:
    rows = list(corrections)
    user_ids = {c.user_id for c in rows}
    unit_ids = {c.unit_id for c in rows if c.unit_id}
    users = (
        dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())
        if user_ids
        else {}
    )
    units = (
        dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all())
        if unit_ids
        else {}
    )
    return [_out(c, users, units) for c in rows]


def history(
    session: Session, record_type: CorrectedRecord, record_id: uuid.UUID
) -> list[CorrectionOut]:
    """One item's corrections, newest first. Not audited: the caller records the read."""
    return _outs(
        session,
        session.scalars(
            select(Correction)
            .where(Correction.record_type == record_type, Correction.record_id == record_id)
            .order_by(Correction.at.desc(), Correction.id)
        ),
    )


def read_history(
    session: Session,
    actor: Actor,
    record_type: CorrectedRecord,
    record_id: uuid.UUID,
    family_id: uuid.UUID,
) -> list[CorrectionOut]:
    """One item's corrections for the lead side, its read audited."""
    corrections = history(session, record_type, record_id)
    audit.record(
        session,
        actor,
        AuditAction.read,
        record_type.value,
        record_id,
        family_id=family_id,
        purpose="history",
    )
    return corrections


def canvas_history(session: Session, canvas_id: uuid.UUID) -> dict[uuid.UUID, list[CorrectionOut]]:
    """The corrections of every item on a canvas, by item, newest first."""
    by_record: dict[uuid.UUID, list[CorrectionOut]] = {}
    for out in _outs(
        session,
        session.scalars(
            select(Correction)
            .where(Correction.canvas_id == canvas_id)
            .order_by(Correction.at.desc(), Correction.id)
        ),
    ):
        by_record.setdefault(out.record_id, []).append(out)
    return by_record


def family_corrections(session: Session, family_id: uuid.UUID) -> list[CorrectionOut]:
    """Every correction in the family's case, oldest first (the export and the timeline)."""
    return _outs(
        session,
        session.scalars(
            select(Correction)
            .where(Correction.family_id == family_id)
            .order_by(Correction.at, Correction.id)
        ),
    )


def erroneous_ids(session: Session, family_id: uuid.UUID) -> frozenset[str]:
    """The ids (as a plan's content writes them) of the family's needs, goals, actions and
    referrals entered in error: left out of every copy of the plan the family and the units
    read, earlier versions included, since they were never true."""
    ids: set[uuid.UUID] = set()
    ids.update(
        session.scalars(
            select(Need.id).where(
                Need.family_id == family_id, Need.status == NeedStatus.entered_in_error
            )
        )
    )
    ids.update(
        session.scalars(
            select(Goal.id).where(
                Goal.family_id == family_id,
                Goal.lifecycle_status == GoalLifecycle.entered_in_error,
            )
        )
    )
    ids.update(
        session.scalars(
            select(Action.id).where(
                Action.family_id == family_id, Action.status == ActionStatus.entered_in_error
            )
        )
    )
    ids.update(
        session.scalars(
            select(Referral.id).where(
                Referral.family_id == family_id,
                Referral.outcome == ReferralOutcome.entered_in_error,
            )
        )
    )
    return frozenset(str(i) for i in ids)


def history_names(
    session: Session, family_id: uuid.UUID, corrections: Iterable[CorrectionOut], lang: str
) -> dict[str, str]:
    """Words for the ids and codes the corrections name, so a history reads "Boligkontoret"
    and "Bolig", not an id: life domains and signs of the family's canvases' templates, its
    needs and goals, the units, and the people and services the corrections name."""
    names: dict[str, str] = {}
    user_ids: set[uuid.UUID] = set()
    service_ids: set[uuid.UUID] = set()
    for correction in corrections:
        for change in correction.changes:
            for value in (change.before, change.after):
                if change.field == "responsible" and isinstance(value, Mapping):
                    if value.get("user_id"):
                        user_ids.add(uuid.UUID(str(value["user_id"])))
                elif change.field == "service_id" and value:
                    service_ids.add(uuid.UUID(str(value)))
    template_ids = set(
        session.scalars(select(Canvas.template_id).where(Canvas.family_id == family_id))
    )
    for template_id in template_ids:
        template = template_store.template_by_id(session, template_id)
        for domain in template.domains:
            names[domain.key] = domain.title.get(lang)
            for indicator in domain.indicators:
                names[indicator.code] = indicator.title.get(lang)
    for model in (Need, Goal):
        for item_id, text in session.execute(
            select(model.id, model.text).where(model.family_id == family_id)
        ):
            names[str(item_id)] = text
    for unit_id, name in session.execute(select(Unit.id, Unit.name)):
        names[str(unit_id)] = name
    if user_ids:
        for user_id, name in session.execute(
            select(User.id, User.display_name).where(User.id.in_(user_ids))
        ):
            names[str(user_id)] = name
    if service_ids:
        for service_id, name in session.execute(
            select(Service.id, Service.name).where(Service.id.in_(service_ids))
        ):
            names[str(service_id)] = name
    return names

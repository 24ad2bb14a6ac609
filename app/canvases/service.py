"""The canvas (the duk itself), its needs, referrals, goals and actions.

Takes a session and an actor; never commits. Access is decided by ``app.access`` before a
function here is called; functions that change a case call ``scope.require_edit()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.access.actor import Actor
from app.access.policy import can_update_assigned
from app.access.scope import FamilyScope
from app.audit import service as audit
from app.canvases import template_store
from app.canvases.schemas import (
    ActionCreate,
    ActionOut,
    ActionPatch,
    CanvasOut,
    CanvasPatch,
    DomainOut,
    GoalCreate,
    GoalOut,
    GoalPatch,
    NeedCreate,
    NeedOut,
    PeriodOut,
    ReferralCreate,
    ReferralOut,
    ReferralPatch,
    ResponsibleOut,
    ServiceOut,
    Suggestion,
)
from app.canvases.template_schema import CanvasTemplateDef
from app.db import utcnow
from app.kit.concurrency import check_version
from app.kit.errors import FieldError, Forbidden, Invalid, NotFound, PreconditionFailed
from app.models import (
    Action,
    ActionEvent,
    Canvas,
    CanvasDomain,
    Goal,
    Need,
    NeedIndicator,
    Referral,
    ReferralEvent,
    Service,
    Unit,
    User,
    action_goal,
    action_need,
)
from app.models.enums import (
    ActionStatus,
    AuditAction,
    CanvasStatus,
    GoalAchievement,
    GoalLifecycle,
    ReferralOutcome,
    ReferralStatus,
    ResponsibleKind,
    ServiceStatus,
    UnitLevel,
)

# --- canvas ---------------------------------------------------------------------------------

# Autosave writes through the tables directly (Core), without the ORM's per-statement work.
CANVAS_TABLE = cast(Table, Canvas.__table__)
CANVAS_DOMAIN_TABLE = cast(Table, CanvasDomain.__table__)

# The autosave's two statements, built once. The columns to set come with each call's
# parameters (SQLAlchemy adds every parameter that names a column to the SET clause), so one
# statement serves every combination of fields; the b_ names are the WHERE clause's.
_BUMP_CANVAS = (
    update(CANVAS_TABLE)
    .where(CANVAS_TABLE.c.id == bindparam("b_id"), CANVAS_TABLE.c.version == bindparam("b_version"))
    .values(version=CANVAS_TABLE.c.version + 1)
)
_UPDATE_DOMAIN = update(CANVAS_DOMAIN_TABLE).where(
    CANVAS_DOMAIN_TABLE.c.canvas_id == bindparam("b_canvas_id"),
    CANVAS_DOMAIN_TABLE.c.domain_key == bindparam("b_domain_key"),
)


def create_canvas(session: Session, actor: Actor, scope: FamilyScope, template_key: str) -> Canvas:
    scope.require_edit()
    row = template_store.latest(session, template_key)
    template = template_store.template_by_id(session, row.id)
    canvas = Canvas(
        family_id=scope.family.id,
        template_id=row.id,
        status=CanvasStatus.draft,
        what_matters="",
        participants=[],
        created_by_id=actor.user_id,
    )
    canvas.domains = [
        CanvasDomain(domain_key=domain.key, position=i, situation="", strengths="", indicators=[])
        for i, domain in enumerate(template.domains)
    ]
    session.add(canvas)
    session.flush()
    audit.record(
        session, actor, AuditAction.create, "canvas", canvas.id, family_id=canvas.family_id
    )
    return canvas


def load_canvas(session: Session, canvas_id: uuid.UUID) -> Canvas | None:
    return session.scalar(
        select(Canvas).where(Canvas.id == canvas_id).options(selectinload(Canvas.domains))
    )


def template_of(session: Session, canvas: Canvas) -> CanvasTemplateDef:
    return template_store.template_by_id(session, canvas.template_id)


def _validate_indicators(
    template: CanvasTemplateDef, domain_key: str, codes: Iterable[str], field: str
) -> list[FieldError]:
    domain = template.domain(domain_key)
    errors: list[FieldError] = []
    if domain is None:
        return [FieldError(field, f"Unknown domain {domain_key!r}")]
    for i, code in enumerate(codes):
        if domain.indicator(code) is None:
            errors.append(
                FieldError(f"{field}[{i}]", f"{code!r} is not an indicator of {domain_key}")
            )
    return errors


def patch_canvas(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    canvas: Canvas,
    data: CanvasPatch,
    expected_version: int,
) -> Canvas:
    """Merge the given fields into the canvas (each domain field on its own) and move its
    version on by one. This is the autosave path: it loads no domain rows and writes only
    what was sent."""
    scope.require_edit()
    template = template_of(session, canvas)
    given = data.model_fields_set
    errors: list[FieldError] = []
    for field in sorted(given):
        if getattr(data, field) is None and field not in ("next_review_date",):
            errors.append(FieldError(field, "Cannot be null"))
    domain_changes: dict[str, dict[str, object]] = {}
    if data.domains:
        for key, patch in data.domains.items():
            if template.domain(key) is None:
                errors.append(FieldError(f"domains.{key}", f"Unknown domain {key!r}"))
                continue
            for field in ("situation", "indicators", "strengths"):
                if field in patch.model_fields_set and getattr(patch, field) is None:
                    errors.append(FieldError(f"domains.{key}.{field}", "Cannot be null"))
            if patch.indicators:
                errors += _validate_indicators(
                    template, key, patch.indicators, f"domains.{key}.indicators"
                )
            changes = {field: getattr(patch, field) for field in patch.model_fields_set}
            if "indicators" in changes and changes["indicators"] is not None:
                changes["indicators"] = list(dict.fromkeys(patch.indicators or []))
            if changes:
                domain_changes[key] = changes
    if errors:
        raise Invalid(errors)

    check_version(canvas.version, expected_version)
    now = utcnow()
    values: dict[str, object] = {"updated_at": now}
    if data.centre is not None:
        values["what_matters"] = data.centre.what_matters
    if data.participants is not None:
        values["participants"] = [p.model_dump(mode="json") for p in data.participants]
    if data.period is not None:
        values["period_from"] = data.period.from_
        values["period_to"] = data.period.to
    if "next_review_date" in given:
        values["next_review_date"] = data.next_review_date
    if data.status is not None and data.status != canvas.status:
        values["status"] = data.status
        values["completed_at"] = now if data.status is CanvasStatus.completed else None
    # The conditional UPDATE is what makes two racing saves safe: only one of them can move the
    # version on from the one both read; the other gets 412 and writes nothing.
    bumped = session.connection().execute(
        _BUMP_CANVAS, {**values, "b_id": canvas.id, "b_version": expected_version}
    )
    if bumped.rowcount != 1:
        raise PreconditionFailed("The canvas was changed by someone else. Reload and merge.")
    for key, changes in domain_changes.items():
        session.connection().execute(
            _UPDATE_DOMAIN, {**changes, "b_canvas_id": canvas.id, "b_domain_key": key}
        )
    # The statements above bypass the ORM; make the loaded canvas say what is now stored.
    for name, value in values.items():
        set_committed_value(canvas, name, value)
    set_committed_value(canvas, "version", expected_version + 1)
    if domain_changes and "domains" in canvas.__dict__:
        session.expire(canvas, ["domains"])
        for row in list(session.identity_map.values()):
            if isinstance(row, CanvasDomain) and row.canvas_id == canvas.id:
                session.expire(row)
    audit.record(
        session, actor, AuditAction.update, "canvas", canvas.id, family_id=canvas.family_id
    )
    return canvas


def read_canvas(session: Session, actor: Actor, canvas: Canvas) -> CanvasOut:
    document = canvas_document(session, canvas)
    audit.record(session, actor, AuditAction.read, "canvas", canvas.id, family_id=canvas.family_id)
    return document


# The canvas document's parts, read as rows of columns, not as ORM objects: the document is
# only turned into its schema, and loading some 80 objects into the session was half the
# canvas page's time (bench/tablet.py --profile). Built once, with the canvas as a parameter.
_DOMAIN_ROWS = (
    select(
        CanvasDomain.domain_key,
        CanvasDomain.situation,
        CanvasDomain.family_score,
        CanvasDomain.worker_score,
        CanvasDomain.indicators,
        CanvasDomain.strengths,
    )
    .where(CanvasDomain.canvas_id == bindparam("canvas_id"))
    .order_by(CanvasDomain.position)
)
_NEED_ROWS = (
    select(Need.id, Need.domain, Need.text, Need.priority, Need.indicators, Need.version)
    .where(Need.canvas_id == bindparam("canvas_id"))
    .order_by(Need.created_at, Need.id)
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
_ACTION_ROWS = (
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
        Action.version,
    )
    .where(Action.canvas_id == bindparam("canvas_id"))
    .order_by(Action.created_at, Action.id)
)
_REFERRAL_ROWS = (
    select(
        Referral.id,
        Referral.need_id,
        Referral.service_id,
        Referral.external_service_name,
        Service.provider_unit_id,
        Referral.status,
        Referral.reason,
        Referral.outcome,
        Referral.version,
    )
    .join(Need, Need.id == Referral.need_id)
    .outerjoin(Service, Service.id == Referral.service_id)
    .where(Need.canvas_id == bindparam("canvas_id"))
    .order_by(Referral.created_at, Referral.id)
)


def canvas_document(session: Session, canvas: Canvas) -> CanvasOut:
    template = template_of(session, canvas)
    on = {"canvas_id": canvas.id}
    actions = session.execute(_ACTION_ROWS, on).all()
    links = action_links(session, [a.id for a in actions])
    return CanvasOut(
        id=canvas.id,
        family_id=canvas.family_id,
        template_key=template.key,
        template_version=template.version,
        status=canvas.status,
        version=canvas.version,
        centre={"what_matters": canvas.what_matters},
        domains={
            d.domain_key: DomainOut.model_validate(d) for d in session.execute(_DOMAIN_ROWS, on)
        },
        participants=list(canvas.participants),
        period=PeriodOut(from_=canvas.period_from, to=canvas.period_to),
        next_review_date=canvas.next_review_date,
        needs=[NeedOut.model_validate(n) for n in session.execute(_NEED_ROWS, on)],
        referrals=[ReferralOut.model_validate(r) for r in session.execute(_REFERRAL_ROWS, on)],
        goals=[GoalOut.model_validate(g) for g in session.execute(_GOAL_ROWS, on)],
        actions=[action_out(a, *links[a.id]) for a in actions],
        updated_at=canvas.updated_at,
    )


# --- needs ----------------------------------------------------------------------------------


def need_out(need: Need) -> NeedOut:
    return NeedOut.model_validate(need)


def add_need(
    session: Session, actor: Actor, scope: FamilyScope, canvas: Canvas, data: NeedCreate
) -> Need:
    scope.require_edit()
    template = template_of(session, canvas)
    if template.domain(data.domain) is None:
        raise Invalid.field("domain", f"Unknown domain {data.domain!r}")
    errors = _validate_indicators(template, data.domain, data.indicators, "indicators")
    if errors:
        raise Invalid(errors)
    need = Need(
        canvas_id=canvas.id,
        family_id=canvas.family_id,
        domain=data.domain,
        municipality_code=scope.family.municipality_code,
        text=data.text,
        priority=data.priority,
        indicators=list(dict.fromkeys(data.indicators)),
        created_by_id=actor.user_id,
    )
    session.add(need)
    session.flush()
    session.add_all(NeedIndicator(need_id=need.id, code=code) for code in need.indicators)
    audit.record(session, actor, AuditAction.create, "need", need.id, family_id=need.family_id)
    return need


# --- services and suggestions ---------------------------------------------------------------


def service_out(service: Service, provider: Unit) -> ServiceOut:
    return ServiceOut(
        id=service.id,
        key=service.key,
        name=service.name,
        alternate_name=service.alternate_name,
        provider_unit_id=service.provider_unit_id,
        provider_name=provider.name,
        level=service.level,
        status=service.status,
        description=service.description,
        eligibility_description=service.eligibility_description,
        application_process=service.application_process,
        fees_description=service.fees_description,
        url=service.url,
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        domains=list(service.domains),
        indicators=list(service.indicators),
        translations=dict(service.translations),
    )


# Ranking weights: an indicator the family named says more than the domain alone.
INDICATOR_WEIGHT = 3
DOMAIN_WEIGHT = 2


def suggestions(session: Session, actor: Actor, need: Need, limit: int = 10) -> list[Suggestion]:
    rows = session.execute(
        select(Service, Unit)
        .join(Unit, Unit.id == Service.provider_unit_id)
        .where(Service.status == ServiceStatus.active)
    ).all()
    wanted = set(need.indicators)
    ranked: list[tuple[int, str, Suggestion]] = []
    for service, provider in rows:
        matched = sorted(wanted.intersection(service.indicators))
        in_domain = need.domain in service.domains
        score = INDICATOR_WEIGHT * len(matched) + (DOMAIN_WEIGHT if in_domain else 0)
        if score == 0:
            continue
        suggestion = Suggestion(
            service=service_out(service, provider),
            score=score,
            matched_domain=in_domain,
            matched_indicators=matched,
        )
        ranked.append((-score, service.name, suggestion))
    ranked.sort(key=lambda item: (item[0], item[1]))
    audit.record(
        session,
        actor,
        AuditAction.read,
        "need",
        need.id,
        family_id=need.family_id,
        purpose="suggestions",
    )
    return [s for _, _, s in ranked[:limit]]


# --- referrals ------------------------------------------------------------------------------


def referral_out(referral: Referral, provider_unit_id: uuid.UUID | None) -> ReferralOut:
    return ReferralOut(
        id=referral.id,
        need_id=referral.need_id,
        service_id=referral.service_id,
        external_service_name=referral.external_service_name,
        provider_unit_id=provider_unit_id,
        status=referral.status,
        reason=referral.reason,
        outcome=referral.outcome,
        version=referral.version,
    )


def provider_unit_of(session: Session, referral: Referral) -> uuid.UUID | None:
    if referral.service_id is None:
        return None
    return session.scalar(select(Service.provider_unit_id).where(Service.id == referral.service_id))


def add_referral(
    session: Session, actor: Actor, scope: FamilyScope, need: Need, data: ReferralCreate
) -> Referral:
    scope.require_edit()
    if data.service_id is not None:
        service = session.get(Service, data.service_id)
        if service is None:
            raise Invalid.field("service_id", "No such service in the catalogue")
        if service.status is not ServiceStatus.active:
            raise Invalid.field("service_id", "This service is no longer offered")
    referral = Referral(
        need_id=need.id,
        family_id=need.family_id,
        service_id=data.service_id,
        external_service_name=data.external_service_name,
        status=ReferralStatus.proposed,
        created_by_id=actor.user_id,
    )
    session.add(referral)
    session.flush()
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            from_status=None,
            to_status=ReferralStatus.proposed,
            user_id=actor.user_id,
            unit_id=actor.units[0].id if actor.units else None,
        )
    )
    audit.record(
        session, actor, AuditAction.create, "referral", referral.id, family_id=need.family_id
    )
    return referral


REFERRAL_TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.proposed: frozenset({ReferralStatus.sent, ReferralStatus.cancelled}),
    ReferralStatus.sent: frozenset(
        {ReferralStatus.accepted, ReferralStatus.declined, ReferralStatus.cancelled}
    ),
    ReferralStatus.accepted: frozenset(
        {ReferralStatus.in_progress, ReferralStatus.completed, ReferralStatus.cancelled}
    ),
    ReferralStatus.in_progress: frozenset({ReferralStatus.completed, ReferralStatus.cancelled}),
    ReferralStatus.declined: frozenset(),
    ReferralStatus.completed: frozenset(),
    ReferralStatus.cancelled: frozenset(),
}
# What the provider unit itself answers; sending and cancelling belong to the plan lead's side.
PROVIDER_STATUSES = frozenset(
    {
        ReferralStatus.accepted,
        ReferralStatus.declined,
        ReferralStatus.in_progress,
        ReferralStatus.completed,
    }
)
CLOSED_REFERRAL = frozenset(
    {ReferralStatus.declined, ReferralStatus.completed, ReferralStatus.cancelled}
)


def _unit_of_actor_in(actor: Actor, unit_id: uuid.UUID | None) -> uuid.UUID | None:
    if unit_id is not None and unit_id in actor.unit_ids:
        return unit_id
    return actor.units[0].id if actor.units else None


def update_referral(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    referral: Referral,
    data: ReferralPatch,
    expected_version: int,
) -> Referral:
    provider = provider_unit_of(session, referral)
    if not can_update_assigned(actor, scope.access, provider):
        raise Forbidden("Only the plan lead's side or the providing unit may update a referral.")
    lead_side = scope.access.value == "lead_side"
    given = data.model_fields_set
    if data.status is None:
        raise Invalid.field("status", "Give the new status")
    new = data.status
    errors: list[FieldError] = []
    if new == referral.status:
        errors.append(FieldError("status", f"The referral is {new.value} already"))
    elif new not in REFERRAL_TRANSITIONS[referral.status]:
        errors.append(
            FieldError("status", f"A {referral.status.value} referral cannot become {new.value}")
        )
    if not lead_side and new not in PROVIDER_STATUSES:
        raise Forbidden("The providing unit may accept, decline, start or complete a referral.")
    reason = (data.reason or "").strip() or None
    if new in (ReferralStatus.declined, ReferralStatus.cancelled) and not reason:
        errors.append(FieldError("reason", f"A reason is required to mark it {new.value}"))
    if new is ReferralStatus.completed and data.outcome is None:
        errors.append(FieldError("outcome", "Give the outcome when the referral is completed"))
    if "outcome" in given and data.outcome is not None and new not in CLOSED_REFERRAL:
        errors.append(FieldError("outcome", "An outcome is given only when the referral closes"))
    if errors:
        raise Invalid(errors)
    check_version(referral.version, expected_version)
    previous = referral.status
    referral.status = new
    referral.reason = reason if reason else referral.reason
    if new in CLOSED_REFERRAL:
        referral.outcome = data.outcome or (
            ReferralOutcome.no_longer_interested if new is ReferralStatus.cancelled else None
        )
    referral.updated_at = utcnow()
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            from_status=previous,
            to_status=new,
            reason=reason,
            outcome=referral.outcome,
            user_id=actor.user_id,
            unit_id=_unit_of_actor_in(actor, provider),
        )
    )
    session.flush()
    audit.record(
        session, actor, AuditAction.update, "referral", referral.id, family_id=referral.family_id
    )
    return referral


# --- goals ----------------------------------------------------------------------------------


def goal_out(goal: Goal) -> GoalOut:
    return GoalOut.model_validate(goal)


def add_goal(
    session: Session, actor: Actor, scope: FamilyScope, canvas: Canvas, data: GoalCreate
) -> Goal:
    scope.require_edit()
    template = template_of(session, canvas)
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


# --- actions --------------------------------------------------------------------------------


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
                select(Need.id).where(Need.id.in_(need_ids), Need.canvas_id == canvas_id)
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
                select(Goal.id).where(Goal.id.in_(goal_ids), Goal.canvas_id == canvas_id)
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
            unit_id=actor.units[0].id if actor.units else None,
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
}


def update_action(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    action: Action,
    data: ActionPatch,
    expected_version: int,
) -> Action:
    assigned = (
        action.responsible_unit_id if action.responsible_kind is ResponsibleKind.unit else None
    )
    if not can_update_assigned(actor, scope.access, assigned):
        raise Forbidden("Only the plan lead's side or the responsible unit may update this.")
    lead_side = scope.access.value == "lead_side"
    given = data.model_fields_set
    if not lead_side and given - {"status", "reason"}:
        raise Forbidden("The responsible unit may change only the status of its action.")
    errors: list[FieldError] = []
    for field in ("text", "responsible", "status", "need_ids", "goal_ids"):
        if field in given and getattr(data, field) is None:
            errors.append(FieldError(field, "Cannot be null"))
    reason = (data.reason or "").strip() or None
    new = data.status
    if new is not None and new != action.status:
        if new not in ACTION_TRANSITIONS[action.status]:
            errors.append(
                FieldError("status", f"A {action.status.value} action cannot become {new.value}")
            )
        if new is ActionStatus.cancelled and not reason:
            errors.append(FieldError("reason", "A reason is required to cancel an action"))
    errors += _check_links(session, action.canvas_id, data.need_ids, data.goal_ids, None)
    if data.responsible is not None:
        errors += _check_responsible(session, data.responsible.unit_id, data.responsible.user_id)
    if errors:
        raise Invalid(errors)
    check_version(action.version, expected_version)
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
    if new is not None and new != action.status:
        session.add(
            ActionEvent(
                action_id=action.id,
                from_status=action.status,
                to_status=new,
                reason=reason,
                user_id=actor.user_id,
                unit_id=_unit_of_actor_in(actor, assigned),
            )
        )
        action.status = new
        action.cancel_reason = reason if new is ActionStatus.cancelled else None
    action.updated_at = utcnow()
    session.flush()
    audit.record(
        session, actor, AuditAction.update, "action", action.id, family_id=action.family_id
    )
    return action


def get_need_on(session: Session, need_id: uuid.UUID) -> Need:
    need = session.get(Need, need_id)
    if need is None:
        raise NotFound("No such need.")
    return need


# --- what the browser pages show (read-only helpers) ----------------------------------------


def family_canvases(session: Session, family_id: uuid.UUID) -> Sequence[Canvas]:
    """A family's canvases, newest first (the family page lists them)."""
    return session.scalars(
        select(Canvas)
        .where(Canvas.family_id == family_id)
        .order_by(Canvas.created_at.desc(), Canvas.id)
    ).all()


def domain_rows(session: Session, canvas: Canvas) -> list[CanvasDomain]:
    """The canvas's domain rows as stored now (loaded once per request)."""
    if "domains" not in canvas.__dict__:
        session.refresh(canvas, ["domains"])
    return list(canvas.domains)


@dataclass(frozen=True, slots=True)
class RingEntry:
    """A service mapped to a need, as the outer ring of the canvas shows it."""

    referral_id: uuid.UUID
    need_id: uuid.UUID
    domain: str
    service_name: str
    provider_name: str | None
    level: UnitLevel | None  # None: a service outside the catalogue
    status: ReferralStatus


def ring_entries(session: Session, canvas: Canvas) -> list[RingEntry]:
    """Every referral on the canvas with its service and provider (external ones too)."""
    rows = session.execute(
        select(Referral, Need.domain, Service.name, Service.level, Unit.name)
        .join(Need, Need.id == Referral.need_id)
        .outerjoin(Service, Service.id == Referral.service_id)
        .outerjoin(Unit, Unit.id == Service.provider_unit_id)
        .where(Need.canvas_id == canvas.id)
        .order_by(Referral.created_at, Referral.id)
    ).all()
    return [
        RingEntry(
            referral_id=referral.id,
            need_id=referral.need_id,
            domain=domain,
            service_name=service_name or referral.external_service_name or "",
            provider_name=provider_name,
            level=level,
            status=referral.status,
        )
        for referral, domain, service_name, level, provider_name in rows
    ]


def next_reviews(session: Session, family_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, date]:
    """The earliest review date set on each family's canvases (the home page shows it)."""
    ids = list(family_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Canvas.family_id, func.min(Canvas.next_review_date))
        .where(Canvas.family_id.in_(ids), Canvas.next_review_date.is_not(None))
        .group_by(Canvas.family_id)
    ).all()
    return {family_id: when for family_id, when in rows if when is not None}

"""The canvas (the duk itself): the centre, the life domains, the period and who took part,
saved as the conversation goes; and the whole canvas as one document, with its needs,
referrals, goals and actions.

Takes a session and an actor; never commits. Access is decided by ``app.access`` before a
function here is called; functions that change a case call ``scope.require_edit()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.access.actor import Actor
from app.access.scope import FamilyScope
from app.actions import service as action_service
from app.actions.schemas import ActionOut
from app.audit import service as audit
from app.canvases.schemas import CanvasOut, CanvasPatch, DomainOut, PeriodOut
from app.catalogue import template_store
from app.db import utcnow
from app.goals import service as goal_service
from app.goals.schemas import GoalOut
from app.kit.concurrency import check_version
from app.kit.errors import Conflict, FieldError, Invalid, PreconditionFailed
from app.models import (
    Canvas,
    CanvasDomain,
    Need,
    Plan,
    Referral,
    Service,
    Unit,
)
from app.models.enums import (
    AuditAction,
    CanvasStatus,
    NeedStatus,
    PlanStatus,
    ReferralStatus,
    UnitLevel,
)
from app.needs import service as need_service
from app.needs.schemas import NeedOut, ReferralOut

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


class ConversationInProgress(Conflict):
    """The family has a duk in progress, and a second, empty one was not asked for."""


def create_canvas(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    template_key: str,
    *,
    beside_one_in_progress: bool = True,
) -> Canvas:
    """A new, empty duk. With ``beside_one_in_progress=False`` (the family page, where one tap
    too many would leave the family with two duks) it is refused while one is in progress; the
    API creates what its caller asks for."""
    scope.require_edit()
    if not beside_one_in_progress and in_progress(session, scope.family.id) is not None:
        raise ConversationInProgress("The family has a conversation in progress.")
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


def in_progress(session: Session, family_id: uuid.UUID) -> Canvas | None:
    """The family's newest duk still in progress (a draft), the one to continue."""
    return session.scalars(
        select(Canvas)
        .where(Canvas.family_id == family_id, Canvas.status == CanvasStatus.draft)
        .order_by(Canvas.created_at.desc(), Canvas.id)
        .limit(1)
    ).first()


def load_canvas(session: Session, canvas_id: uuid.UUID) -> Canvas | None:
    return session.scalar(
        select(Canvas).where(Canvas.id == canvas_id).options(selectinload(Canvas.domains))
    )


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
    template = template_store.template_of(session, canvas)
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
                errors += template_store.indicator_errors(
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


# The domains read as rows of columns, not as ORM objects: the document is only turned into
# its schema, and loading them all into the session was a share of the canvas page's time
# (bench/tablet.py --profile). Built once, with the canvas as a parameter.
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


def canvas_document(
    session: Session, canvas: Canvas, *, include_erroneous: bool = False
) -> CanvasOut:
    """The whole canvas, as the API gives it and a plan freezes it: without the needs, goals,
    actions and referrals entered in error, unless ``include_erroneous`` (the family's export,
    which holds everything)."""
    template = template_store.template_of(session, canvas)
    erroneous = {"include_erroneous": include_erroneous}
    needs = need_service.needs_of(session, canvas.id, **erroneous)
    referrals = need_service.referrals_of(session, canvas.id, **erroneous)
    goals = goal_service.goals_of(session, canvas.id, **erroneous)
    actions = action_service.actions_of(session, canvas.id, **erroneous)
    if not include_erroneous:
        actions = _links_to_standing(actions, needs, goals, referrals)
    return CanvasOut(
        id=canvas.id,
        family_id=canvas.family_id,
        template_key=template.key,
        template_version=template.version,
        status=canvas.status,
        version=canvas.version,
        centre={"what_matters": canvas.what_matters},
        domains={
            d.domain_key: DomainOut.model_validate(d)
            for d in session.execute(_DOMAIN_ROWS, {"canvas_id": canvas.id})
        },
        participants=list(canvas.participants),
        period=PeriodOut(from_=canvas.period_from, to=canvas.period_to),
        next_review_date=canvas.next_review_date,
        needs=needs,
        referrals=referrals,
        goals=goals,
        actions=actions,
        updated_at=canvas.updated_at,
    )


def _links_to_standing(
    actions: list[ActionOut],
    needs: list[NeedOut],
    goals: list[GoalOut],
    referrals: list[ReferralOut],
) -> list[ActionOut]:
    """The actions with their links to needs, goals and referrals entered in error left out:
    an action serving a need that never was still serves the others."""
    need_ids = {n.id for n in needs}
    goal_ids = {g.id for g in goals}
    referral_ids = {r.id for r in referrals}
    linked: list[ActionOut] = []
    for action in actions:
        need_links = [i for i in action.need_ids if i in need_ids]
        goal_links = [i for i in action.goal_ids if i in goal_ids]
        referral_id = action.referral_id if action.referral_id in referral_ids else None
        changed = (
            len(need_links) != len(action.need_ids)
            or len(goal_links) != len(action.goal_ids)
            or referral_id != action.referral_id
        )
        standing = {"need_ids": need_links, "goal_ids": goal_links, "referral_id": referral_id}
        linked.append(action.model_copy(update=standing) if changed else action)
    return linked


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
    """The services around the family: every referral on the canvas that still stands, with its
    service and provider (external ones too). A cancelled one, and one of a need entered in
    error, is no service around the family; the needs page keeps them."""
    rows = session.execute(
        select(Referral, Need.domain, Service.name, Service.level, Unit.name)
        .join(Need, Need.id == Referral.need_id)
        .outerjoin(Service, Service.id == Referral.service_id)
        .outerjoin(Unit, Unit.id == Service.provider_unit_id)
        .where(
            Need.canvas_id == canvas.id,
            Need.status == NeedStatus.active,
            Referral.status != ReferralStatus.cancelled,
        )
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


def _current_canvases(
    session: Session, family_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, date | None]]:
    """Per family, the canvas it is followed up on and that canvas's next review date: the
    canvas its plan in force was made from, or, with no plan in force, its newest. A second
    duk started while a plan is in force is a draft of the next plan: until that plan is
    agreed, the family meets the team on the dates of the one it lives by. Two queries,
    however many families."""
    ids = list(family_ids)
    if not ids:
        return {}
    canvases: dict[uuid.UUID, tuple[uuid.UUID, date | None]] = {}
    newest: dict[uuid.UUID, uuid.UUID] = {}
    # Oldest first, so the newest stays (ties as family_canvases breaks them: lowest id first).
    for family_id, canvas_id, next_review in session.execute(
        select(Canvas.family_id, Canvas.id, Canvas.next_review_date)
        .where(Canvas.family_id.in_(ids))
        .order_by(Canvas.created_at, Canvas.id.desc())
    ):
        canvases[canvas_id] = (family_id, next_review)
        newest[family_id] = canvas_id
    # One plan at most is in force per family (activating one supersedes the others).
    for family_id, canvas_id in session.execute(
        select(Plan.family_id, Plan.canvas_id).where(
            Plan.family_id.in_(ids), Plan.status == PlanStatus.active
        )
    ):
        newest[family_id] = canvas_id
    return {family_id: (c, canvases[c][1]) for family_id, c in newest.items()}


def current_canvas(session: Session, family_id: uuid.UUID) -> Canvas | None:
    """The canvas the family is followed up on (see _current_canvases)."""
    current = _current_canvases(session, [family_id]).get(family_id)
    return None if current is None else session.get(Canvas, current[0])


def next_reviews(session: Session, family_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, date]:
    """The next review date of each family that has one: the one set on the canvas it is
    followed up on. An older canvas's date is history, not a review still to come."""
    return {
        family_id: next_review
        for family_id, (_, next_review) in _current_canvases(session, family_ids).items()
        if next_review is not None
    }


def set_next_review_date(
    session: Session, actor: Actor, scope: FamilyScope, canvas: Canvas, when: date
) -> Canvas:
    """Move the canvas's next review (a follow-up meeting agreed on one). The canvas row is
    locked and written through the same versioned save as every edit: its version moves on,
    so a tablet that still holds the canvas at the version before gets 412 on its next save
    and merges, instead of writing its older date over this one or losing its own edit."""
    locked = session.scalars(
        select(Canvas)
        .where(Canvas.id == canvas.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    patch = CanvasPatch.model_validate({"next_review_date": when.isoformat()})
    return patch_canvas(session, actor, scope, locked, patch, locked.version)

"""What the inbox is made of: the rows each kind of item comes from, read in a fixed handful
of queries per request, and each family as the asker sees it now."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import FamilyAccess, family_access
from app.access.scope import consent_in_force
from app.models import Action, Consent, Family, FamilyMessage, Plan, PlanReview
from app.models.enums import (
    ActionStatus,
    FamilyStatus,
    PlanStatus,
    ReviewStatus,
)
from app.readings import service as reading_service

DUE_SOON = timedelta(days=7)
RECENTLY_ACTIVE = timedelta(days=30)
CONSENT_WARNING = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Seen:
    """A family as this actor sees it now, with the units the actor acts for in it."""

    family: Family
    access: FamilyAccess
    consented_units: frozenset[uuid.UUID]  # the actor's units with an active consent
    is_plan_lead: bool

    @property
    def acting_units(self) -> frozenset[uuid.UUID]:
        """The actor's units that may work on the family's actions: consented units, and on
        the lead side the plan lead's own unit."""
        if self.access is FamilyAccess.lead_side:
            return self.consented_units | {self.family.lead_unit_id}
        return self.consented_units


# --- the rows each kind of item comes from ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rows:
    pending_reviews: Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID, int, datetime]]
    changes: Sequence[tuple[PlanReview, uuid.UUID, int]]
    active_plans: Sequence[tuple[uuid.UUID, uuid.UUID, int, datetime | None, uuid.UUID | None]]
    actions: Sequence[Action]
    consents: Sequence[Consent]
    # The reviews due within the week or overdue, of the families the actor leads.
    reviews: Mapping[uuid.UUID, reading_service.NextReview]
    # Per family the actor leads: how many messages from the family are unread, the newest when.
    messages: Sequence[tuple[uuid.UUID, int, datetime]]

    def family_ids(self) -> set[uuid.UUID]:
        ids = {row[2] for row in self.pending_reviews}
        ids |= {row[1] for row in self.changes}
        ids |= {row[1] for row in self.active_plans}
        ids |= {a.family_id for a in self.actions}
        ids |= {c.family_id for c in self.consents}
        ids |= set(self.reviews)
        ids |= {row[0] for row in self.messages}
        return ids

    def unit_ids(self) -> set[uuid.UUID]:
        ids = {row[1] for row in self.pending_reviews}
        ids |= {review.unit_id for review, _, _ in self.changes}
        ids |= {a.responsible_unit_id for a in self.actions if a.responsible_unit_id}
        ids |= {c.unit_id for c in self.consents}
        return ids


def load_rows(session: Session, actor: Actor, now: datetime, today: date) -> Rows:
    my_units = actor.unit_ids
    led = select(Family.id).where(Family.plan_lead_id == actor.user_id)
    pending = session.execute(
        select(
            PlanReview.plan_id, PlanReview.unit_id, Plan.family_id, Plan.number, Plan.submitted_at
        )
        .join(Plan, Plan.id == PlanReview.plan_id)
        .where(
            PlanReview.unit_id.in_(my_units),
            PlanReview.status == ReviewStatus.pending,
            Plan.status == PlanStatus.in_review,
        )
    ).all()
    changes = session.execute(
        select(PlanReview, Plan.family_id, Plan.number)
        .join(Plan, Plan.id == PlanReview.plan_id)
        .where(
            Plan.family_id.in_(led),
            Plan.status == PlanStatus.in_review,
            PlanReview.status == ReviewStatus.changes_requested,
        )
    ).all()
    asked_of_mine = select(PlanReview.plan_id).where(PlanReview.unit_id.in_(my_units))
    active = session.execute(
        select(Plan.id, Plan.family_id, Plan.number, Plan.activated_at, PlanReview.unit_id)
        .outerjoin(
            PlanReview, and_(PlanReview.plan_id == Plan.id, PlanReview.unit_id.in_(my_units))
        )
        .where(
            Plan.status == PlanStatus.active,
            Plan.activated_at >= now - RECENTLY_ACTIVE,
            or_(Plan.family_id.in_(led), Plan.id.in_(asked_of_mine)),
        )
    ).all()
    actions = session.scalars(
        select(Action).where(
            Action.status.in_((ActionStatus.planned, ActionStatus.in_progress)),
            Action.due_date.is_not(None),
            Action.due_date <= today + DUE_SOON,
            or_(Action.family_id.in_(led), Action.responsible_unit_id.in_(my_units)),
        )
    ).all()
    consents = session.scalars(
        select(Consent).where(
            Consent.family_id.in_(led),
            consent_in_force(now),
            Consent.expires_at <= now + CONSENT_WARNING,
        )
    ).all()
    led_active = session.scalars(
        select(Family.id).where(
            Family.plan_lead_id == actor.user_id, Family.status == FamilyStatus.active
        )
    ).all()
    reviews = {
        family_id: review
        for family_id, review in reading_service.next_reviews(session, led_active, today).items()
        if review.state
        in (reading_service.ReviewState.due_soon, reading_service.ReviewState.overdue)
    }
    messages = session.execute(
        select(FamilyMessage.family_id, func.count(), func.max(FamilyMessage.created_at))
        .where(FamilyMessage.family_id.in_(led), FamilyMessage.read_at.is_(None))
        .group_by(FamilyMessage.family_id)
    ).all()
    return Rows(
        pending_reviews=pending,
        changes=changes,
        active_plans=active,
        actions=actions,
        consents=consents,
        reviews=reviews,
        messages=[(family_id, count, newest) for family_id, count, newest in messages],
    )


def seen_families(
    session: Session, actor: Actor, family_ids: set[uuid.UUID], now: datetime
) -> dict[uuid.UUID, Seen]:
    """The families among ``family_ids`` the actor may see now, decided by the access rules
    (DESIGN §4) with every family's consents fetched in one query."""
    if not family_ids:
        return {}
    families = session.scalars(
        select(Family).where(Family.id.in_(family_ids), Family.status == FamilyStatus.active)
    ).all()
    consented: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    if actor.unit_ids:
        for family_id, unit_id in session.execute(
            select(Consent.family_id, Consent.unit_id).where(
                Consent.family_id.in_(family_ids),
                Consent.unit_id.in_(actor.unit_ids),
                consent_in_force(now),
            )
        ):
            consented[family_id].add(unit_id)
    seen: dict[uuid.UUID, Seen] = {}
    for family in families:
        access = family_access(
            actor,
            plan_lead_id=family.plan_lead_id,
            lead_unit_id=family.lead_unit_id,
            consented_unit_ids=consented[family.id],
        )
        if access is FamilyAccess.none:
            continue
        seen[family.id] = Seen(
            family=family,
            access=access,
            consented_units=frozenset(consented[family.id]),
            is_plan_lead=family.plan_lead_id == actor.user_id,
        )
    return seen


def plans_for_canvases(
    session: Session, canvas_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The newest plan in review or in force on each canvas: where a reviewer reads it."""
    wanted = set(canvas_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Plan.canvas_id, Plan.id)
        .where(
            Plan.canvas_id.in_(wanted),
            Plan.status.in_((PlanStatus.in_review, PlanStatus.active)),
        )
        .order_by(Plan.number)
    ).all()
    # Ordered by number: the newest plan of a canvas is the one that stays in the dict.
    return dict(rows)


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)

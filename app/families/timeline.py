"""The family's timeline: one list, newest first, of what happened in its case. Plans and their
reviews, every status change of actions and referrals, consents, handovers and readings, each
with who did it, for which unit, and the ids of the records it is about.

Everything here is already kept by the rooms that write it (Plan, PlanReview, ActionEvent,
ReferralEvent, Consent, PlanLeadChange, Reading); the timeline only reads and names it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.access.actor import Actor
from app.access.scope import FamilyScope
from app.audit import service as audit
from app.corrections import service as correction_service
from app.families.schemas import NamedRef, TimelineEntry, TimelineKind
from app.models import (
    Action,
    ActionEvent,
    Consent,
    Family,
    FamilyMember,
    Goal,
    Need,
    Plan,
    PlanLeadChange,
    Reading,
    Referral,
    ReferralEvent,
    Service,
    Unit,
    User,
    user_unit,
)
from app.models.enums import AuditAction, CorrectedRecord, ReviewStatus

K = TimelineKind


class _Names:
    """Display names of the people and units the entries mention, loaded in three queries."""

    def __init__(self, session: Session, family: Family, entries: list[TimelineEntry]) -> None:
        self.family = family
        user_ids = {e.actor.id for e in entries if e.actor}
        for e in entries:
            user_ids |= {lead.id for lead in (e.from_lead, e.to_lead) if lead}
        self.users: dict[uuid.UUID, str] = dict(
            session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
        )
        # Acts of the lead side keep no unit of their own: the person's unit stands in for it.
        self.units_of: dict[uuid.UUID, list[uuid.UUID]] = {}
        for user_id, unit_id in session.execute(
            select(user_unit.c.user_id, user_unit.c.unit_id).where(
                user_unit.c.user_id.in_(user_ids)
            )
        ):
            self.units_of.setdefault(user_id, []).append(unit_id)
        unit_ids = {u.id for e in entries for u in (e.actor_unit, e.unit) if u}
        unit_ids |= {i for ids in self.units_of.values() for i in ids}
        self.units: dict[uuid.UUID, str] = dict(
            session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()
        )

    def person(self, ref: NamedRef | None) -> NamedRef | None:
        return None if ref is None else NamedRef(id=ref.id, name=self.users.get(ref.id, ""))

    def unit(self, ref: NamedRef | None) -> NamedRef | None:
        return None if ref is None else NamedRef(id=ref.id, name=self.units.get(ref.id, ""))

    def unit_of(self, user_id: uuid.UUID) -> NamedRef | None:
        units = self.units_of.get(user_id, [])
        if not units:
            return None
        chosen = (
            self.family.lead_unit_id
            if self.family.lead_unit_id in units
            else min(units, key=lambda u: self.units.get(u, ""))
        )
        return NamedRef(id=chosen, name="")

    def fill(self, entry: TimelineEntry) -> TimelineEntry:
        actor_unit = entry.actor_unit
        if actor_unit is None and entry.actor is not None:
            actor_unit = self.unit_of(entry.actor.id)
        return entry.model_copy(
            update={
                "actor": self.person(entry.actor),
                "actor_unit": self.unit(actor_unit),
                "unit": self.unit(entry.unit),
                "from_lead": self.person(entry.from_lead),
                "to_lead": self.person(entry.to_lead),
            }
        )


def _ref(id_: uuid.UUID | None) -> NamedRef | None:
    """An id whose name is filled in later (see _Names.fill)."""
    return None if id_ is None else NamedRef(id=id_, name="")


def _plan_entries(session: Session, family_id: uuid.UUID) -> Iterator[TimelineEntry]:
    plans = session.scalars(
        select(Plan)
        .where(Plan.family_id == family_id)
        .options(selectinload(Plan.reviews))
        .order_by(Plan.number)
    ).all()
    submitted = {plan.number: plan.submitted_at for plan in plans}
    for plan in plans:
        ref = {"plan_id": plan.id, "plan_number": plan.number}
        yield TimelineEntry(
            at=plan.submitted_at,
            kind=K.plan_submitted,
            actor=_ref(plan.submitted_by_id),
            actor_unit=None,
            **ref,
        )
        for review in plan.reviews:
            if review.decided_at is None or review.status is ReviewStatus.pending:
                continue
            approved = review.status is ReviewStatus.approved
            yield TimelineEntry(
                at=review.decided_at,
                kind=K.plan_approved_by_unit if approved else K.plan_changes_requested,
                actor=_ref(review.reviewer_id),
                actor_unit=_ref(review.unit_id),
                unit=_ref(review.unit_id),
                review_id=review.id,
                reason=review.comment,
                **ref,
            )
        if plan.family_approved_at is not None:
            yield TimelineEntry(
                at=plan.family_approved_at,
                kind=K.plan_approved_by_family,
                actor=_ref(plan.family_approval_recorded_by_id),
                actor_unit=None,
                family_member=plan.family_approved_by,
                **ref,
            )
        if plan.activated_at is not None:
            yield TimelineEntry(
                at=plan.activated_at, kind=K.plan_active, actor=None, actor_unit=None, **ref
            )
        # A version replaced while in review carries no time of its own: the next one's
        # submission is when it happened.
        superseded_at = plan.superseded_at or (
            submitted.get(plan.number + 1) if plan.status.value == "superseded" else None
        )
        if superseded_at is not None:
            yield TimelineEntry(
                at=superseded_at, kind=K.plan_superseded, actor=None, actor_unit=None, **ref
            )
        if plan.closed_at is not None:
            yield TimelineEntry(
                at=plan.closed_at,
                kind=K.plan_closed,
                actor=_ref(plan.closed_by_id),
                actor_unit=None,
                outcome=plan.outcome,
                reason=plan.outcome_note,
                **ref,
            )


def _action_entries(session: Session, family_id: uuid.UUID) -> Iterator[TimelineEntry]:
    rows = session.execute(
        select(ActionEvent, Action.text, Action.responsible_unit_id)
        .join(Action, Action.id == ActionEvent.action_id)
        .where(Action.family_id == family_id)
    ).all()
    members = _member_names(session, family_id)
    for event, text, unit_id in rows:
        yield TimelineEntry(
            at=event.at,
            kind=K.action_status,
            actor=_ref(event.user_id),
            actor_unit=_ref(event.unit_id),
            unit=_ref(unit_id),
            action_id=event.action_id,
            family_member=members.get(event.member_id) if event.member_id else None,
            member_actor=members.get(event.member_id) if event.member_id else None,
            text=text,
            from_status=event.from_status.value if event.from_status else None,
            to_status=event.to_status.value,
            reason=event.reason,
        )


def _referral_entries(session: Session, family_id: uuid.UUID) -> Iterator[TimelineEntry]:
    rows = session.execute(
        select(
            ReferralEvent, Referral.external_service_name, Service.name, Service.provider_unit_id
        )
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .outerjoin(Service, Service.id == Referral.service_id)
        .where(Referral.family_id == family_id)
    ).all()
    for event, external_name, service_name, provider_id in rows:
        yield TimelineEntry(
            at=event.at,
            kind=K.referral_status,
            actor=_ref(event.user_id),
            actor_unit=_ref(event.unit_id),
            unit=_ref(provider_id),
            referral_id=event.referral_id,
            text=service_name or external_name,
            from_status=event.from_status.value if event.from_status else None,
            to_status=event.to_status.value,
            reason=event.reason,
            outcome=event.outcome.value if event.outcome else None,
        )


def _member_names(session: Session, family_id: uuid.UUID) -> dict[uuid.UUID, str]:
    return dict(
        session.execute(
            select(FamilyMember.id, FamilyMember.name).where(FamilyMember.family_id == family_id)
        ).all()
    )


def _consent_entries(session: Session, family_id: uuid.UUID) -> Iterator[TimelineEntry]:
    members = _member_names(session, family_id)
    for consent in session.scalars(select(Consent).where(Consent.family_id == family_id)):
        common = {
            "unit": _ref(consent.unit_id),
            "consent_id": consent.id,
            "family_member": consent.given_by,
            "actor_unit": None,
        }
        # Given or withdrawn by a member on the family's pages: no user did it, the member did.
        # A consent no user recorded was given there, by the member it names (kept as given_by
        # when the member has been removed from the family since).
        giver = None
        if consent.recorded_by_id is None:
            giver = consent.given_by
            if consent.given_by_member_id is not None:
                giver = members.get(consent.given_by_member_id, giver)
        yield TimelineEntry(
            at=consent.given_at,
            kind=K.consent_given,
            actor=_ref(consent.recorded_by_id),
            member_actor=giver,
            **common,
        )
        if consent.withdrawn_at is not None:
            withdrawer = None
            if consent.withdrawn_by_member_id is not None:
                withdrawer = members.get(consent.withdrawn_by_member_id)
            yield TimelineEntry(
                at=consent.withdrawn_at,
                kind=K.consent_withdrawn,
                actor=_ref(consent.withdrawn_by_id),
                member_actor=withdrawer,
                **common,
            )


def _handover_entries(session: Session, family_id: uuid.UUID) -> Iterator[TimelineEntry]:
    changes = session.scalars(select(PlanLeadChange).where(PlanLeadChange.family_id == family_id))
    for change in changes:
        yield TimelineEntry(
            at=change.at,
            kind=K.plan_lead_changed,
            actor=_ref(change.changed_by_id),
            actor_unit=None,
            unit=_ref(change.to_unit_id),
            handover_id=change.id,
            from_lead=_ref(change.from_user_id),
            to_lead=_ref(change.to_user_id),
            reason=change.note,
        )


def _reading_entries(session: Session, family_id: uuid.UUID) -> Iterator[TimelineEntry]:
    for reading in session.scalars(select(Reading).where(Reading.family_id == family_id)):
        yield TimelineEntry(
            at=reading.created_at,
            kind=K.reading_recorded,
            actor=_ref(reading.created_by_id),
            actor_unit=None,
            reading_id=reading.id,
            text=reading.taken_on.isoformat(),
            reason=reading.note,
            next_review_date=reading.next_review_date,
        )


def _correction_entries(session: Session, family_id: uuid.UUID) -> Iterator[TimelineEntry]:
    """Each correction of a need, goal, action or referral with the fields it changed, and each
    need or goal entered in error. An action entered in error is one of its status changes
    (``_action_entries``), a referral's too."""
    corrections = correction_service.family_corrections(session, family_id)
    if not corrections:
        return
    texts: dict[uuid.UUID, str] = {}
    for model in (Need, Goal, Action):
        texts.update(
            session.execute(select(model.id, model.text).where(model.family_id == family_id)).all()
        )
    services = dict(
        session.execute(
            select(Referral.id, func.coalesce(Service.name, Referral.external_service_name))
            .outerjoin(Service, Service.id == Referral.service_id)
            .where(Referral.family_id == family_id)
        ).all()
    )
    for c in corrections:
        if c.entered_in_error and c.record_type in (
            CorrectedRecord.action,
            CorrectedRecord.referral,
        ):
            continue
        ids = {f"{c.record_type.value}_id": c.record_id}
        yield TimelineEntry(
            at=c.at,
            kind=K.item_entered_in_error if c.entered_in_error else K.item_corrected,
            actor=_ref(c.by.id),
            actor_unit=_ref(c.unit.id if c.unit else None),
            record_type=c.record_type,
            changes=None if c.entered_in_error else c.changes,
            text=texts.get(c.record_id) or services.get(c.record_id),
            reason=c.reason,
            **ids,
        )


def _all_entries(session: Session, family_id: uuid.UUID) -> Iterable[TimelineEntry]:
    for source in (
        _plan_entries,
        _action_entries,
        _referral_entries,
        _consent_entries,
        _handover_entries,
        _reading_entries,
        _correction_entries,
    ):
        yield from source(session, family_id)


# Within one moment (one request), what happens first is listed below what follows from it.
_ORDER = {kind: i for i, kind in enumerate(TimelineKind)}


def timeline_entries(session: Session, family: Family) -> list[TimelineEntry]:
    """What happened in the family's case, newest first, with names filled in. Not audited:
    the caller records the read (the timeline page, or the export)."""
    entries = list(_all_entries(session, family.id))
    names = _Names(session, family, entries)
    entries.sort(key=lambda e: (e.at, _ORDER[e.kind]), reverse=True)
    return [names.fill(e) for e in entries]


def family_timeline(session: Session, actor: Actor, scope: FamilyScope) -> list[TimelineEntry]:
    scope.require_lead_side()
    entries = timeline_entries(session, scope.family)
    audit.record(session, actor, AuditAction.read, "timeline", None, family_id=scope.family_id)
    return entries

"""What becomes of a synthetic family after the first conversation: its referrals move along
their status chain, its actions get done on time, late or not at all, readings are taken at each
follow-up, and a plan is made, and perhaps closed. The odds of each step are here; the texts and
weights are data/statistics.yaml."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta

from app.db import new_id
from app.demo.data import Statistics
from app.demo.draw import Rows, daytime, weighted
from app.models import (
    Action,
    ActionEvent,
    Canvas,
    Family,
    Need,
    Plan,
    Reading,
    Referral,
    ReferralEvent,
    User,
)
from app.models.enums import ActionStatus, PlanStatus, ReferralOutcome, ReferralStatus


def _referral_chain(end: ReferralStatus) -> list[ReferralStatus]:
    chain = [ReferralStatus.proposed]
    if end in (ReferralStatus.proposed, ReferralStatus.cancelled):
        return chain + ([end] if end is ReferralStatus.cancelled else [])
    chain.append(ReferralStatus.sent)
    if end is ReferralStatus.sent:
        return chain
    if end is ReferralStatus.declined:
        return chain + [end]
    chain.append(ReferralStatus.accepted)
    if end is ReferralStatus.in_progress:
        chain.append(end)
    elif end is ReferralStatus.completed:
        chain += [ReferralStatus.in_progress, end]
    return chain


class FollowUp:
    """Shares its FamilyMaker's random generator and rows: one generator, called in the same
    order, is what makes the same day give the same demo."""

    def __init__(self, data: Statistics, rng: random.Random, today: date, rows: Rows) -> None:
        self.data = data
        self.texts = data.texts
        self.rng = rng
        self.today = today
        self.rows = rows

    def referral(self, need: Need, service_id: uuid.UUID) -> Referral:
        rng = self.rng
        end = weighted(rng, self.data.referral_ends)
        at = need.created_at + timedelta(days=rng.randrange(0, 10))
        referral = Referral(
            id=new_id(),
            need_id=need.id,
            family_id=need.family_id,
            service_id=service_id,
            status=end,
            created_by_id=need.created_by_id,
            created_at=at,
        )
        if end is ReferralStatus.declined:
            declines = self.data.declines
            referral.outcome = weighted(rng, {o: d.weight for o, d in declines.items()})
            referral.reason = declines[referral.outcome].reason
        elif end is ReferralStatus.completed:
            referral.outcome = ReferralOutcome.got_help
        elif end is ReferralStatus.cancelled:
            referral.outcome = ReferralOutcome.no_longer_interested
            referral.reason = self.texts.referral_cancelled
        previous: ReferralStatus | None = None
        for step in _referral_chain(end):
            self.rows.referral_events.append(
                ReferralEvent(
                    id=new_id(),
                    referral_id=referral.id,
                    from_status=previous,
                    to_status=step,
                    reason=referral.reason if step is end and previous else None,
                    outcome=referral.outcome if step is end and previous else None,
                    user_id=need.created_by_id,
                    at=at,
                )
            )
            previous = step
            at = min(at + timedelta(days=rng.randrange(1, 20)), daytime(self.today, rng))
        referral.updated_at = at
        self.rows.referrals.append(referral)
        return referral

    def progress(self, action: Action, due: date, made: datetime, lead: User) -> None:
        """Done on time, done late, still open (overdue or not yet due), or cancelled."""
        rng = self.rng
        roll = rng.random()
        finished: date | None = None
        if roll < 0.5:
            finished = due - timedelta(days=rng.randrange(0, max(1, (due - made.date()).days)))
        elif roll < 0.72:
            finished = due + timedelta(days=rng.randrange(1, 40))
        elif roll < 0.76:
            action.status = ActionStatus.cancelled
            action.cancel_reason = self.texts.action_cancelled
        elif roll < 0.88:
            action.status = ActionStatus.in_progress
        if finished is not None and finished < self.today:
            action.status = ActionStatus.done
            action.updated_at = daytime(finished, rng)
        elif finished is not None:
            action.status = ActionStatus.in_progress
        if action.status is not ActionStatus.planned:
            self.rows.action_events.append(
                ActionEvent(
                    id=new_id(),
                    action_id=action.id,
                    from_status=ActionStatus.planned,
                    to_status=action.status,
                    reason=action.cancel_reason,
                    user_id=lead.id,
                    at=max(action.updated_at, made),
                )
            )
            if action.status is not ActionStatus.done:
                action.updated_at = max(action.updated_at, made)

    def readings(self, family: Family, canvas: Canvas, lead: User) -> None:
        """Reading 1 from the canvas, then one at each follow-up (about every three months),
        mostly better, sometimes not."""
        rng = self.rng
        scores: dict[str, dict[str, int]] = {
            d.domain_key: {"family": d.family_score, "worker": d.worker_score or d.family_score}
            for d in canvas.domains
            if d.family_score is not None
        }
        taken = canvas.created_at.date()
        number = 1
        while True:
            self.rows.readings.append(
                Reading(
                    id=new_id(),
                    family_id=family.id,
                    canvas_id=canvas.id,
                    number=number,
                    taken_on=taken,
                    scores={k: dict(v) for k, v in scores.items()},
                    created_by_id=lead.id,
                    created_at=daytime(taken, rng),
                )
            )
            taken += timedelta(days=rng.randrange(70, 120))
            if taken >= self.today or number >= 5:
                return
            number += 1
            for value in scores.values():
                for who in ("family", "worker"):
                    step = rng.choice((-1, -1, 0, 0, 0, 1, 1, 1, 2))
                    value[who] = max(1, min(10, value[who] + step))

    def plan(self, family: Family, canvas: Canvas, lead: User, started: date) -> None:
        rng = self.rng
        submitted = daytime(started + timedelta(days=rng.randrange(7, 21)), rng)
        plan = Plan(
            id=new_id(),
            family_id=family.id,
            canvas_id=canvas.id,
            number=1,
            status=PlanStatus.active,
            content={},
            submitted_by_id=lead.id,
            submitted_at=submitted,
            family_approved_by=self.texts.parent,
            family_approved_at=submitted,
            family_approval_recorded_by_id=lead.id,
            activated_at=submitted,
        )
        age = (self.today - started).days
        roll = rng.random()
        if age > 200 and roll < 0.35:
            plan.status = PlanStatus.closed
            plan.closed_at = daytime(
                min(
                    self.today - timedelta(days=1),
                    started + timedelta(days=rng.randrange(150, age)),
                ),
                rng,
            )
            plan.closed_by_id = lead.id
            plan.outcome = weighted(rng, self.data.closing_outcomes).value
            plan.outcome_note = self.texts.plan_closed
        elif roll > 0.93:
            plan.status = PlanStatus.in_review
            plan.family_approved_by = None
            plan.family_approved_at = None
            plan.family_approval_recorded_by_id = None
            plan.activated_at = None
        self.rows.plans.append((plan, canvas, lead))

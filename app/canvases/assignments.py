"""The live actions and referrals assigned to the asker's units: what a unit with the family's
consent works on (DESIGN §4.1). It sees their status as it is now, not as a plan version froze
it, so it can report on them; nothing else of the live case comes with them, and only items a
submitted plan holds (or referrals sent to it), never a draft."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import FamilyAccess
from app.access.scope import FamilyScope, acting_units
from app.access.shared import shared_item_ids
from app.actions import service as action_service
from app.audit import service as audit
from app.canvases.schemas import AssignedOut
from app.models import Action, Need, Referral, Service
from app.models.enums import (
    ActionStatus,
    AuditAction,
    ReferralOutcome,
    ReferralStatus,
    ResponsibleKind,
)
from app.needs import service as need_service


def assigned_work(
    session: Session, actor: Actor, scope: FamilyScope, *, canvas_id: uuid.UUID | None = None
) -> AssignedOut:
    """The family's live actions and referrals assigned to the actor's acting units (of one
    canvas when ``canvas_id`` is given), oldest first."""
    units = acting_units(session, actor, scope)
    family_id = scope.family.id
    if not units:
        return AssignedOut(actions=[], referrals=[])
    action_query = select(Action).where(
        Action.family_id == family_id,
        Action.responsible_kind == ResponsibleKind.unit,
        Action.responsible_unit_id.in_(units),
    )
    referral_query = (
        select(Referral, Service.provider_unit_id)
        .join(Service, Service.id == Referral.service_id)
        .where(Referral.family_id == family_id, Service.provider_unit_id.in_(units))
    )
    if canvas_id is not None:
        action_query = action_query.where(Action.canvas_id == canvas_id)
        referral_query = referral_query.join(Need, Need.id == Referral.need_id).where(
            Need.canvas_id == canvas_id
        )
    actions = session.scalars(action_query.order_by(Action.created_at, Action.id)).all()
    referrals: list[tuple[Referral, uuid.UUID]] = [
        (r, unit)
        for r, unit in session.execute(referral_query.order_by(Referral.created_at, Referral.id))
    ]
    if scope.access is not FamilyAccess.lead_side:
        # What the family shared: items in a submitted plan version, and referrals that have
        # been sent to the unit. A draft written since the last version is not shared yet, and
        # an item entered in error never was part of the plan (DESIGN §3, Corrections).
        shared_actions, shared_referrals = shared_item_ids(session, [family_id])
        actions = [
            a
            for a in actions
            if str(a.id) in shared_actions and a.status is not ActionStatus.entered_in_error
        ]
        referrals = [
            (r, unit)
            for r, unit in referrals
            if (str(r.id) in shared_referrals or r.status is not ReferralStatus.proposed)
            and r.outcome is not ReferralOutcome.entered_in_error
        ]
    links = action_service.action_links(session, [a.id for a in actions])
    audit.record(
        session, actor, AuditAction.read, "action", None, family_id=family_id, purpose="assigned"
    )
    return AssignedOut(
        actions=[action_service.action_out(a, *links[a.id]) for a in actions],
        referrals=[need_service.referral_out(r, provider) for r, provider in referrals],
    )

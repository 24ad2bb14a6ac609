"""The access rules of DESIGN §4 as pure functions. Every endpoint decides through these.

A family's records are visible to (1) its plan lead and (2) caseworkers of the plan lead's unit
(the lead side). (3) A unit with an active consent from the family sees what the family agreed
to share, the plan, and no more (need to know): the family's display name, the submitted plan
versions as they were frozen (without the worker's scores and the statistics-only codes), its
review, and the live actions and referrals assigned to it, whose status it may update. The live
canvas, needs not in a plan, readings, consents and the case history do not exist for it.
Coordinators and admins never see case content. Everyone else is told the record does not exist.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable

from app.access.actor import Actor
from app.models.enums import Role


class FamilyAccess(enum.Enum):
    none = "none"
    consented = "consented"
    lead_side = "lead_side"


class Reach(enum.Enum):
    """How much of a family a request needs to see. Every loader of a family's record is told
    which, so a route cannot forget to ask (DESIGN §4.1)."""

    # What a consent shares: the family's display name, its submitted plan versions, reviews,
    # and the actions and referrals assigned to the consented unit.
    plan = "plan"
    # The live case: the canvas and its domains, needs, goals, readings, consents, the case
    # history. The lead side only; for a consented unit it does not exist (404).
    case = "case"


CASE_ROLES = frozenset({Role.caseworker, Role.reviewer})


def family_access(
    actor: Actor,
    *,
    plan_lead_id: uuid.UUID,
    lead_unit_id: uuid.UUID,
    consented_unit_ids: Iterable[uuid.UUID],
) -> FamilyAccess:
    if actor.role not in CASE_ROLES:
        return FamilyAccess.none
    if plan_lead_id == actor.user_id:
        return FamilyAccess.lead_side
    if actor.role is Role.caseworker and lead_unit_id in actor.unit_ids:
        return FamilyAccess.lead_side
    if actor.unit_ids.intersection(consented_unit_ids):
        return FamilyAccess.consented
    return FamilyAccess.none


def can_read(access: FamilyAccess) -> bool:
    return access is not FamilyAccess.none


def can_reach(access: FamilyAccess, reach: Reach) -> bool:
    """Whether a family seen with ``access`` holds what a request of ``reach`` needs."""
    if reach is Reach.case:
        return access is FamilyAccess.lead_side
    return can_read(access)


def sees_live_assignment(
    actor: Actor, access: FamilyAccess, assigned_unit_id: uuid.UUID | None
) -> bool:
    """A live action or referral: the lead side sees every one; a consented unit only those
    assigned to one of its own units."""
    if access is FamilyAccess.lead_side:
        return True
    return access is FamilyAccess.consented and assigned_unit_id in actor.unit_ids


def can_edit_case(access: FamilyAccess) -> bool:
    """Create and change the family's canvas, needs, goals, actions, consents and plans."""
    return access is FamilyAccess.lead_side


def can_update_assigned(
    actor: Actor, access: FamilyAccess, assigned_unit_id: uuid.UUID | None
) -> bool:
    """Status of an action or referral: the lead side, or a consented member of its unit."""
    if access is FamilyAccess.lead_side:
        return True
    return (
        access is FamilyAccess.consented
        and assigned_unit_id is not None
        and assigned_unit_id in actor.unit_ids
    )


def can_create_family(actor: Actor) -> bool:
    return actor.role is Role.caseworker and bool(actor.units)


def can_steward_family(actor: Actor, access: FamilyAccess) -> bool:
    """The acts on the family itself rather than its case: erasing it (DESIGN §8) and handing
    it over to another plan lead (DESIGN §4.6). The plan lead's side, or an admin."""
    return access is FamilyAccess.lead_side or actor.role is Role.admin


def can_list_families(actor: Actor) -> bool:
    return actor.role in CASE_ROLES


def can_read_reports(actor: Actor) -> bool:
    return actor.role is Role.coordinator


def can_manage_users(actor: Actor) -> bool:
    """The system owner links users to the identity provider (DESIGN §2); no one else."""
    return actor.role is Role.admin


def can_record_barrier(actor: Actor) -> bool:
    return actor.role is Role.caseworker


def can_list_barriers(actor: Actor) -> bool:
    """Caseworkers see the barriers they wrote; coordinators see them all."""
    return actor.role in (Role.caseworker, Role.coordinator)


def can_decide_barrier(actor: Actor) -> bool:
    """A coordinator approves each barrier text before it appears in any report."""
    return actor.role is Role.coordinator


def can_use_review_queue(actor: Actor) -> bool:
    return actor.role in CASE_ROLES


def reviewing_units(
    actor: Actor,
    access: FamilyAccess,
    asked_unit_ids: Iterable[uuid.UUID],
    consented_unit_ids: Iterable[uuid.UUID],
) -> frozenset[uuid.UUID]:
    """The units an actor decides a plan review for: the asked units the actor belongs to that
    still have the family's consent. Never the plan lead's side: nobody approves their own
    plan."""
    if access is not FamilyAccess.consented:
        return frozenset()
    return actor.unit_ids.intersection(asked_unit_ids).intersection(consented_unit_ids)

"""What the family's own pages show and do (DESIGN §12), for a family member signed in
through ID-porten. A member sees only their own family: every record is loaded through the
visitor's family, and one of another family does not exist (404). Of the plan they see what
the family agreed to share with the services, the plan as submitted: not the worker's scores,
not the statistics-only codes (app/access/shared.py's whitelist). Every read and write is
audited, with the member as who.

A child's data is shown to the adults who have parental responsibility (DESIGN §12): a need,
goal or action that concerns a child (``concerns_member_id``, recorded by the plan lead) is
shown only to the members with parental responsibility and to the child themself; not to
another adult (an adult sibling, a step-parent without it) nor to another child. An item of an
adult member is the family's, as one of nobody in particular is. ``hidden_items`` decides it,
here and nowhere else; every page that shows plan items, the member's own actions and "who has
seen our data" ask it.

Who decides for the family (a consent, the plan's approval) follows from the same law: those
with parental responsibility, for a plan that holds a child's item. ``may_decide_for_the_family``
decides it, and the pages and their templates ask it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.actor import Visitor
from app.access.policy import FamilyAccess
from app.access.scope import FamilyScope
from app.access.shared import shared_plan_content
from app.actions import service as action_service
from app.audit import service as audit
from app.audit.service import TrailSummary
from app.consents import service as consent_service
from app.db import utcnow
from app.kit.errors import NotFound
from app.kit.i18n import local_today
from app.models import Action, Consent, Family, FamilyMember, Goal, Need, Plan, PlanReview, Unit
from app.models.enums import AuditAction, PlanStatus
from app.plans import service as plan_service
from app.plans.schemas import PlanOut

# Which version the family's pages show: the one in force, else the one waiting for them.
_SHOWN_FIRST = (PlanStatus.active, PlanStatus.in_review)


def family_scope(session: Session, visitor: Visitor) -> FamilyScope:
    """The visitor's own family, as the family's pages see it: what a consent shares (the
    plan as submitted), and nothing of the live case."""
    family = session.get(Family, visitor.family_id)
    if family is None:
        raise NotFound("No such family.")
    return FamilyScope(family, FamilyAccess.consented)


def shown_plan(session: Session, visitor: Visitor) -> Plan | None:
    """The plan version the family's pages show: in force, else waiting for the family's
    approval; None before a plan is submitted or after the last one closed."""
    return plan_shown_to(session, visitor.family_id)


def plan_shown_to(session: Session, family_id: uuid.UUID) -> Plan | None:
    """The plan version the family's own pages show the family (``shown_plan``), also on the
    caseworker's tablet in family mode."""
    plans = session.scalars(
        select(Plan)
        .where(Plan.family_id == family_id, Plan.status.in_(_SHOWN_FIRST))
        .order_by(Plan.number.desc())
    ).all()
    for status in _SHOWN_FIRST:
        for plan in plans:
            if plan.status is status:
                return plan
    return None


def own_plan(session: Session, visitor: Visitor, plan_id: object) -> Plan:
    """A plan version of the visitor's own family, or 404 as for one that does not exist."""
    plan = session.get(Plan, plan_id)
    if plan is None or plan.family_id != visitor.family_id:
        raise NotFound("No such plan.")
    return plan


def record_read(
    session: Session, visitor: Visitor, record_type: str, record_id: object, purpose: str
) -> None:
    audit.record(
        session,
        visitor,
        AuditAction.read,
        record_type,
        str(record_id) if record_id is not None else None,
        family_id=visitor.family_id,
        purpose=purpose,
    )


def consents_in_force(session: Session, visitor: Visitor) -> list[tuple[Consent, str]]:
    """The family's consents in force, each with the name of the unit it shares the plan
    with; the read is audited."""
    now = utcnow()
    consents = [
        c
        for c in session.scalars(
            select(Consent)
            .where(Consent.family_id == visitor.family_id)
            .order_by(Consent.given_at, Consent.id)
        )
        if c.is_active(now)
    ]
    units = consent_service.units_by_id(session, [c.unit_id for c in consents])
    record_read(session, visitor, "consent", None, "family_door")
    return [(c, units[c.unit_id].name) for c in consents]


def own_consent(session: Session, visitor: Visitor, consent_id: object) -> tuple[Consent, str]:
    """A consent of the visitor's own family still in force, with its unit's name; else 404."""
    consent = session.get(Consent, consent_id)
    if consent is None or consent.family_id != visitor.family_id or not consent.is_active(utcnow()):
        raise NotFound("No such consent.")
    unit = consent_service.units_by_id(session, [consent.unit_id])[consent.unit_id]
    return consent, unit.name


def proposed_units(session: Session, visitor: Visitor) -> list[Unit]:
    """The units the plan lead proposed to share the plan with: those responsible for actions
    in the plan waiting or in force (the units asked to review it), with no consent in force.
    A unit asked only for a child's actions the visitor may not see is not proposed to them:
    its name would tell what the plan hides."""
    plan = shown_plan(session, visitor)
    if plan is None:
        return []
    asked = set(session.scalars(select(PlanReview.unit_id).where(PlanReview.plan_id == plan.id)))
    hidden = hidden_ids(session, visitor, [plan.content])
    if hidden:
        asked &= {
            uuid.UUID(str(action["responsible"]["unit_id"]))
            for action in plan.content.get("actions") or ()
            if isinstance(action, Mapping)
            and str(action.get("id")) not in hidden
            and isinstance(action.get("responsible"), Mapping)
            and action["responsible"].get("unit_id")
        }
    wanted = asked - consent_service.consented_units(session, visitor.family_id)
    units = consent_service.units_by_id(session, sorted(wanted))
    return sorted(units.values(), key=lambda u: u.name)


def proposed_unit(session: Session, visitor: Visitor, unit_id: object) -> Unit:
    """One of the proposed units; any other (shared already, not in the plan) is not there."""
    for unit in proposed_units(session, visitor):
        if unit.id == unit_id:
            return unit
    raise NotFound("No such unit.")


# --- a child's data: to the adults with parental responsibility, and the child -------------

# The age of majority (vergemålsloven § 2). Only the birth year is kept, so a member counts as
# a child through the year they turn 18: the safe side, as a child's item is shown to fewer
# members than an adult's, never to more.
ADULT_AGE = 18


def is_child(member: FamilyMember, year: int) -> bool:
    return member.age_in(year) <= ADULT_AGE


def _may_see(
    viewer: FamilyMember | None, concerned: str, members: Mapping[str, FamilyMember], year: int
) -> bool:
    if viewer is not None and concerned == str(viewer.id):
        return True
    member = members.get(concerned)
    if member is not None and not is_child(member, year):
        return True
    # A child's item, or one of a member no longer recorded (whose age is not known: the safe
    # side): the adults with parental responsibility only.
    return viewer is not None and viewer.parental_responsibility and not is_child(viewer, year)


def _members(session: Session, family_id: uuid.UUID) -> dict[str, FamilyMember]:
    return {
        str(m.id): m
        for m in session.scalars(select(FamilyMember).where(FamilyMember.family_id == family_id))
    }


def _concerns(
    session: Session, family_id: uuid.UUID, contents: Iterable[Mapping[str, Any]]
) -> dict[str, set[str]]:
    """The members each of the family's items concerns, by item id: as the frozen plan
    versions in ``contents`` say it, and as the live items say it now."""
    concerns: dict[str, set[str]] = {}
    for content in contents:
        for kind in ("needs", "goals", "actions"):
            for item in content.get(kind) or ():
                if isinstance(item, Mapping) and item.get("id") and item.get("concerns_member_id"):
                    concerns.setdefault(str(item["id"]), set()).add(str(item["concerns_member_id"]))
    for model in (Need, Goal, Action):
        for item_id, member_id in session.execute(
            select(model.id, model.concerns_member_id).where(
                model.family_id == family_id, model.concerns_member_id.is_not(None)
            )
        ):
            concerns.setdefault(str(item_id), set()).add(str(member_id))
    return concerns


def hidden_ids(
    session: Session, visitor: Visitor, contents: Iterable[Mapping[str, Any]] = ()
) -> frozenset[str]:
    """The ids of the family's needs, goals and actions the visitor may not see, and of the
    members whose items those are: an item is hidden when the member it concerns, as the live
    item says it or as a frozen plan version in ``contents`` does, is a child the visitor is
    not, and the visitor has no parental responsibility. Marked on the live item, it takes
    effect at once in the plan versions already submitted too."""
    members = _members(session, visitor.family_id)
    viewer = members.get(str(visitor.member_id))
    concerns = _concerns(session, visitor.family_id, contents)
    year = local_today().year
    unseen = {
        m for whom in concerns.values() for m in whom if not _may_see(viewer, m, members, year)
    }
    return frozenset({item for item, whom in concerns.items() if whom & unseen} | unseen)


# --- deciding for the family: consents and the plan's approval ------------------------------


def may_decide_for_the_family(session: Session, visitor: Visitor, plan: Plan | None) -> bool:
    """Whether the visitor may give a consent to share the family's plan, or approve ``plan``
    (DESIGN §12). Under Norwegian law a consent about a child's data is given by those with
    parental responsibility (foreldreansvar), so: an adult member with parental
    responsibility may; any other member may only when what they decide on holds no item
    concerning a child other than themself, and then decides as an adult for themselves.

    What they decide on: approving, the plan version approved. Giving a consent (``plan``
    None), everything the unit would read under it: every plan version of the family, and
    the items on the canvas already marked for a child, which the next version will carry.

    A child who signs in (16 or 17) decides for themselves (DESIGN §3) but not for a sibling,
    nor for the family when a sibling's item is in it: the stricter reading, as a child of
    16 does not hold parental responsibility for another child. Parental responsibility
    counts only for an adult, as in ``hidden_ids``. A member no longer recorded whose item
    is in the plan counts as a child (their age is not known: the safe side).

    Withdrawing a consent asks no such rule: any member who signs in may withdraw one.
    Withdrawing stops the sharing, which protects a child's data rather than gives it away;
    a member who may not give a consent may still take one back, and the plan lead can ask
    those with parental responsibility to give it again."""
    members = _members(session, visitor.family_id)
    member = members.get(str(visitor.member_id))
    if member is None:
        return False
    year = local_today().year
    if member.parental_responsibility and not is_child(member, year):
        return True
    if plan is None:
        concerns = _concerns(
            session, visitor.family_id, plan_service.family_plan_contents(session, member.family_id)
        )
    else:
        in_plan = _item_ids(plan.content)
        concerns = {
            item: whom
            for item, whom in _concerns(session, visitor.family_id, [plan.content]).items()
            if item in in_plan
        }
    concerned = {whom for whoms in concerns.values() for whom in whoms}
    return not any(
        whom != str(member.id) and (whom not in members or is_child(members[whom], year))
        for whom in concerned
    )


def _item_ids(content: Mapping[str, Any]) -> set[str]:
    return {
        str(item["id"])
        for kind in ("needs", "goals", "actions")
        for item in content.get(kind) or ()
        if isinstance(item, Mapping) and item.get("id")
    }


def plan_document(session: Session, visitor: Visitor, plan: Plan) -> PlanOut:
    """A plan version as the visitor may read it: what a consent shares (the plan as
    submitted), without the items of a child the visitor may not see, the referrals of such
    needs and the links to them."""
    out = plan_service.plan_document(session, plan, FamilyAccess.consented)
    hidden = hidden_ids(session, visitor, [plan.content])
    if not hidden:
        return out
    return out.model_copy(update={"content": shared_plan_content(out.content, hidden)})


def own_actions(session: Session, visitor: Visitor) -> Sequence[Action]:
    """The family's own actions the visitor may see, the earliest due first."""
    plan = shown_plan(session, visitor)
    hidden = hidden_ids(session, visitor, [plan.content] if plan is not None else [])
    return [
        a
        for a in action_service.family_actions(session, visitor.family_id)
        if str(a.id) not in hidden
    ]


def own_action(session: Session, visitor: Visitor, action_id: uuid.UUID) -> Action:
    """One of the family's actions the visitor may see; any other is not there (404)."""
    action = session.get(Action, action_id)
    if action is None or action.family_id != visitor.family_id:
        raise NotFound("No such action.")
    plan = shown_plan(session, visitor)
    if str(action.id) in hidden_ids(session, visitor, [plan.content] if plan else []):
        raise NotFound("No such action.")
    return action


def trail(session: Session, visitor: Visitor) -> tuple[list[TrailSummary], int]:
    """ "Who has seen our data", as the visitor may read it: which units and how many people,
    without what they did with the items of a child the visitor may not see."""
    contents = plan_service.family_plan_contents(session, visitor.family_id)
    hidden = hidden_ids(session, visitor, contents)
    summary = audit.trail_summary(session, visitor.family_id, hidden)
    return summary, audit.trail_people(session, visitor.family_id, hidden)

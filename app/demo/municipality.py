"""A demo municipality (Fredrikstad) with staff in real-looking units and a few families, made
through the same services the API uses, and a few hundred synthetic families in four
municipalities for the coordinators' reports (app/demo/statistics.py). Who and what they are is
data/municipality.yaml. Running it again changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.access.actor import Actor
from app.access.scope import scope_for
from app.accounts import service as account_service
from app.accounts.security import hash_password
from app.actions import service as action_service
from app.actions.schemas import ActionCreate, Responsible
from app.canvases import service as canvas_service
from app.canvases.schemas import CanvasPatch
from app.config import Settings
from app.consents import service as consent_service
from app.consents.schemas import ConsentCreate
from app.demo import data
from app.demo.data import DemoCanvas, DemoFamily, DemoResponsible
from app.demo.statistics import make_statistics_demo
from app.families import service as family_service
from app.goals import service as goal_service
from app.goals.schemas import GoalCreate
from app.kit.i18n import local_today
from app.models import Service, Unit, User
from app.models.enums import ResponsibleKind
from app.needs import service as need_service
from app.needs.schemas import NeedCreate, ReferralCreate
from app.plans import service as plan_service

DEMO_PASSWORD = "duk-demo-2026"

DEMO_USERS = data.municipality().users


def _units(session: Session) -> dict[str, Unit]:
    return {u.slug: u for u in session.scalars(select(Unit))}


def _service(session: Session, key: str) -> Service:
    service = session.scalar(select(Service).where(Service.key == key))
    if service is None:
        raise LookupError(f"demo needs catalogue service {key!r}: run `duk init` first")
    return service


def _actor(session: Session, username: str) -> Actor:
    user = session.scalar(
        select(User).where(User.username == username).options(selectinload(User.units))
    )
    assert user is not None
    return account_service.actor_from_user(user)


def make_demo(session: Session, settings: Settings) -> list[str]:
    if settings.env == "production":
        raise RuntimeError("the demo is refused in production")
    spec = data.municipality()
    # The demo is made in one transaction: if its first user is there, so is the rest.
    if session.scalar(select(User.id).where(User.username == spec.users[0].username)) is not None:
        return []
    for demo_unit in spec.units:
        if session.scalar(select(Unit.id).where(Unit.slug == demo_unit.slug)) is None:
            account_service.add_unit(
                session,
                slug=demo_unit.slug,
                name=demo_unit.name,
                level=demo_unit.level,
                municipality_code=demo_unit.municipality_code,
            )
    units = _units(session)
    missing = {slug for user in spec.users for slug in user.units} - set(units)
    if missing:
        raise LookupError(f"demo needs units {sorted(missing)}: run `duk init` first")
    password_hash = hash_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for user in spec.users:
        users[user.username] = account_service.add_user(
            session,
            username=user.username,
            role=user.role,
            units=[units[s] for s in user.units],
            password_hash=password_hash,
            display_name=user.display_name,
        )
    today = local_today()
    for family in spec.families:
        _make_family(session, settings, family, units, today)

    # Synthetic families in four municipalities, for the coordinators' reports.
    make_statistics_demo(
        session,
        today,
        {
            user.username: (users[user.username], units[user.units[0]])
            for user in spec.users
            if user.username.startswith("demo-")
        },
        coordinator=users["kim"],
    )
    return [f"{u.username} ({u.role.value})" for u in spec.users]


def _make_family(
    session: Session, settings: Settings, spec: DemoFamily, units: dict[str, Unit], today: date
) -> None:
    """One family as its plan lead makes it, in the order a first conversation goes: the
    canvas, needs, referrals, goals, actions, consents, and the plan sent for review."""
    lead = _actor(session, spec.lead)
    family = family_service.create_family(session, lead, spec.family, settings)
    if spec.canvas is None:
        return
    scope = scope_for(session, lead, family)
    canvas = canvas_service.create_canvas(session, lead, scope, spec.canvas.template)
    canvas_service.patch_canvas(
        session, lead, scope, canvas, _canvas_patch(spec.canvas, today), canvas.version
    )
    needs = {
        need.key: need_service.add_need(
            session,
            lead,
            scope,
            canvas,
            NeedCreate(
                domain=need.domain,
                text=need.text,
                priority=need.priority,
                indicators=list(need.indicators),
            ),
        )
        for need in spec.needs
    }
    referrals = {
        referral.key: need_service.add_referral(
            session,
            lead,
            scope,
            needs[referral.need],
            ReferralCreate(service_id=_service(session, referral.service).id),
        )
        for referral in spec.referrals
    }
    goals = {
        goal.key: goal_service.add_goal(
            session,
            lead,
            scope,
            canvas,
            GoalCreate(horizon=goal.horizon, text=goal.text, domains=list(goal.domains)),
        )
        for goal in spec.goals
    }
    for action in spec.actions:
        action_service.add_action(
            session,
            lead,
            scope,
            canvas,
            ActionCreate(
                text=action.text,
                responsible=_responsible(action.responsible, units),
                due=today + timedelta(days=action.due_in_days),
                need_ids=[needs[key].id for key in action.needs],
                goal_ids=[goals[key].id for key in action.goals],
                referral_id=referrals[action.referral].id if action.referral else None,
            ),
        )
    for consent in spec.consents:
        consent_service.add_consent(
            session,
            lead,
            scope,
            ConsentCreate(unit_id=units[consent.unit].id, given_by=consent.given_by),
        )
    if spec.submit_plan:
        plan_service.submit_plan(session, lead, scope, canvas)


def _canvas_patch(spec: DemoCanvas, today: date) -> CanvasPatch:
    """The first save of the canvas. Only what the file gives is sent: a patch changes the
    fields it names, so an absent field must stay absent rather than become null."""
    patch: dict[str, Any] = {
        "centre": {"what_matters": spec.what_matters},
        "domains": {
            key: domain.model_dump(exclude_unset=True) for key, domain in spec.domains.items()
        },
    }
    if spec.participants is not None:
        patch["participants"] = [p.model_dump(exclude_unset=True) for p in spec.participants]
    if spec.period_days is not None:
        patch["period"] = {
            "from": today.isoformat(),
            "to": (today + timedelta(days=spec.period_days)).isoformat(),
        }
    if spec.next_review_in_days is not None:
        patch["next_review_date"] = (today + timedelta(days=spec.next_review_in_days)).isoformat()
    return CanvasPatch.model_validate(patch)


def _responsible(spec: DemoResponsible, units: dict[str, Unit]) -> Responsible:
    if spec.unit is not None:
        return Responsible(kind=ResponsibleKind.unit, unit_id=units[spec.unit].id)
    return Responsible(kind=ResponsibleKind.family, member=spec.member)

"""Small typed factories that make records through the app's own services."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

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
from app.families import service as family_service
from app.families.schemas import FamilyCreate, Household
from app.goals import service as goal_service
from app.goals.schemas import GoalCreate
from app.kit.i18n import local_today
from app.members import service as member_service
from app.members.schemas import MemberCreate
from app.models import (
    Action,
    Canvas,
    Family,
    FamilyMember,
    Goal,
    Need,
    Plan,
    Referral,
    Service,
    Unit,
    User,
)
from app.models.enums import (
    GoalHorizon,
    Language,
    MemberRelation,
    ReferralStatus,
    ResponsibleKind,
    Role,
    UnitLevel,
)
from app.needs import service as need_service
from app.needs.schemas import NeedCreate, ReferralCreate, ReferralPatch
from app.plans import service as plan_service
from tests.members.numbers import fodselsnummer

PASSWORD = "correct horse battery staple"
# The world's mother: her national ID number is the `pid` ID-porten names her by.
MOR_BORN = date(1986, 4, 9)
MOR_NATIONAL_ID = fodselsnummer(MOR_BORN)
_PASSWORD_HASH = hash_password(PASSWORD)
_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def make_unit(
    session: Session,
    *,
    slug: str | None = None,
    name: str | None = None,
    level: UnitLevel = UnitLevel.municipal,
    municipality_code: str | None = "3107",
) -> Unit:
    n = _n()
    return account_service.add_unit(
        session,
        slug=slug or f"test-unit-{n}-{uuid.uuid4().hex[:6]}",
        name=name or f"Testenhet {n}",
        level=level,
        municipality_code=municipality_code,
    )


def make_user(
    session: Session,
    *,
    role: Role = Role.caseworker,
    units: list[Unit] | None = None,
    username: str | None = None,
    display_name: str | None = None,
) -> User:
    n = _n()
    return account_service.add_user(
        session,
        username=username or f"user{n}-{uuid.uuid4().hex[:6]}",
        role=role,
        units=units or [],
        password_hash=_PASSWORD_HASH,
        display_name=display_name or f"Test User {n}",
    )


def actor_of(session: Session, user: User) -> Actor:
    loaded = session.scalar(
        select(User).where(User.id == user.id).options(selectinload(User.units))
    )
    assert loaded is not None
    return account_service.actor_from_user(loaded)


def auth_headers(session: Session, user: User, settings: Settings) -> dict[str, str]:
    secret, _ = account_service.issue_token(session, user, settings)
    return {"Authorization": f"Bearer {secret}"}


def make_family(
    session: Session,
    lead: User,
    settings: Settings,
    *,
    display_name: str = "Familien Test",
    language: Language = Language.nb,
    national_id: str | None = None,
) -> Family:
    return family_service.create_family(
        session,
        actor_of(session, lead),
        FamilyCreate(
            display_name=display_name,
            municipality_code="3107",
            language=language,
            household=Household(adults=2, children_birth_years=[2014, 2018]),
            national_id=national_id,
        ),
        settings,
    )


def make_canvas(session: Session, lead: User, family: Family) -> Canvas:
    actor = actor_of(session, lead)
    return canvas_service.create_canvas(
        session, actor, scope_for(session, actor, family), "familie"
    )


def make_service(session: Session, provider: Unit, *, domains: list[str] | None = None) -> Service:
    n = _n()
    service = Service(
        key=f"test-service-{n}-{uuid.uuid4().hex[:6]}",
        name=f"Testtjeneste {n}",
        provider_unit_id=provider.id,
        level=provider.level,
        description="En tjeneste for tester.",
        domains=domains or ["bolig"],
        indicators=["bolig.trangbodd"],
        translations={},
    )
    session.add(service)
    session.flush()
    return service


def fill_canvas_for_plan(session: Session, lead: User, family: Family, canvas: Canvas) -> None:
    """Everything an individual plan needs except actions and consents."""
    actor = actor_of(session, lead)
    scope = scope_for(session, actor, family)
    today = local_today()
    canvas_service.patch_canvas(
        session,
        actor,
        scope,
        canvas,
        CanvasPatch.model_validate(
            {
                "centre": {"what_matters": "At vi har det trygt hjemme."},
                "domains": {
                    "bolig": {
                        "situation": "Vi bor trangt.",
                        "family_score": 3,
                        "strengths": "Vi holder sammen.",
                    }
                },
                "participants": [
                    {"name": "Mor", "role": "family_member"},
                    {"name": "Veileder", "role": "plan_lead"},
                ],
                "period": {
                    "from": today.isoformat(),
                    "to": (today + timedelta(days=90)).isoformat(),
                },
                "next_review_date": (today + timedelta(days=30)).isoformat(),
            }
        ),
        canvas.version,
    )


@dataclass
class World:
    """One family seen from every side of DESIGN §4.

    Unit A is the plan lead's; B has the family's consent and holds an action and a referral
    in its plan; C is an unrelated unit; D had consent and lost it when it was withdrawn.
    """

    settings: Settings
    unit_a: Unit
    unit_b: Unit
    unit_c: Unit
    unit_d: Unit
    lead: User
    same_unit: User
    other_unit: User
    consented: User
    withdrawn: User
    coordinator: User
    admin: User
    family: Family
    canvas: Canvas
    need: Need
    goal: Goal
    referral: Referral
    action: Action
    plan: Plan
    consent_b_id: uuid.UUID
    # Mor, a parent with parental responsibility and a national ID number (MOR_NATIONAL_ID):
    # the person who signs in through ID-porten to the family's own pages.
    mother: FamilyMember
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    # The session of the test the world is in (checks that make records of their own use it).
    session: Session | None = None


PERSONAS = (
    "anonymous",
    "lead",
    "same_unit",
    "other_unit",
    "consented",
    "withdrawn",
    "coordinator",
    "admin",
)


# Each persona's role (the World's docstring says which unit each belongs to).
PERSONA_ROLES = {
    "lead": Role.caseworker,
    "same_unit": Role.caseworker,
    "other_unit": Role.caseworker,
    "consented": Role.reviewer,
    "withdrawn": Role.reviewer,
    "coordinator": Role.coordinator,
    "admin": Role.admin,
}


def build_world(
    session: Session, settings: Settings, people: Mapping[str, uuid.UUID] | None = None
) -> World:
    """A new world. ``people``: users made before (with their persona's role and no unit),
    by persona, to stand in it instead of new ones; they join the world's units here."""
    unit_a = make_unit(session, name="NAV Test")
    unit_b = make_unit(session, name="Barnevern Test")
    unit_c = make_unit(session, name="Skole Test")
    unit_d = make_unit(session, name="Husbanken Test", level=UnitLevel.state)

    def person(persona: str, units: list[Unit], display_name: str | None = None) -> User:
        if people is None:
            return make_user(
                session, role=PERSONA_ROLES[persona], units=units, display_name=display_name
            )
        user = session.get(User, people[persona], options=[selectinload(User.units)])
        assert user is not None, persona
        assert user.role is PERSONA_ROLES[persona], persona
        user.units = units
        return user

    lead = person("lead", [unit_a], "Kari Lead")
    same_unit = person("same_unit", [unit_a])
    other_unit = person("other_unit", [unit_c])
    consented = person("consented", [unit_b], "Berit B")
    withdrawn = person("withdrawn", [unit_d])
    coordinator = person("coordinator", [unit_a])
    admin = person("admin", [])
    session.flush()

    family = make_family(session, lead, settings)
    canvas = make_canvas(session, lead, family)
    fill_canvas_for_plan(session, lead, family, canvas)
    actor = actor_of(session, lead)
    scope = scope_for(session, actor, family)
    need = need_service.add_need(
        session,
        actor,
        scope,
        canvas,
        NeedCreate(
            domain="bolig",
            text="Vi trenger større bolig.",
            priority=1,
            indicators=["bolig.trangbodd"],
        ),
    )
    goal = goal_service.add_goal(
        session,
        actor,
        scope,
        canvas,
        GoalCreate(horizon=GoalHorizon.short, text="Søke ny bolig.", domains=["bolig"]),
    )
    service = make_service(session, unit_b)
    referral = need_service.add_referral(
        session, actor, scope, need, ReferralCreate(service_id=service.id)
    )
    need_service.update_referral(
        session,
        actor,
        scope,
        referral,
        ReferralPatch(status=ReferralStatus.sent),
        referral.version,
    )
    action = action_service.add_action(
        session,
        actor,
        scope,
        canvas,
        ActionCreate(
            text="Barnevernet tilbyr foreldreveiledning.",
            responsible=Responsible(kind=ResponsibleKind.unit, unit_id=unit_b.id),
            due=local_today() + timedelta(days=14),
            need_ids=[need.id],
            goal_ids=[goal.id],
        ),
    )
    consent_b = consent_service.add_consent(
        session, actor, scope, ConsentCreate(unit_id=unit_b.id, given_by="Mor")
    )
    consent_d = consent_service.add_consent(
        session, actor, scope, ConsentCreate(unit_id=unit_d.id, given_by="Mor")
    )
    consent_service.withdraw_consent(session, actor, scope, consent_d)
    plan = plan_service.submit_plan(session, actor, scope, canvas)
    mother = member_service.add_member(
        session,
        actor,
        scope,
        MemberCreate(
            name="Mor Test",
            relation=MemberRelation.parent,
            birth_year=MOR_BORN.year,
            parental_responsibility=True,
            national_id=MOR_NATIONAL_ID,
        ),
        settings,
    )
    session.commit()

    world = World(
        settings=settings,
        unit_a=unit_a,
        unit_b=unit_b,
        unit_c=unit_c,
        unit_d=unit_d,
        lead=lead,
        same_unit=same_unit,
        other_unit=other_unit,
        consented=consented,
        withdrawn=withdrawn,
        coordinator=coordinator,
        admin=admin,
        family=family,
        canvas=canvas,
        need=need,
        goal=goal,
        referral=referral,
        action=action,
        plan=plan,
        consent_b_id=consent_b.id,
        mother=mother,
        session=session,
    )
    world.headers["anonymous"] = {}
    for persona in PERSONAS[1:]:
        world.headers[persona] = auth_headers(session, getattr(world, persona), settings)
    session.commit()
    return world


def build_world_once(
    factory: sessionmaker[Session],
    settings: Settings,
    people: Mapping[str, uuid.UUID] | None = None,
) -> World:
    """A world for a whole module of cells (the access matrices), built in a session of
    ``factory`` (a savepoint of the module's transaction) and detached from it: each cell
    takes ``world_for_cell`` of it and runs in a savepoint of its own, rolled back after it,
    so it finds the world exactly as built, as if it were new. A world is some hundred rows;
    built once per cell it was most of what a cell of the matrices cost."""
    with factory() as session:
        world = build_world(session, settings, people)
        session.expunge_all()
    return replace(world, session=None)


def world_for_cell(world: World, session: Session) -> World:
    """The module's world for one cell, in the cell's ``session``, with headers of its own (a
    cell that adds a persona's credential, the family member's, leaves the next cell's alone)."""
    headers = {persona: dict(h) for persona, h in world.headers.items()}
    return replace(world, headers=headers, session=session)

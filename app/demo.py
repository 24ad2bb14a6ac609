"""A demo municipality (Fredrikstad) with staff in real-looking units and a few families, made
through the same services the API uses, and a few hundred synthetic families in four
municipalities for the coordinators' reports (app/demo_statistics.py). Running it again changes
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.access.actor import Actor
from app.access.scope import scope_for
from app.accounts import service as account_service
from app.accounts.security import hash_password
from app.canvases import service as canvas_service
from app.canvases.schemas import (
    ActionCreate,
    CanvasPatch,
    GoalCreate,
    NeedCreate,
    ReferralCreate,
    Responsible,
)
from app.config import Settings
from app.consents import service as consent_service
from app.consents.schemas import ConsentCreate
from app.db import utcnow
from app.demo_statistics import make_statistics_demo
from app.families import service as family_service
from app.families.schemas import FamilyCreate, Household
from app.models import Service, Unit, User
from app.models.enums import GoalHorizon, Language, ResponsibleKind, Role, UnitLevel
from app.plans import service as plan_service

DEMO_PASSWORD = "duk-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    units: tuple[str, ...]


DEMO_USERS = (
    DemoUser("kari", "Kari Hansen (NAV-veileder)", Role.caseworker, ("nav-fredrikstad",)),
    DemoUser("ola", "Ola Berntsen (NAV-veileder)", Role.caseworker, ("nav-fredrikstad",)),
    DemoUser("lise", "Lise Moen (boligkonsulent)", Role.caseworker, ("fredrikstad-bolig",)),
    DemoUser("berit", "Berit Solheim (barnevernet)", Role.reviewer, ("fredrikstad-barnevern",)),
    DemoUser("sara", "Sara Lie (skolen)", Role.reviewer, ("fredrikstad-skole",)),
    DemoUser("per", "Per Dahl (Husbanken)", Role.reviewer, ("husbanken",)),
    DemoUser("kim", "Kim Aas (analyse)", Role.coordinator, ("fredrikstad-helse-velferd",)),
    DemoUser("admin", "Systemansvarlig", Role.admin, ()),
    # Plan leads of the synthetic families behind the reports (app/demo_statistics.py), in
    # units of their own so that the families above stay alone on kari's and lise's lists.
    DemoUser(
        "demo-fredrikstad",
        "Demo-veileder Fredrikstad",
        Role.caseworker,
        ("fredrikstad-familieteam",),
    ),
    DemoUser("demo-sarpsborg", "Demo-veileder Sarpsborg", Role.caseworker, ("nav-sarpsborg",)),
    DemoUser("demo-halden", "Demo-veileder Halden", Role.caseworker, ("nav-halden",)),
    DemoUser(
        "demo-indre-ostfold", "Demo-veileder Indre Østfold", Role.caseworker, ("nav-indre-ostfold",)
    ),
)


@dataclass(frozen=True)
class DemoUnit:
    slug: str
    name: str
    level: UnitLevel
    municipality_code: str


# Units the catalogue (catalogue/services.yaml, Fredrikstad only) does not have.
DEMO_UNITS = (
    DemoUnit(
        "fredrikstad-familieteam",
        "Fredrikstad kommune – Familieteamet",
        UnitLevel.municipal,
        "3107",
    ),
    DemoUnit("nav-sarpsborg", "NAV Sarpsborg", UnitLevel.state, "3105"),
    DemoUnit("nav-halden", "NAV Halden", UnitLevel.state, "3101"),
    DemoUnit("nav-indre-ostfold", "NAV Indre Østfold", UnitLevel.state, "3118"),
)


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
    if session.scalar(select(User.id).where(User.username == "kari")) is not None:
        return []
    for demo_unit in DEMO_UNITS:
        if session.scalar(select(Unit.id).where(Unit.slug == demo_unit.slug)) is None:
            account_service.add_unit(
                session,
                slug=demo_unit.slug,
                name=demo_unit.name,
                level=demo_unit.level,
                municipality_code=demo_unit.municipality_code,
            )
    units = _units(session)
    missing = {slug for user in DEMO_USERS for slug in user.units} - set(units)
    if missing:
        raise LookupError(f"demo needs units {sorted(missing)}: run `duk init` first")
    password_hash = hash_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for spec in DEMO_USERS:
        users[spec.username] = account_service.add_user(
            session,
            username=spec.username,
            role=spec.role,
            units=[units[s] for s in spec.units],
            password_hash=password_hash,
            display_name=spec.display_name,
        )
    kari = _actor(session, "kari")
    today = date.today()

    # 1. A family with a complete plan, shared with barnevern and the school, in review.
    family = family_service.create_family(
        session,
        kari,
        FamilyCreate(
            display_name="Familien Haddad",
            municipality_code="3107",
            language=Language.en,
            household=Household(
                adults=1, children_birth_years=[2012, 2016, 2019], single_parent=True
            ),
        ),
        settings,
    )
    scope = scope_for(session, kari, family)
    canvas = canvas_service.create_canvas(session, kari, scope, "familie")
    canvas_service.patch_canvas(
        session,
        kari,
        scope,
        canvas,
        CanvasPatch.model_validate(
            {
                "centre": {
                    "what_matters": "At barna har det bra på skolen og at vi får en fast bolig "
                    "der vi kan bli boende."
                },
                "domains": {
                    "bolig": {
                        "situation": "Vi bor fire i en toroms leilighet. Det er fukt på "
                        "badet, og vi har flyttet tre ganger på to år.",
                        "family_score": 3,
                        "worker_score": 3,
                        "indicators": [
                            "bolig.trangbodd",
                            "bolig.fukt_mugg",
                            "bolig.hyppige_flyttinger",
                        ],
                        "strengths": "Mor er flink til å holde orden på papirer.",
                    },
                    "okonomi": {
                        "situation": "Det går så vidt rundt. Strømregningen fra i vinter er "
                        "ikke betalt.",
                        "family_score": 4,
                        "indicators": ["okonomi.strom_restanse", "okonomi.vedvarende_lavinntekt"],
                    },
                    "fritid": {
                        "situation": "Den eldste vil gjerne spille fotball, men vi har ikke "
                        "råd til kontingent og sko.",
                        "family_score": 5,
                        "indicators": ["fritid.barn_uten_aktivitet", "fritid.kostnad_hindrer"],
                        "strengths": "Barna har gode venner i nabolaget.",
                    },
                    "utdanning": {
                        "situation": "Mellomste har mye fravær og gruer seg til skolen.",
                        "family_score": 4,
                        "indicators": ["utdanning.hoyt_fravaer"],
                    },
                },
                "participants": [
                    {"name": "Amal Haddad", "role": "family_member"},
                    {"name": "Kari Hansen", "role": "plan_lead"},
                    {"name": "Tolk (arabisk)", "role": "interpreter"},
                ],
                "period": {
                    "from": today.isoformat(),
                    "to": (today + timedelta(days=180)).isoformat(),
                },
                "next_review_date": (today + timedelta(days=42)).isoformat(),
            }
        ),
        canvas.version,
    )
    need_housing = canvas_service.add_need(
        session,
        kari,
        scope,
        canvas,
        NeedCreate(
            domain="bolig",
            text="Vi trenger en større bolig uten fukt, der vi kan bli.",
            priority=1,
            indicators=["bolig.trangbodd", "bolig.fukt_mugg"],
        ),
    )
    need_leisure = canvas_service.add_need(
        session,
        kari,
        scope,
        canvas,
        NeedCreate(
            domain="fritid",
            text="Eldste vil spille fotball.",
            priority=2,
            indicators=["fritid.barn_uten_aktivitet", "fritid.kostnad_hindrer"],
        ),
    )
    need_school = canvas_service.add_need(
        session,
        kari,
        scope,
        canvas,
        NeedCreate(
            domain="utdanning",
            text="Mellomste trenger hjelp til å komme seg på skolen.",
            priority=1,
            indicators=["utdanning.hoyt_fravaer"],
        ),
    )
    referral = canvas_service.add_referral(
        session,
        kari,
        scope,
        need_housing,
        ReferralCreate(service_id=_service(session, "kommunal-utleiebolig").id),
    )
    canvas_service.add_referral(
        session,
        kari,
        scope,
        need_leisure,
        ReferralCreate(service_id=_service(session, "aktivitetskort").id),
    )
    goal_home = canvas_service.add_goal(
        session,
        kari,
        scope,
        canvas,
        GoalCreate(
            horizon=GoalHorizon.long, text="Et trygt hjem der vi kan bli boende.", domains=["bolig"]
        ),
    )
    goal_school = canvas_service.add_goal(
        session,
        kari,
        scope,
        canvas,
        GoalCreate(
            horizon=GoalHorizon.short,
            text="Mellomste går på skolen hver dag.",
            domains=["utdanning"],
        ),
    )
    canvas_service.add_goal(
        session,
        kari,
        scope,
        canvas,
        GoalCreate(
            horizon=GoalHorizon.dream,
            text="At alle barna har en fritidsaktivitet de gleder seg til.",
            domains=["fritid"],
        ),
    )
    actions = [
        ActionCreate(
            text="Søke kommunal utleiebolig sammen med Amal.",
            responsible=Responsible(kind=ResponsibleKind.unit, unit_id=family.lead_unit_id),
            due=today + timedelta(days=14),
            need_ids=[need_housing.id],
            goal_ids=[goal_home.id],
            referral_id=referral.id,
        ),
        ActionCreate(
            text="Samle lønnsslipper og strømregninger til søknaden.",
            responsible=Responsible(kind=ResponsibleKind.family, member="Amal Haddad"),
            due=today + timedelta(days=10),
            need_ids=[need_housing.id],
        ),
        ActionCreate(
            text="Møte med kontaktlærer og helsesykepleier om fraværet.",
            responsible=Responsible(
                kind=ResponsibleKind.unit, unit_id=_units(session)["fredrikstad-skole"].id
            ),
            due=today + timedelta(days=21),
            need_ids=[need_school.id],
            goal_ids=[goal_school.id],
        ),
        ActionCreate(
            text="Tilby foreldreveiledning og støttekontakt etter ønske fra mor.",
            responsible=Responsible(
                kind=ResponsibleKind.unit, unit_id=_units(session)["fredrikstad-barnevern"].id
            ),
            due=today + timedelta(days=30),
            need_ids=[need_school.id],
        ),
    ]
    for data in actions:
        canvas_service.add_action(session, kari, scope, canvas, data)
    for slug in ("fredrikstad-barnevern", "fredrikstad-skole"):
        consent_service.add_consent(
            session,
            kari,
            scope,
            ConsentCreate(unit_id=units[slug].id, given_by="Amal Haddad"),
        )
    plan_service.submit_plan(session, kari, scope, canvas)

    # 2. A family where the first conversation has just started.
    family2 = family_service.create_family(
        session,
        kari,
        FamilyCreate(
            display_name="Familien Berg",
            municipality_code="3107",
            language=Language.nb,
            household=Household(adults=2, children_birth_years=[2015, 2018], single_parent=False),
        ),
        settings,
    )
    scope2 = scope_for(session, kari, family2)
    canvas2 = canvas_service.create_canvas(session, kari, scope2, "familie")
    canvas_service.patch_canvas(
        session,
        kari,
        scope2,
        canvas2,
        CanvasPatch.model_validate(
            {
                "centre": {
                    "what_matters": "At far kommer i jobb igjen og at vi får orden på gjelda."
                },
                "domains": {
                    "arbeid": {
                        "situation": "Far har vært sykmeldt i ett år.",
                        "family_score": 3,
                        "indicators": ["arbeid.voksne_utenfor_arbeid"],
                    }
                },
            }
        ),
        canvas2.version,
    )

    # 3. A family followed by the housing office, not visible to NAV.
    lise = _actor(session, "lise")
    family_service.create_family(
        session,
        lise,
        FamilyCreate(
            display_name="Familien Nguyen",
            municipality_code="3107",
            language=Language.nn,
            household=Household(adults=2, children_birth_years=[2020], single_parent=False),
        ),
        settings,
    )
    _ = utcnow()

    # 4. Synthetic families in four municipalities, for the coordinators' reports.
    make_statistics_demo(
        session,
        today,
        {
            spec.username: (users[spec.username], units[spec.units[0]])
            for spec in DEMO_USERS
            if spec.username.startswith("demo-")
        },
        coordinator=users["kim"],
    )
    return [f"{u.username} ({u.role.value})" for u in DEMO_USERS]

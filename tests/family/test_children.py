"""A child's data on the family's own pages (DESIGN §12, issue 15): a need, goal or action the
plan lead marked as concerning a child is shown only to the adults with parental
responsibility and to the child; not to a step-parent without it, nor to another child. An
adult's item is the family's. Signed in through ID-porten (a real provider process), on the
plan page, its print view and PDF, the member's own actions and "who has seen our data"."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.actions import service as action_service
from app.actions.schemas import ActionCreate, Responsible
from app.audit import service as audit
from app.config import Settings
from app.consents import service as consent_service
from app.consents.schemas import ConsentCreate
from app.goals import service as goal_service
from app.goals.schemas import GoalCreate
from app.kit.i18n import local_today
from app.members import service as member_service
from app.members.schemas import MemberCreate
from app.models import FamilyMember, Plan
from app.models.enums import AuditAction, GoalHorizon, MemberRelation, ResponsibleKind
from app.needs import service as need_service
from app.needs.schemas import NeedCreate
from app.plans import service as plan_service
from tests.factories import MOR_NATIONAL_ID, World, actor_of, build_world
from tests.family.door import Browser, csrf_of, sign_in
from tests.html import page
from tests.members.numbers import fodselsnummer
from tests.oidc_provider import Provider

STEP = fodselsnummer(date(1980, 3, 3))
TODAY = date.today()
SARA = fodselsnummer(date(TODAY.year - 16, 1, 2))  # 16: signs in for herself

OLA_NEED = "Ola trenger hjelp med lesing."
OLA_GOAL = "Ola leser en bok i måneden."
OLA_ACTION = "Mor leser med Ola hver kveld."
SARA_NEED = "Sara vil snakke med helsesykepleier."
SARA_ACTION = "Sara bestiller time selv."
STEP_NEED = "Stefar trenger arbeid."
OLA_SCHOOL = "Skolen lager et leseopplegg for Ola."
OLA_TEXTS = (OLA_NEED, OLA_GOAL, OLA_ACTION, OLA_SCHOOL)
SARA_TEXTS = (SARA_NEED, SARA_ACTION)


@dataclass
class Household:
    world: World
    plan: Plan
    ola_action: uuid.UUID
    sara_action: uuid.UUID


@pytest.fixture
def household(session: Session, settings: Settings) -> Household:
    """The world's mother (parental responsibility), a step-father without it, Sara (16) and
    Ola (9): items of Ola's and Sara's and the step-father's own, in a new plan version."""
    world = build_world(session, settings)
    actor = actor_of(session, world.lead)
    scope = scope_for(session, actor, world.family)

    def member(name: str, relation: MemberRelation, born: int, number: str | None) -> FamilyMember:
        return member_service.add_member(
            session,
            actor,
            scope,
            MemberCreate(name=name, relation=relation, birth_year=born, national_id=number),
            settings,
        )

    step = member("Stefar", MemberRelation.other_adult, 1980, STEP)
    sara = member("Sara", MemberRelation.child, TODAY.year - 16, SARA)
    ola = member("Ola", MemberRelation.child, TODAY.year - 9, None)
    canvas = world.canvas
    due = local_today() + timedelta(days=7)

    def need(text: str, whom: FamilyMember) -> None:
        need_service.add_need(
            session,
            actor,
            scope,
            canvas,
            NeedCreate(domain="utdanning", text=text, priority=2, concerns_member_id=whom.id),
        )

    def action(text: str, whom: FamilyMember) -> uuid.UUID:
        return action_service.add_action(
            session,
            actor,
            scope,
            canvas,
            ActionCreate(
                text=text,
                responsible=Responsible(kind=ResponsibleKind.family, member="Mor"),
                due=due,
                concerns_member_id=whom.id,
            ),
        ).id

    need(OLA_NEED, ola)
    need(SARA_NEED, sara)
    need(STEP_NEED, step)
    goal_service.add_goal(
        session,
        actor,
        scope,
        canvas,
        GoalCreate(horizon=GoalHorizon.short, text=OLA_GOAL, concerns_member_id=ola.id),
    )
    ola_action = action(OLA_ACTION, ola)
    sara_action = action(SARA_ACTION, sara)
    # The school is asked for Ola's action only; its consent, withdrawn since, is proposed
    # again on the family's pages: not to a member who may not see Ola's items.
    action_service.add_action(
        session,
        actor,
        scope,
        canvas,
        ActionCreate(
            text=OLA_SCHOOL,
            responsible=Responsible(kind=ResponsibleKind.unit, unit_id=world.unit_c.id),
            due=due,
            concerns_member_id=ola.id,
        ),
    )
    school = consent_service.add_consent(
        session, actor, scope, ConsentCreate(unit_id=world.unit_c.id, given_by="Mor")
    )
    plan = plan_service.submit_plan(session, actor, scope, canvas)
    consent_service.withdraw_consent(session, actor, scope, school)
    # A unit reads Ola's action only: the trail of a member who may not see it leaves it out.
    audit.record(
        session,
        actor_of(session, world.other_unit),
        AuditAction.read,
        "action",
        ola_action,
        family_id=world.family.id,
    )
    session.commit()
    return Household(world, plan, ola_action, sara_action)


def _pdf_text(pdf: bytes) -> str:
    return " ".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf)).pages)


def _signed_in(door: Browser, idporten: Provider, sub: str, number: str) -> TestClient:
    browser = door()
    assert sign_in(browser, idporten, sub, number).status_code == 303
    return browser


def test_a_step_parent_without_parental_responsibility_sees_no_childs_item(
    door: Browser, idporten: Provider, household: Household
) -> None:
    browser = _signed_in(door, idporten, "stefar", STEP)
    plan = household.plan.id

    home = browser.get("/familie/")
    printed = browser.get(f"/familie/plan/{plan}/utskrift")
    pdf = browser.get(f"/familie/plan/{plan}/pdf")
    actions = browser.get("/familie/oppgaver")
    trail = browser.get("/familie/innsyn")

    assert [r.status_code for r in (home, printed, pdf, actions, trail)] == [200] * 5
    pdf_text = _pdf_text(pdf.content)
    for shown in (home.text, printed.text, pdf_text):
        assert STEP_NEED in shown  # his own, and the family's, as before
        assert "Vi trenger større bolig." in shown
        for text in OLA_TEXTS + SARA_TEXTS:
            assert text not in shown
    for text in (OLA_ACTION, SARA_ACTION):
        assert text not in actions.text
    assert "Skole Test" not in trail.text
    consents = browser.get("/familie/samtykker")
    assert "Skole Test" not in consents.text
    school = household.world.unit_c.id
    assert browser.get(f"/familie/samtykker/ny/{school}").status_code == 404
    # Marking a child's action done is as for an action that does not exist.
    done = browser.post(
        f"/familie/oppgaver/{household.ola_action}/ferdig",
        data={"csrftoken": csrf_of(actions)},
    )
    assert done.status_code == 404


def test_the_parent_with_parental_responsibility_sees_the_childrens_items(
    door: Browser, idporten: Provider, household: Household
) -> None:
    browser = _signed_in(door, idporten, "mor-sub", MOR_NATIONAL_ID)
    plan = household.plan.id

    home = browser.get("/familie/")
    pdf = browser.get(f"/familie/plan/{plan}/pdf")
    actions = browser.get("/familie/oppgaver")
    trail = browser.get("/familie/innsyn")

    pdf_text = _pdf_text(pdf.content)
    for text in OLA_TEXTS + SARA_TEXTS + (STEP_NEED,):
        assert text in home.text
        assert text in pdf_text
    assert OLA_ACTION in actions.text
    assert SARA_ACTION in actions.text
    assert "Skole Test" in page(trail).one("main").text
    assert "Skole Test" in browser.get("/familie/samtykker").text


def test_a_sixteen_year_old_sees_her_own_items_and_not_her_brothers(
    door: Browser, idporten: Provider, household: Household
) -> None:
    browser = _signed_in(door, idporten, "sara", SARA)

    home = browser.get("/familie/")
    printed = browser.get(f"/familie/plan/{household.plan.id}/utskrift")
    actions = browser.get("/familie/oppgaver")

    for shown in (home.text, printed.text):
        for text in SARA_TEXTS + (STEP_NEED,):
            assert text in shown
        for text in OLA_TEXTS:
            assert text not in shown
    assert SARA_ACTION in actions.text
    assert OLA_ACTION not in actions.text

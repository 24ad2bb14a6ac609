"""Who decides for the family on its own pages (DESIGN §12): a consent about a child's data
is given, and a plan holding a child's item approved, by those with parental responsibility
(foreldreansvar). A step-father without it may not when the plan holds an item of a child's:
he reads a sentence saying who can instead of the form, a POST anyway is refused (403) and
changes nothing. When the plan holds no child's item he decides as an adult, as before. Any
member may withdraw a consent. Signed in through ID-porten (a real provider process)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.consents import service as consent_service
from app.consents.schemas import ConsentCreate
from app.members import service as member_service
from app.members.schemas import MemberCreate
from app.models import Consent, FamilyMember, Plan
from app.models.enums import MemberRelation, PlanStatus
from app.needs import service as need_service
from app.needs.schemas import NeedCreate
from app.plans import service as plan_service
from tests.factories import MOR_NATIONAL_ID, World, actor_of
from tests.family.door import Browser, csrf_of, sign_in
from tests.html import page
from tests.members.numbers import fodselsnummer
from tests.oidc_provider import Provider

STEP = fodselsnummer(date(1980, 3, 3))
SARA = fodselsnummer(date(date.today().year - 16, 1, 2))  # 16: signs in for herself
OLA_NEED = "Ola trenger hjelp med lesing."
SHARE = "/familie/samtykker/ny/{unit}"
REFUSAL = "Bare de som har foreldreansvar for barna, kan bestemme dette for familien."


def _member(
    session: Session, world: World, name: str, relation: MemberRelation, born: int, pid: str | None
) -> FamilyMember:
    actor = actor_of(session, world.lead)
    return member_service.add_member(
        session,
        actor,
        scope_for(session, actor, world.family),
        MemberCreate(name=name, relation=relation, birth_year=born, national_id=pid),
        world.settings,
    )


def _plan_with(session: Session, world: World, *, olas_need: bool) -> Plan:
    """A step-father without parental responsibility, Sara (16) and Ola (9) join the family;
    with ``olas_need`` a need of Ola's goes into a new plan version, waiting for the family.
    Unit B's consent is withdrawn by the plan lead: unit B (an action of the family's, not
    Ola's) is proposed again."""
    _member(session, world, "Stefar", MemberRelation.other_adult, 1980, STEP)
    _member(session, world, "Sara", MemberRelation.child, date.today().year - 16, SARA)
    ola = _member(session, world, "Ola", MemberRelation.child, date.today().year - 9, None)
    actor = actor_of(session, world.lead)
    scope = scope_for(session, actor, world.family)
    plan = session.get_one(Plan, world.plan.id)
    if olas_need:
        need_service.add_need(
            session,
            actor,
            scope,
            world.canvas,
            NeedCreate(domain="utdanning", text=OLA_NEED, priority=2, concerns_member_id=ola.id),
        )
        plan = plan_service.submit_plan(session, actor, scope, world.canvas)
    consent_service.withdraw_consent(
        session, actor, scope, session.get_one(Consent, world.consent_b_id)
    )
    session.commit()
    assert plan.status is PlanStatus.in_review
    assert plan.family_approved_at is None
    return plan


def _signed_in(door: Browser, idporten: Provider, sub: str, number: str) -> TestClient:
    browser = door()
    assert sign_in(browser, idporten, sub, number).status_code == 303
    return browser


def _consents_to_b(session: Session, world: World) -> list[Consent]:
    session.expire_all()
    return list(
        session.scalars(
            select(Consent).where(
                Consent.unit_id == world.unit_b.id, Consent.withdrawn_at.is_(None)
            )
        )
    )


def _approved(session: Session, plan: Plan) -> bool:
    session.expire_all()
    return session.get_one(Plan, plan.id).family_approved_at is not None


def test_a_step_father_without_parental_responsibility_may_not_decide_on_a_childs_item(
    door: Browser, idporten: Provider, session: Session, world: World
) -> None:
    plan = _plan_with(session, world, olas_need=True)
    browser = _signed_in(door, idporten, "stefar", STEP)
    approve = f"/familie/plan/{plan.id}/godkjenn"
    share = SHARE.format(unit=world.unit_b.id)

    home = browser.get("/familie/")
    consents = browser.get("/familie/samtykker")
    question = browser.get(share)

    assert [r.status_code for r in (home, consents, question)] == [200, 200, 200]
    # No form, no button: the sentence saying who can, and nothing of what the plan hides.
    assert page(home).all(f'form[action="{approve}"]') == []
    assert REFUSAL in page(home).one("#decided-by-others").text
    assert OLA_NEED not in home.text
    proposed = page(consents).one("section[aria-labelledby=proposed-heading]")
    assert proposed.texts(".card-title") == ["Barnevern Test"]
    assert proposed.all("a.card-extra") == []
    assert proposed.has("#decided-by-others")
    assert page(question).all(f'form[action="{share}"]') == []
    assert page(question).has("#decided-by-others")

    csrf = csrf_of(home)
    approved = browser.post(approve, data={"csrftoken": csrf, "confirm": "yes"})
    given = browser.post(share, data={"csrftoken": csrf, "confirm": "yes", "term": "1y"})

    assert (approved.status_code, given.status_code) == (403, 403)
    for refused in (approved, given):
        assert REFUSAL in page(refused).one("#decided-by-others").text
        assert OLA_NEED not in refused.text
        assert refused.headers["content-language"] == "nb"
    assert not _approved(session, plan)
    assert _consents_to_b(session, world) == []


def test_a_sixteen_year_old_may_not_decide_for_her_brother(
    door: Browser, idporten: Provider, session: Session, world: World
) -> None:
    plan = _plan_with(session, world, olas_need=True)
    browser = _signed_in(door, idporten, "sara", SARA)
    csrf = csrf_of(browser.get("/familie/"))

    approved = browser.post(
        f"/familie/plan/{plan.id}/godkjenn", data={"csrftoken": csrf, "confirm": "yes"}
    )
    given = browser.post(
        SHARE.format(unit=world.unit_b.id), data={"csrftoken": csrf, "confirm": "yes"}
    )

    assert (approved.status_code, given.status_code) == (403, 403)
    assert not _approved(session, plan)
    assert _consents_to_b(session, world) == []


@pytest.mark.parametrize(
    ("who", "sub", "number", "olas_need"),
    [
        ("the step-father, no child's item in the plan", "stefar", STEP, False),
        ("the mother, with parental responsibility", "mor-sub", MOR_NATIONAL_ID, True),
    ],
)
def test_who_may_decide_approves_the_plan_and_gives_the_consent(
    door: Browser,
    idporten: Provider,
    session: Session,
    world: World,
    who: str,
    sub: str,
    number: str,
    olas_need: bool,
) -> None:
    plan = _plan_with(session, world, olas_need=olas_need)
    browser = _signed_in(door, idporten, sub, number)
    approve = f"/familie/plan/{plan.id}/godkjenn"
    share = SHARE.format(unit=world.unit_b.id)

    home = browser.get("/familie/")
    assert page(home).has(f'form[action="{approve}"]'), who
    assert not page(home).has("#decided-by-others"), who
    consents = page(browser.get("/familie/samtykker"))
    assert consents.one("a.card-extra")["href"] == share
    question = browser.get(share)
    assert page(question).has(f'form[action="{share}"]'), who

    csrf = csrf_of(home)
    approved = browser.post(
        approve, data={"csrftoken": csrf, "confirm": "yes"}, follow_redirects=False
    )
    given = browser.post(
        share, data={"csrftoken": csrf, "confirm": "yes", "term": "1y"}, follow_redirects=False
    )

    assert (approved.status_code, given.status_code) == (303, 303), who
    assert _approved(session, plan)
    [consent] = _consents_to_b(session, world)
    assert consent.given_by in ("Stefar", "Mor Test")


def test_a_step_father_without_parental_responsibility_may_withdraw_a_consent(
    door: Browser, idporten: Provider, session: Session, world: World
) -> None:
    """Withdrawing stops the sharing, which protects the child: any member may, also while
    the plan holds a child's item they may not see."""
    _plan_with(session, world, olas_need=True)
    lead = actor_of(session, world.lead)
    consent = consent_service.add_consent(
        session,
        lead,
        scope_for(session, lead, world.family),
        ConsentCreate(unit_id=world.unit_b.id, given_by="Mor"),
    )
    session.commit()
    browser = _signed_in(door, idporten, "stefar", STEP)
    withdraw = f"/familie/samtykker/{consent.id}/trekk"
    question = browser.get(withdraw)
    assert page(question).has(f'form[action="{withdraw}"]')

    withdrawn = browser.post(
        withdraw, data={"csrftoken": csrf_of(question), "confirm": "yes"}, follow_redirects=False
    )

    assert withdrawn.status_code == 303
    assert _consents_to_b(session, world) == []

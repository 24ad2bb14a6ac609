"""Whom a need, goal or action concerns ("gjelder", DESIGN §12) on the plan lead's pages: the
forms that add and correct them offer the family's members (or the whole family), through the
same schema and service as the API; a member of another family is refused next to the field
and nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.config import Settings
from app.members import service as member_service
from app.members.schemas import MemberCreate
from app.models import FamilyMember, Goal, Need
from app.models.enums import MemberRelation
from tests.factories import World, actor_of, build_world
from tests.html import page
from tests.pages import SignedIn


def _child(session: Session, world: World, name: str) -> FamilyMember:
    lead = actor_of(session, world.lead)
    return member_service.add_member(
        session,
        lead,
        scope_for(session, lead, world.family),
        MemberCreate(name=name, relation=MemberRelation.child, birth_year=2016),
        world.settings,
    )


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    world = build_world(session, settings)
    return world


def test_the_plan_lead_marks_whom_a_goal_and_a_need_concern(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    ola = _child(session, world, "Ola")
    session.commit()
    browser = signed_in(world.lead, language="en")
    goals = f"/canvases/{world.canvas.id}/goals"

    form = page(browser.get(goals)).one('select[name="concerns_member_id"]')
    said = {"horizon": "short", "text": "Ola på svømming.", "concerns_member_id": str(ola.id)}
    added = browser.submit(goals, goals, said)

    assert [o.text for o in form.all("option")] == ["The whole family", "Mor Test", "Ola"]
    assert added.status_code == 303, added.text[:2000]
    session.expire_all()
    goal = session.scalars(select(Goal).where(Goal.text == "Ola på svømming.")).one()
    assert goal.concerns_member_id == ola.id
    listed = page(browser.get(goals)).one(f"#goal-{goal.id}")
    assert "Concerns: Ola" in listed.text
    correct = f"/goals/{goal.id}/correct"
    shown = page(browser.get(correct)).one('select[name="concerns_member_id"] option[selected]')
    assert shown.text == "Ola"
    back = browser.submit(correct, correct, {**said, "concerns_member_id": ""})
    assert back.status_code == 303, back.text[:2000]
    session.expire_all()
    assert session.get(Goal, goal.id).concerns_member_id is None  # type: ignore[union-attr]


def test_a_member_of_another_family_is_refused_next_to_the_field(
    signed_in: SignedIn, session: Session, settings: Settings, world: World
) -> None:
    other = build_world(session, settings)
    stranger = _child(session, other, "Fremmed")
    session.commit()
    browser = signed_in(world.lead, language="en")
    needs = f"/canvases/{world.canvas.id}/needs"
    before = session.scalars(select(Need.id)).all()

    refused = browser.submit(
        needs,
        needs,
        {
            "domain": "bolig",
            "text": "Noe.",
            "priority": "2",
            "concerns_member_id": str(stranger.id),
        },
    )

    assert refused.status_code == 422
    assert page(refused).field_error("concerns_member_id") == (
        "Choose a member of this family, or the whole family."
    )
    session.expire_all()
    assert session.scalars(select(Need.id)).all() == before

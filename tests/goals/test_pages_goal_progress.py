"""At a follow-up the plan lead and the family say, on the goals page, how each goal is going
(progress) and where it stands (goal status), in words rather than codes."""

from __future__ import annotations

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Goal
from app.models.enums import GoalAchievement, GoalLifecycle, Language
from tests.factories import World, build_world
from tests.html import Element, page
from tests.pages import PageClient, SignedIn

API = "/api/v1"


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


@pytest.fixture
def lead(signed_in: SignedIn, world: World) -> PageClient:
    """The world's plan lead, signed in, in English (the assertions read the source texts,
    whatever the catalogs say)."""
    return signed_in(world.lead, language="en")


def goal_of(session: Session, world: World) -> Goal:
    session.expire_all()
    return session.scalars(select(Goal).where(Goal.canvas_id == world.canvas.id)).one()


def goals_page(world: World) -> str:
    return f"/canvases/{world.canvas.id}/goals"


def progress_url(goal: Goal) -> str:
    return f"/goals/{goal.id}/progress"


def card(response: httpx2.Response, goal: Goal) -> Element:
    """The goal's card on the page."""
    return page(response).one(f"li.goal-card#goal-{goal.id}")


def facts(response: httpx2.Response, goal: Goal) -> str:
    """What the card says about the goal's progress and status, without the form."""
    return card(response, goal).one("dl.goal-facts").text


def save_progress(browser: PageClient, world: World, goal: Goal, **fields: str) -> httpx2.Response:
    """The goal's progress form on the goals page, filled in and sent."""
    return browser.submit(goals_page(world), progress_url(goal), fields)


def test_each_goal_says_how_it_is_going_and_has_a_form_to_change_it(
    lead: PageClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)

    response = lead.get(goals_page(world))

    assert response.status_code == 200
    assert facts(response, goal) == "Progress Not said yet Goal status Going on"
    shown = card(response, goal)
    assert "How is it going?" in shown.text
    form = shown.form(progress_url(goal))
    assert form.value("version") == str(goal.version)
    assert form.texts("legend") == ["Progress: how is it going?", "Goal status"]
    for words in (
        "Getting better",
        "Getting worse",
        "Achieved",
        "Not possible to reach",
        "On hold",
    ):
        assert words in form.text
    # The radios carry the codes; the family reads words.
    assert form.checked("achievement_status") == ""
    assert form.checked("lifecycle_status") == "active"


def test_saving_progress_shows_it_in_words_and_stores_it(
    lead: PageClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)
    version = goal.version

    response = save_progress(
        lead, world, goal, achievement_status="improving", lifecycle_status="active"
    )

    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{goals_page(world)}?saved=progress#goal-{goal.id}"
    shown = lead.get(response.headers["location"])
    assert "How the goal is going is saved." in page(shown).text
    assert facts(shown, goal) == "Progress Getting better Goal status Going on"
    stored = goal_of(session, world)
    assert (stored.achievement_status, stored.lifecycle_status) == (
        GoalAchievement.improving,
        GoalLifecycle.active,
    )
    assert stored.version == version + 1


def test_completing_a_goal_with_how_it_ended(
    lead: PageClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)

    response = save_progress(
        lead, world, goal, achievement_status="achieved", lifecycle_status="completed"
    )

    assert response.status_code == 303, response.text
    shown = lead.get(response.headers["location"])
    assert facts(shown, goal) == "Progress Achieved Goal status Completed"


def test_completing_without_saying_how_it_ended_is_refused_next_to_the_field(
    lead: PageClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)
    version = goal.version

    response = save_progress(lead, world, goal, achievement_status="", lifecycle_status="completed")

    assert response.status_code == 422
    form = card(response, goal).form(progress_url(goal))
    assert form.invalid("achievement_status")
    assert "To mark the goal completed, say how it ended" in form.field_error("achievement_status")
    # What was chosen stays chosen, and the form is open to fix it.
    assert form.checked("lifecycle_status") == "completed"
    assert "open" in card(response, goal).one("details.goal-progress")
    # Nothing was stored: the card still says what is stored.
    assert facts(response, goal) == "Progress Not said yet Goal status Going on"
    stored = goal_of(session, world)
    assert (stored.lifecycle_status, stored.achievement_status, stored.version) == (
        GoalLifecycle.active,
        None,
        version,
    )


def test_a_code_the_form_never_offers_is_refused_next_to_its_field(
    lead: PageClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)

    response = save_progress(
        lead, world, goal, achievement_status="achieved", lifecycle_status="finished"
    )

    assert response.status_code == 422
    form = card(response, goal).form(progress_url(goal))
    assert form.field_error("lifecycle_status") == "Choose where the goal stands."
    assert goal_of(session, world).achievement_status is None


def test_a_stale_version_shows_the_conflict_and_the_goal_as_it_is_now(
    lead: PageClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)
    shown_at = goal.version
    first = save_progress(
        lead, world, goal, achievement_status="improving", lifecycle_status="active"
    )
    assert first.status_code == 303, first.text

    # A second tablet still shows the goal as it was before that save.
    response = save_progress(
        lead,
        world,
        goal,
        achievement_status="worsening",
        lifecycle_status="on-hold",
        version=str(shown_at),
    )

    assert response.status_code == 409
    shown = card(response, goal)
    assert "Someone else changed this goal just now." in shown.text
    assert facts(response, goal) == "Progress Getting better Goal status Going on"
    form = shown.form(progress_url(goal))
    assert form.checked("achievement_status") == "improving"
    assert form.value("version") == str(shown_at + 1)
    stored = goal_of(session, world)
    assert (stored.achievement_status, stored.lifecycle_status, stored.version) == (
        GoalAchievement.improving,
        GoalLifecycle.active,
        shown_at + 1,
    )


def test_a_consented_reviewer_finds_no_goals_page_and_no_form(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    goal = goal_of(session, world)
    version = goal.version
    reviewer = signed_in(world.consented, language="en")

    response = reviewer.get(goals_page(world))
    refused = reviewer.post_form(
        progress_url(goal),
        {
            "achievement_status": "achieved",
            "lifecycle_status": "completed",
            "version": str(version),
        },
    )

    # The goals page is the live canvas: the unit reads the goals in the submitted plan.
    assert response.status_code == 404
    assert refused.status_code == 404
    stored = goal_of(session, world)
    assert (stored.version, stored.lifecycle_status) == (version, GoalLifecycle.active)


def test_the_plans_diff_says_the_goals_progress_in_words(
    client: TestClient, lead: PageClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)
    world.family.language = Language.en  # the plan speaks the family's language
    session.commit()
    as_lead = world.headers["lead"]
    marked = client.patch(
        f"{API}/goals/{goal.id}",
        json={"achievement_status": "improving", "lifecycle_status": "on-hold"},
        headers={**as_lead, "If-Match": f'"{goal.version}"'},
    )
    assert marked.status_code == 200, marked.text
    plan_2 = client.post(f"{API}/canvases/{world.canvas.id}/plans", headers=as_lead)
    assert plan_2.status_code == 201, plan_2.text

    diff = lead.get(f"/plans/{plan_2.json()['id']}/diff?against=1")

    assert diff.status_code == 200
    text = page(diff).text
    assert "Progress Before: Not said yet → Now: Getting better" in text
    assert "Goal status Before: Going on → Now: On hold" in text
    assert "improving" not in text
    assert "on-hold" not in text

"""At a follow-up the plan lead and the family say, on the goals page, how each goal is going
(progress) and where it stands (goal status), in words rather than codes."""

from __future__ import annotations

import html
import re

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import LANGUAGE_COOKIE
from app.models import Goal
from app.models.enums import GoalAchievement, GoalLifecycle, Language
from tests.accounts.test_pages import csrf_from, sign_in
from tests.factories import World, build_world

API = "/api/v1"


@pytest.fixture
def world(client: TestClient, session: Session, settings: Settings) -> World:
    """The world with its plan lead signed in, in English (the assertions read the source
    texts, whatever the catalogs say)."""
    world = build_world(session, settings)
    client.cookies.set(LANGUAGE_COOKIE, "en")
    sign_in(client, world.lead.username)
    return world


def goal_of(session: Session, world: World) -> Goal:
    session.expire_all()
    return session.scalars(select(Goal).where(Goal.canvas_id == world.canvas.id)).one()


def goals_page(world: World) -> str:
    return f"/canvases/{world.canvas.id}/goals"


def card(page: str, goal: Goal) -> str:
    """The goal's card on the page, as text a reader sees (entities decoded)."""
    match = re.search(rf'<li class="card goal-card" id="goal-{goal.id}">.*?</li>', page, re.S)
    assert match, "the goal has no card"
    return html.unescape(match.group(0))


def facts(page: str, goal: Goal) -> str:
    """What the card says about the goal's progress and status, without the form."""
    match = re.search(r'<dl class="facts goal-facts".*?</dl>', card(page, goal), re.S)
    assert match, "the card does not say how the goal is going"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def save_progress(client: TestClient, world: World, goal: Goal, **fields: str) -> httpx2.Response:
    token = csrf_from(client.get(goals_page(world)).text)
    return client.post(
        f"/goals/{goal.id}/progress",
        data={"csrftoken": token, **fields},
        follow_redirects=False,
    )


def test_each_goal_says_how_it_is_going_and_has_a_form_to_change_it(
    client: TestClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)

    page = client.get(goals_page(world))

    assert page.status_code == 200
    shown = card(page.text, goal)
    assert facts(page.text, goal) == "Progress Not said yet Goal status Going on"
    assert "How is it going?" in shown
    assert f'action="/goals/{goal.id}/progress"' in shown
    assert f'name="version" value="{goal.version}"' in shown
    assert "<legend>Progress: how is it going?</legend>" in shown
    assert "<legend>Goal status</legend>" in shown
    for words in (
        "Getting better",
        "Getting worse",
        "Achieved",
        "Not possible to reach",
        "On hold",
    ):
        assert words in shown
    # The radios carry the codes; the family reads words.
    assert 'name="achievement_status" value="" checked' in shown
    assert 'name="lifecycle_status" value="active" checked' in shown


def test_saving_progress_shows_it_in_words_and_stores_it(
    client: TestClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)
    version = goal.version

    response = save_progress(
        client,
        world,
        goal,
        achievement_status="improving",
        lifecycle_status="active",
        version=str(version),
    )

    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{goals_page(world)}?saved=progress#goal-{goal.id}"
    page = client.get(response.headers["location"]).text
    assert "How the goal is going is saved." in page
    assert facts(page, goal) == "Progress Getting better Goal status Going on"
    stored = goal_of(session, world)
    assert (stored.achievement_status, stored.lifecycle_status) == (
        GoalAchievement.improving,
        GoalLifecycle.active,
    )
    assert stored.version == version + 1


def test_completing_a_goal_with_how_it_ended(
    client: TestClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)

    response = save_progress(
        client,
        world,
        goal,
        achievement_status="achieved",
        lifecycle_status="completed",
        version=str(goal.version),
    )

    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"]).text
    assert facts(page, goal) == "Progress Achieved Goal status Completed"


def test_completing_without_saying_how_it_ended_is_refused_next_to_the_field(
    client: TestClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)
    version = goal.version

    response = save_progress(
        client,
        world,
        goal,
        achievement_status="",
        lifecycle_status="completed",
        version=str(version),
    )

    assert response.status_code == 422
    shown = card(response.text, goal)
    error_id = f"goal-{goal.id}-achievement_status-error"
    assert f'aria-invalid="true" aria-describedby="{error_id}"' in shown
    error = re.search(rf'<p class="field-error" id="{error_id}">(.*?)</p>', shown, re.S)
    assert error, "no message beside the progress choices"
    assert "To mark the goal completed, say how it ended" in error.group(1)
    # What was chosen stays chosen, and the form is open to fix it.
    assert 'name="lifecycle_status" value="completed" checked' in shown
    assert '<details class="inline-details goal-progress" open>' in shown
    # Nothing was stored: the card still says what is stored.
    assert facts(response.text, goal) == "Progress Not said yet Goal status Going on"
    stored = goal_of(session, world)
    assert (stored.lifecycle_status, stored.achievement_status, stored.version) == (
        GoalLifecycle.active,
        None,
        version,
    )


def test_a_code_the_form_never_offers_is_refused_next_to_its_field(
    client: TestClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)

    response = save_progress(
        client,
        world,
        goal,
        achievement_status="achieved",
        lifecycle_status="finished",
        version=str(goal.version),
    )

    assert response.status_code == 422
    shown = card(response.text, goal)
    assert f'aria-describedby="goal-{goal.id}-lifecycle_status-error"' in shown
    assert "Choose where the goal stands." in shown
    assert goal_of(session, world).achievement_status is None


def test_a_stale_version_shows_the_conflict_and_the_goal_as_it_is_now(
    client: TestClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)
    shown_at = goal.version
    first = save_progress(
        client,
        world,
        goal,
        achievement_status="improving",
        lifecycle_status="active",
        version=str(shown_at),
    )
    assert first.status_code == 303, first.text

    # A second tablet still shows the goal as it was before that save.
    response = save_progress(
        client,
        world,
        goal,
        achievement_status="worsening",
        lifecycle_status="on-hold",
        version=str(shown_at),
    )

    assert response.status_code == 409
    shown = card(response.text, goal)
    assert "Someone else changed this goal just now." in shown
    assert facts(response.text, goal) == "Progress Getting better Goal status Going on"
    assert 'name="achievement_status" value="improving" checked' in shown
    assert f'name="version" value="{shown_at + 1}"' in shown
    stored = goal_of(session, world)
    assert (stored.achievement_status, stored.lifecycle_status, stored.version) == (
        GoalAchievement.improving,
        GoalLifecycle.active,
        shown_at + 1,
    )


def test_a_consented_reviewer_finds_no_goals_page_and_no_form(
    client: TestClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)
    version = goal.version
    client.cookies.clear()
    client.cookies.set(LANGUAGE_COOKIE, "en")
    sign_in(client, world.consented.username)

    page = client.get(goals_page(world))
    refused = save_progress(
        client,
        world,
        goal,
        achievement_status="achieved",
        lifecycle_status="completed",
        version=str(version),
    )

    # The goals page is the live canvas: the unit reads the goals in the submitted plan.
    assert page.status_code == 404
    assert refused.status_code == 404
    stored = goal_of(session, world)
    assert (stored.version, stored.lifecycle_status) == (version, GoalLifecycle.active)


def test_the_plans_diff_says_the_goals_progress_in_words(
    client: TestClient, session: Session, world: World
) -> None:
    goal = goal_of(session, world)
    world.family.language = Language.en  # the plan speaks the family's language
    session.commit()
    lead = world.headers["lead"]
    marked = client.patch(
        f"{API}/goals/{goal.id}",
        json={"achievement_status": "improving", "lifecycle_status": "on-hold"},
        headers={**lead, "If-Match": f'"{goal.version}"'},
    )
    assert marked.status_code == 200, marked.text
    plan_2 = client.post(f"{API}/canvases/{world.canvas.id}/plans", headers=lead)
    assert plan_2.status_code == 201, plan_2.text

    diff = client.get(f"/plans/{plan_2.json()['id']}/diff?against=1")

    assert diff.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", html.unescape(diff.text)).split())
    assert "Progress Before: Not said yet → Now: Getting better" in text
    assert "Goal status Before: Going on → Now: On hold" in text
    assert "improving" not in text
    assert "on-hold" not in text

"""The goal-progress rows of the access matrices (tests/access/test_matrix.py for the API,
tests/access/test_page_matrix.py for the page): which goal each cell changes, and what the plan
lead finds stored afterwards. They live here so that each matrix needs only its rows.

The world has one goal, "Søke ny bolig.": short-term, active, not rated yet.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app.models import Goal
from app.models.enums import GoalAchievement, GoalLifecycle

if TYPE_CHECKING:
    from tests.access.test_matrix import Call
    from tests.access.test_page_matrix import PageCall
    from tests.factories import World


def _goal(world: World) -> Goal:
    """The world's goal, read in the test's own session (the world does not hold it)."""
    session = world.session
    assert session is not None
    return session.scalars(select(Goal).where(Goal.canvas_id == world.canvas.id)).one()


def goal_ids(world: World) -> dict[str, uuid.UUID]:
    return {"goal_id": _goal(world).id}


def page_goal_ids(world: World) -> dict[str, uuid.UUID | str]:
    return {"goal_id": _goal(world).id}


def goal_version(world: World) -> int:
    return _goal(world).version


def progress_body(_world: World) -> dict[str, Any]:
    return {"lifecycle_status": "completed", "achievement_status": "achieved"}


def progress_form(world: World) -> dict[str, str]:
    return {**progress_body(world), "version": str(goal_version(world))}


def check_patch_goal(call: Call) -> None:
    canvas = call.as_lead(f"/canvases/{call.world.canvas.id}")
    [goal] = canvas["goals"]
    expected = ("completed", "achieved") if call.allowed else ("active", None)
    assert (goal["lifecycle_status"], goal["achievement_status"]) == expected


def check_goal_progress(call: PageCall) -> None:
    [(lifecycle, achievement)] = call.session.execute(
        select(Goal.lifecycle_status, Goal.achievement_status).where(
            Goal.canvas_id == call.world.canvas.id
        )
    ).all()
    expected = (
        (GoalLifecycle.completed, GoalAchievement.achieved)
        if call.allowed
        else (GoalLifecycle.active, None)
    )
    assert (lifecycle, achievement) == expected

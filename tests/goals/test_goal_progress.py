"""How a goal is going, recorded at a follow-up (DESIGN §3 Goal: lifecycle and achievement kept
apart as in FHIR; §4.1; §8 PATCH /goals/{id} with If-Match)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Goal
from app.models.enums import Role
from tests.factories import World, auth_headers, build_world, make_unit, make_user

API = "/api/v1"
PROBLEM_JSON = "application/problem+json"


def world_goal(session: Session, world: World) -> Goal:
    """The world's one goal ("Søke ny bolig.", short-term, active, not rated yet)."""
    return session.scalars(select(Goal).where(Goal.canvas_id == world.canvas.id)).one()


def patch_goal(
    client: TestClient,
    world: World,
    goal_id: uuid.UUID | str,
    body: Any,
    *,
    version: int | None,
    persona: str = "lead",
) -> httpx2.Response:
    headers = dict(world.headers[persona])
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    return client.patch(f"{API}/goals/{goal_id}", json=body, headers=headers)


def goal_as_read(client: TestClient, world: World, goal_id: uuid.UUID) -> dict[str, Any]:
    canvas = client.get(f"{API}/canvases/{world.canvas.id}", headers=world.headers["lead"])
    assert canvas.status_code == 200, canvas.text
    [goal] = [g for g in canvas.json()["goals"] if g["id"] == str(goal_id)]
    found: dict[str, Any] = goal
    return found


def problem(response: httpx2.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def test_the_lead_records_that_the_goal_is_getting_better(
    client: TestClient, session: Session, world: World
) -> None:
    goal = world_goal(session, world)
    before = goal_as_read(client, world, goal.id)

    response = patch_goal(
        client, world, goal.id, {"achievement_status": "improving"}, version=before["version"]
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["lifecycle_status"], body["achievement_status"]) == ("active", "improving")
    assert body["version"] == before["version"] + 1
    assert response.headers["etag"] == f'"{before["version"] + 1}"'
    assert goal_as_read(client, world, goal.id) == body


def test_a_goal_is_completed_with_how_it_ended_and_the_etag_moves_on_each_time(
    client: TestClient, session: Session, world: World
) -> None:
    goal = world_goal(session, world)
    version = goal_as_read(client, world, goal.id)["version"]

    achieved = patch_goal(
        client, world, goal.id, {"achievement_status": "achieved"}, version=version
    )
    assert achieved.status_code == 200, achieved.text
    # The achievement is already stored: the lifecycle alone may now close the goal.
    completed = patch_goal(
        client,
        world,
        goal.id,
        {"lifecycle_status": "completed"},
        version=int(achieved.headers["etag"].strip('"')),
    )

    assert completed.status_code == 200, completed.text
    assert completed.headers["etag"] == f'"{version + 2}"'
    stored = goal_as_read(client, world, goal.id)
    assert (stored["lifecycle_status"], stored["achievement_status"]) == ("completed", "achieved")


def test_both_statuses_in_one_request_and_null_clears_the_achievement(
    client: TestClient, session: Session, world: World
) -> None:
    goal = world_goal(session, world)
    version = goal_as_read(client, world, goal.id)["version"]

    paused = patch_goal(
        client,
        world,
        goal.id,
        {"lifecycle_status": "on-hold", "achievement_status": "no-progress"},
        version=version,
    )
    assert paused.status_code == 200, paused.text
    cleared = patch_goal(
        client, world, goal.id, {"achievement_status": None}, version=paused.json()["version"]
    )

    assert cleared.status_code == 200, cleared.text
    stored = goal_as_read(client, world, goal.id)
    assert (stored["lifecycle_status"], stored["achievement_status"]) == ("on-hold", None)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"lifecycle_status": "completed"}, id="no-achievement-yet"),
        pytest.param(
            {"lifecycle_status": "completed", "achievement_status": "improving"},
            id="still-improving",
        ),
        pytest.param(
            {"lifecycle_status": "completed", "achievement_status": None}, id="achievement-cleared"
        ),
    ],
)
def test_completing_a_goal_without_saying_how_it_ended_is_422(
    client: TestClient, session: Session, world: World, body: dict[str, Any]
) -> None:
    goal = world_goal(session, world)
    before = goal_as_read(client, world, goal.id)

    response = patch_goal(client, world, goal.id, body, version=before["version"])

    assert [e["field"] for e in problem(response, 422)["errors"]] == ["achievement_status"]
    assert goal_as_read(client, world, goal.id) == before


def test_a_completed_goal_keeps_its_ending_achievement(
    client: TestClient, session: Session, world: World
) -> None:
    goal = world_goal(session, world)
    version = goal_as_read(client, world, goal.id)["version"]
    closed = patch_goal(
        client,
        world,
        goal.id,
        {"lifecycle_status": "completed", "achievement_status": "not-attainable"},
        version=version,
    )
    assert closed.status_code == 200, closed.text
    before = goal_as_read(client, world, goal.id)

    response = patch_goal(
        client, world, goal.id, {"achievement_status": None}, version=before["version"]
    )

    assert [e["field"] for e in problem(response, 422)["errors"]] == ["achievement_status"]
    assert goal_as_read(client, world, goal.id) == before


def test_a_stale_if_match_is_412_and_a_missing_one_428_and_neither_changes_the_goal(
    client: TestClient, session: Session, world: World
) -> None:
    goal = world_goal(session, world)
    first = goal_as_read(client, world, goal.id)
    moved = patch_goal(
        client, world, goal.id, {"achievement_status": "improving"}, version=first["version"]
    )
    assert moved.status_code == 200, moved.text
    before = goal_as_read(client, world, goal.id)

    stale = patch_goal(
        client, world, goal.id, {"achievement_status": "worsening"}, version=first["version"]
    )
    missing = patch_goal(client, world, goal.id, {"achievement_status": "worsening"}, version=None)

    assert problem(stale, 412)["type"] == "/problems/precondition-failed"
    assert problem(missing, 428)["type"] == "/problems/precondition-required"
    assert goal_as_read(client, world, goal.id) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({}, "body", id="nothing-to-change"),
        pytest.param({"achievement_status": "great"}, "achievement_status", id="unknown-code"),
        pytest.param({"lifecycle_status": "done"}, "lifecycle_status", id="unknown-lifecycle"),
        pytest.param({"lifecycle_status": None}, "lifecycle_status", id="null-lifecycle"),
        pytest.param(
            {"achievement_status": "achieved", "note": "Noe annet."}, "note", id="unknown-field"
        ),
        pytest.param(["achieved"], "body", id="not-an-object"),
    ],
)
def test_bad_input_is_a_422_problem_naming_the_field_and_changes_nothing(
    client: TestClient, session: Session, world: World, body: Any, field: str
) -> None:
    goal = world_goal(session, world)
    before = goal_as_read(client, world, goal.id)

    response = patch_goal(client, world, goal.id, body, version=before["version"])

    assert field in [e["field"] for e in problem(response, 422)["errors"]]
    assert goal_as_read(client, world, goal.id) == before


def test_a_malformed_or_unknown_goal_id_is_a_problem(client: TestClient, world: World) -> None:
    malformed = patch_goal(
        client, world, "not-a-goal", {"achievement_status": "achieved"}, version=1
    )
    unknown = patch_goal(client, world, uuid.uuid4(), {"achievement_status": "achieved"}, version=1)

    assert [e["field"] for e in problem(malformed, 422)["errors"]] == ["path.goal_id"]
    assert problem(unknown, 404)["type"] == "/problems/not-found"


# A goal lives on the live canvas; a consented unit reads goals in the submitted plan only.
@pytest.mark.parametrize(
    "persona", ["consented", "other_unit", "withdrawn", "coordinator", "admin"]
)
def test_for_anyone_else_the_goal_does_not_exist(
    client: TestClient, session: Session, world: World, persona: str
) -> None:
    goal = world_goal(session, world)
    before = goal_as_read(client, world, goal.id)

    response = patch_goal(
        client,
        world,
        goal.id,
        {"achievement_status": "achieved"},
        version=before["version"],
        persona=persona,
    )
    never_existed = patch_goal(
        client,
        world,
        uuid.uuid4(),
        {"achievement_status": "achieved"},
        version=before["version"],
        persona=persona,
    )

    assert problem(response, 404)["detail"] == problem(never_existed, 404)["detail"]
    assert goal_as_read(client, world, goal.id) == before


def test_the_change_is_in_the_familys_audit_trail(
    client: TestClient, session: Session, world: World
) -> None:
    goal = world_goal(session, world)
    version = goal_as_read(client, world, goal.id)["version"]

    response = patch_goal(
        client, world, goal.id, {"achievement_status": "improving"}, version=version
    )
    assert response.status_code == 200, response.text

    trail = client.get(f"{API}/families/{world.family.id}/audit", headers=world.headers["lead"])
    assert trail.status_code == 200, trail.text
    updates = [
        (item["username"], item["unit"])
        for item in trail.json()["items"]
        if (item["action"], item["record_type"], item["record_id"])
        == ("update", "goal", str(goal.id))
    ]
    assert updates == [(world.lead.username, world.unit_a.name)]


# --- the coordinators' outcomes report -------------------------------------------------------


def _goals_achieved_in_bolig(client: TestClient, coordinator: dict[str, str]) -> dict[str, Any]:
    report = client.get(f"{API}/reports/outcomes", headers=coordinator)
    assert report.status_code == 200, report.text
    [cell] = [
        row
        for row in report.json()["tables"]["goals"]["rows"]
        if (row["domain"], row["achievement"]) == ("bolig", "achieved")
    ]
    found: dict[str, Any] = cell
    return found


def test_the_outcomes_report_counts_a_goal_once_it_is_marked_achieved(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    lead = auth_headers(session, make_user(session, units=[unit]), settings)
    coordinator = auth_headers(
        session, make_user(session, role=Role.coordinator, units=[unit]), settings
    )
    session.commit()
    # As many families as the report's small-cell threshold, each with a housing goal.
    goals: list[dict[str, Any]] = []
    for _ in range(settings.report_min_cell):
        family = client.post(
            f"{API}/families",
            headers=lead,
            json={
                "display_name": "Familien Test",
                "municipality_code": "3107",
                "language": "nb",
                "household": {"adults": 2, "children_birth_years": [2015], "single_parent": False},
            },
        )
        assert family.status_code == 201, family.text
        canvas = client.post(
            f"{API}/families/{family.json()['id']}/canvases",
            headers=lead,
            json={"template_key": "familie"},
        )
        assert canvas.status_code == 201, canvas.text
        added = client.post(
            f"{API}/canvases/{canvas.json()['id']}/goals",
            headers=lead,
            json={"horizon": "short", "text": "Egen bolig.", "domains": ["bolig"]},
        )
        assert added.status_code == 201, added.text
        goals.append(added.json())
    assert _goals_achieved_in_bolig(client, coordinator)["goals"] == 0

    for goal in goals:
        marked = client.patch(
            f"{API}/goals/{goal['id']}",
            json={"achievement_status": "achieved"},
            headers={**lead, "If-Match": f'"{goal["version"]}"'},
        )
        assert marked.status_code == 200, marked.text

    cell = _goals_achieved_in_bolig(client, coordinator)
    assert (cell["families"], cell["goals"], cell["suppressed"]) == (
        settings.report_min_cell,
        settings.report_min_cell,
        False,
    )

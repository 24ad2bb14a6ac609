"""Whom a need, goal or action concerns ("gjelder", DESIGN §12) through the staff API (§8: an
optional field, the rest of the contract as it was): it round-trips, is kept in the item's
corrections, and must name a member of the item's own family (422 otherwise, nothing changed).
Removing the member leaves the item to the whole family."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Goal, Need
from tests.factories import World, build_world

API = "/api/v1"


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    world = build_world(session, settings)
    session.commit()
    return world


def add_child(client: TestClient, world: World, name: str = "Sara") -> str:
    response = client.post(
        f"{API}/families/{world.family.id}/members",
        json={"name": name, "relation": "child", "birth_year": 2015},
        headers=world.headers["lead"],
    )
    assert response.status_code == 201, response.text
    member_id: str = response.json()["id"]
    return member_id


def patch(client: TestClient, world: World, path: str, body: dict[str, Any]) -> Any:
    current = client.get(f"{API}/canvases/{world.canvas.id}", headers=world.headers["lead"])
    kind = path.split("/")[0]
    item = next(i for i in current.json()[kind] if i["id"] == path.split("/")[1])
    headers = {**world.headers["lead"], "If-Match": f'"{item["version"]}"'}
    return client.patch(f"{API}/{path}", json=body, headers=headers)


def test_the_concerned_member_round_trips_on_needs_goals_and_actions(
    client: TestClient, world: World
) -> None:
    child = add_child(client, world)
    canvas = f"{API}/canvases/{world.canvas.id}"
    lead = world.headers["lead"]

    need = client.post(
        f"{canvas}/needs",
        json={
            "domain": "fritid",
            "text": "Sara vil spille fotball.",
            "priority": 2,
            "concerns_member_id": child,
        },
        headers=lead,
    )
    goal = client.post(
        f"{canvas}/goals",
        json={"horizon": "short", "text": "Sara på et lag.", "concerns_member_id": child},
        headers=lead,
    )
    action = client.post(
        f"{canvas}/actions",
        json={
            "text": "Melde Sara på.",
            "responsible": {"kind": "family", "member": "Mor"},
            "concerns_member_id": child,
        },
        headers=lead,
    )

    assert [r.status_code for r in (need, goal, action)] == [201, 201, 201], need.text
    assert {r.json()["concerns_member_id"] for r in (need, goal, action)} == {child}
    document = client.get(canvas, headers=lead).json()
    for kind, made in (("needs", need), ("goals", goal), ("actions", action)):
        shown = next(i for i in document[kind] if i["id"] == made.json()["id"])
        assert shown["concerns_member_id"] == child, kind
    # An item of the whole family says so, as every item before the field did.
    assert (
        next(n for n in document["needs"] if n["id"] == str(world.need.id))["concerns_member_id"]
        is None
    )

    back = patch(client, world, f"needs/{need.json()['id']}", {"concerns_member_id": None})
    assert back.status_code == 200, back.text
    assert back.json()["concerns_member_id"] is None
    moved = patch(client, world, f"actions/{world.action.id}", {"concerns_member_id": child})
    assert moved.status_code == 200, moved.text
    assert moved.json()["concerns_member_id"] == child
    history = client.get(f"{API}/needs/{need.json()['id']}/corrections", headers=lead).json()
    assert history[-1]["changes"] == [
        {"field": "concerns_member_id", "before": child, "after": None}
    ]


def test_a_member_of_another_family_is_refused_and_nothing_changes(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    other = build_world(session, settings)
    session.commit()
    strangers_child = add_child(client, other, "Ola")
    canvas = f"{API}/canvases/{world.canvas.id}"
    lead = world.headers["lead"]
    needs_before = session.scalar(select(func.count()).select_from(Need))

    refused = [
        client.post(
            f"{canvas}/needs",
            json={
                "domain": "fritid",
                "text": "x",
                "priority": 2,
                "concerns_member_id": strangers_child,
            },
            headers=lead,
        ),
        client.post(
            f"{canvas}/goals",
            json={"horizon": "short", "text": "x", "concerns_member_id": strangers_child},
            headers=lead,
        ),
        patch(client, world, f"goals/{world.goal.id}", {"concerns_member_id": strangers_child}),
        patch(client, world, f"actions/{world.action.id}", {"concerns_member_id": strangers_child}),
        patch(client, world, f"needs/{world.need.id}", {"concerns_member_id": strangers_child}),
    ]

    for response in refused:
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == ["concerns_member_id"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Need)) == needs_before
    goal = session.get(Goal, world.goal.id)
    assert goal is not None
    assert (goal.concerns_member_id, goal.version) == (None, world.goal.version)


def test_removing_the_member_leaves_the_item_to_the_whole_family(
    client: TestClient, session: Session, world: World
) -> None:
    child = add_child(client, world)
    assert (
        patch(client, world, f"goals/{world.goal.id}", {"concerns_member_id": child}).status_code
        == 200
    )

    lead = world.headers["lead"]
    version = client.get(f"{API}/members/{child}", headers=lead).json()["version"]
    removed = client.delete(f"{API}/members/{child}", headers={**lead, "If-Match": f'"{version}"'})

    assert removed.status_code == 204, removed.text
    session.expire_all()
    goal = session.get(Goal, world.goal.id)
    assert goal is not None
    assert goal.concerns_member_id is None

"""Goals and actions on the canvas (DESIGN §3 Goal, Action; §4.1; §8 /goals, /actions)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from app.models import ActionEvent, Goal
from tests.factories import World, build_world, make_canvas

# --- goals ----------------------------------------------------------------------------------


def add_goal(client: TestClient, world: World, **body: Any) -> httpx2.Response:
    goal: dict[str, Any] = {"horizon": "short", "text": "Få oversikt over gjelden.", "domains": []}
    goal.update(body)
    return client.post(
        f"/api/v1/canvases/{world.canvas.id}/goals", json=goal, headers=world.headers["lead"]
    )


def canvas_of(client: TestClient, world: World) -> dict[str, Any]:
    response = client.get(f"/api/v1/canvases/{world.canvas.id}", headers=world.headers["lead"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("horizon", ["dream", "long", "short"])
def test_plan_lead_adds_goals_on_every_horizon(
    client: TestClient, session: Session, settings: Settings, horizon: str
) -> None:
    world = build_world(session, settings)

    response = add_goal(
        client, world, horizon=horizon, text="Et eget hjem med plass til alle.", domains=["bolig"]
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["horizon"], body["text"], body["domains"]) == (
        horizon,
        "Et eget hjem med plass til alle.",
        ["bolig"],
    )
    # Lifecycle and achievement are kept apart (FHIR Goal): a new goal is active, not yet rated.
    assert (body["lifecycle_status"], body["achievement_status"]) == ("active", None)
    assert body["id"] in [g["id"] for g in canvas_of(client, world)["goals"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"domains": ["bolig", "no_such"]}, "domains[1]", id="unknown-domain"),
        pytest.param({"horizon": "someday"}, "horizon", id="unknown-horizon"),
        pytest.param({"text": ""}, "text", id="empty-text"),
    ],
)
def test_invalid_goal_is_422(
    client: TestClient, session: Session, settings: Settings, body: dict[str, Any], field: str
) -> None:
    world = build_world(session, settings)

    response = add_goal(client, world, **body)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert len(canvas_of(client, world)["goals"]) == 1


# --- actions --------------------------------------------------------------------------------


def add_action(client: TestClient, world: World, **body: Any) -> httpx2.Response:
    action: dict[str, Any] = {
        "text": "Mor ringer Husbanken.",
        "responsible": {"kind": "family", "member": "Mor"},
        "due": (local_today() + timedelta(days=7)).isoformat(),
    }
    action.update(body)
    return client.post(
        f"/api/v1/canvases/{world.canvas.id}/actions", json=action, headers=world.headers["lead"]
    )


def goal_id(world: World, session: Session) -> str:
    found = session.scalar(select(Goal.id).where(Goal.canvas_id == world.canvas.id))
    assert found is not None
    return str(found)


def test_action_for_a_family_member_links_needs_and_goals(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    due = (local_today() + timedelta(days=10)).isoformat()
    goal = goal_id(world, session)

    response = add_action(
        client,
        world,
        due=due,
        need_ids=[str(world.need.id)],
        goal_ids=[goal],
        referral_id=str(world.referral.id),
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "id": body["id"],
        "text": "Mor ringer Husbanken.",
        "responsible": {"kind": "family", "unit_id": None, "user_id": None, "member": "Mor"},
        "due": due,
        "status": "planned",
        "reason": None,
        "need_ids": [str(world.need.id)],
        "goal_ids": [goal],
        "referral_id": str(world.referral.id),
        "concerns_member_id": None,
        "version": 1,
    }
    assert response.headers["etag"] == '"1"'


def test_action_for_a_named_user_of_a_unit(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    response = add_action(
        client,
        world,
        responsible={
            "kind": "unit",
            "unit_id": str(world.unit_b.id),
            "user_id": str(world.consented.id),
        },
    )

    assert response.status_code == 201, response.text
    assert response.json()["responsible"] == {
        "kind": "unit",
        "unit_id": str(world.unit_b.id),
        "user_id": str(world.consented.id),
        "member": None,
    }


@pytest.mark.parametrize(
    ("responsible", "field"),
    [
        pytest.param(
            lambda w: {"kind": "unit", "unit_id": str(w.unit_c.id), "user_id": str(w.consented.id)},
            "responsible.user_id",
            id="user-not-in-the-unit",
        ),
        pytest.param(
            lambda w: {"kind": "unit", "unit_id": str(uuid.uuid4())},
            "responsible.unit_id",
            id="unknown-unit",
        ),
    ],
)
def test_responsible_must_exist_and_belong_together(
    client: TestClient, session: Session, settings: Settings, responsible: Any, field: str
) -> None:
    world = build_world(session, settings)

    response = add_action(client, world, responsible=responsible(world))

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert len(canvas_of(client, world)["actions"]) == 1


def test_unit_responsible_without_unit_id_is_422(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    response = add_action(client, world, responsible={"kind": "unit"})

    assert response.status_code == 422
    assert len(canvas_of(client, world)["actions"]) == 1


def test_links_must_be_to_this_canvas(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    other = build_world(session, settings)

    response = add_action(
        client,
        world,
        need_ids=[str(world.need.id), str(other.need.id)],
        goal_ids=[goal_id(other, session)],
        referral_id=str(other.referral.id),
    )

    assert response.status_code == 422
    assert sorted(e["field"] for e in response.json()["errors"]) == [
        "goal_ids[0]",
        "need_ids[1]",
        "referral_id",
    ]
    assert len(canvas_of(client, world)["actions"]) == 1


def test_links_to_another_canvas_of_the_same_family_are_422(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    second = make_canvas(session, world.lead, world.family)
    session.commit()

    response = client.post(
        f"/api/v1/canvases/{second.id}/actions",
        json={
            "text": "Følge opp.",
            "responsible": {"kind": "family", "member": "Far"},
            "need_ids": [str(world.need.id)],
        },
        headers=world.headers["lead"],
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["need_ids[0]"]


def action_of(world: World) -> dict[str, Any]:
    """The world's action: responsible unit B (the consented unit), status planned."""
    return {"id": str(world.action.id), "version": world.action.version}


def change(
    client: TestClient, world: World, persona: str, action: dict[str, Any], **body: Any
) -> httpx2.Response:
    """PATCH an action as ``persona``; on success ``action`` is updated in place."""
    response = client.patch(
        f"/api/v1/actions/{action['id']}",
        json=body,
        headers={**world.headers[persona], "If-Match": f'"{action["version"]}"'},
    )
    if response.status_code == 200:
        action.update(response.json())
    return response


def test_plan_lead_edits_text_due_date_and_links(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    action = action_of(world)
    new_need = client.post(
        f"/api/v1/canvases/{world.canvas.id}/needs",
        json={"domain": "familie_nettverk", "text": "Vi krangler mye.", "priority": 2},
        headers=world.headers["lead"],
    ).json()
    due = (local_today() + timedelta(days=60)).isoformat()

    response = change(
        client,
        world,
        "lead",
        action,
        text="Barnevernet tilbyr foreldreveiledning (COS).",
        due=due,
        need_ids=[new_need["id"]],
        goal_ids=[],
    )

    assert response.status_code == 200, response.text
    assert action["text"] == "Barnevernet tilbyr foreldreveiledning (COS)."
    assert action["due"] == due
    assert action["need_ids"] == [new_need["id"]]
    assert action["goal_ids"] == []
    assert action["version"] == world.action.version + 1
    assert response.headers["etag"] == f'"{action["version"]}"'
    [stored] = [a for a in canvas_of(client, world)["actions"] if a["id"] == action["id"]]
    assert stored == action


def test_responsible_unit_changes_the_status_only(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    action = action_of(world)

    text = change(client, world, "consented", action, text="Vi gjør noe annet.")
    due = change(client, world, "consented", action, due=local_today().isoformat())
    started = change(client, world, "consented", action, status="in_progress")

    assert text.status_code == 403
    assert due.status_code == 403
    assert started.status_code == 200, started.text
    assert (action["status"], action["text"]) == (
        "in_progress",
        "Barnevernet tilbyr foreldreveiledning.",
    )


def test_a_unit_not_responsible_cannot_change_the_action(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    family_action = add_action(client, world).json()

    response = change(client, world, "consented", family_action, status="done")

    assert response.status_code == 403
    assert change(client, world, "other_unit", action_of(world), status="done").status_code == 404


def test_cancelling_an_action_needs_a_reason(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    action = action_of(world)

    without = change(client, world, "consented", action, status="cancelled")
    cancelled = change(
        client, world, "consented", action, status="cancelled", reason="Familien takket nei."
    )

    assert without.status_code == 422
    assert [e["field"] for e in without.json()["errors"]] == ["reason"]
    assert cancelled.status_code == 200, cancelled.text
    assert (action["status"], action["reason"]) == ("cancelled", "Familien takket nei.")


def test_invalid_action_transition_is_422(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    action = action_of(world)
    assert change(client, world, "lead", action, status="done").status_code == 200
    version = action["version"]

    response = change(client, world, "lead", action, status="cancelled", reason="For sent.")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["status"]
    assert action["version"] == version


def test_action_status_history_is_kept(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    action = action_of(world)
    assert change(client, world, "consented", action, status="in_progress").status_code == 200
    assert change(client, world, "lead", action, status="done").status_code == 200
    assert change(client, world, "lead", action, text="Ferdig med kurset.").status_code == 200

    events = session.scalars(
        select(ActionEvent)
        .where(ActionEvent.action_id == world.action.id)
        .order_by(ActionEvent.at, ActionEvent.id)
    ).all()

    assert [
        (e.from_status and e.from_status.value, e.to_status.value, e.user_id, e.unit_id)
        for e in events
    ] == [
        (None, "planned", world.lead.id, world.unit_a.id),
        ("planned", "in_progress", world.consented.id, world.unit_b.id),
        ("in_progress", "done", world.lead.id, world.unit_a.id),
    ]
    assert all(e.at.tzinfo is not None for e in events)


def test_action_patch_needs_the_current_version(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    url = f"/api/v1/actions/{world.action.id}"

    missing = client.patch(url, json={"status": "done"}, headers=world.headers["lead"])
    stale = client.patch(
        url,
        json={"status": "done"},
        headers={**world.headers["lead"], "If-Match": f'"{world.action.version + 1}"'},
    )

    assert missing.status_code == 428
    assert stale.status_code == 412
    [stored] = canvas_of(client, world)["actions"]
    assert stored["status"] == "planned"

"""Follow-up readings over the API: numbered per family, never overwritten, reading 1 is the
first canvas (DESIGN §3 Reading)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.canvases import service as canvas_service
from app.canvases.schemas import CanvasPatch
from app.config import Settings
from app.kit.i18n import local_today
from app.plans import service as plan_service
from tests.factories import (
    World,
    actor_of,
    auth_headers,
    build_world,
    make_canvas,
    make_family,
    make_unit,
    make_user,
)

API = "/api/v1"


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def _readings(client: TestClient, world: World, persona: str = "lead") -> list[dict[str, Any]]:
    response = client.get(
        f"{API}/families/{world.family.id}/readings", headers=world.headers[persona]
    )
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


def _post(client: TestClient, world: World, body: dict[str, Any], persona: str = "lead") -> Any:
    return client.post(
        f"{API}/families/{world.family.id}/readings", json=body, headers=world.headers[persona]
    )


def _fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return {e["field"] for e in response.json()["errors"]}


def _set_score(session: Session, world: World, key: str, family_score: int) -> None:
    actor = actor_of(session, world.lead)
    canvas = canvas_service.load_canvas(session, world.canvas.id)
    assert canvas is not None
    canvas_service.patch_canvas(
        session,
        actor,
        scope_for(session, actor, world.family),
        canvas,
        CanvasPatch.model_validate({"domains": {key: {"family_score": family_score}}}),
        canvas.version,
    )
    session.commit()


def test_submitting_the_plan_made_reading_1_from_the_canvas(
    client: TestClient, world: World
) -> None:
    readings = _readings(client, world)

    assert [r["number"] for r in readings] == [1]
    assert readings[0]["scores"]["bolig"] == {"family": 3, "worker": None}
    assert readings[0]["scores"]["okonomi"] == {"family": None, "worker": None}
    assert readings[0]["created_by"]["id"] == str(world.lead.id)


def test_the_lead_records_a_follow_up_as_reading_2(client: TestClient, world: World) -> None:
    taken_on = local_today() - timedelta(days=1)
    response = _post(
        client,
        world,
        {"taken_on": taken_on.isoformat(), "scores": {"bolig": {"family": 6, "worker": 5}}},
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["number"] == 2
    assert created["taken_on"] == taken_on.isoformat()
    assert created["scores"]["bolig"] == {"family": 6, "worker": 5}
    assert created["scores"]["helse"] == {"family": None, "worker": None}
    assert created["created_by"]["username"] == world.lead.username
    assert [(r["number"], r["id"]) for r in _readings(client, world)] == [
        (1, _readings(client, world)[0]["id"]),
        (2, created["id"]),
    ]


def test_readings_are_never_overwritten(client: TestClient, session: Session, world: World) -> None:
    today = local_today().isoformat()
    second = _post(client, world, {"taken_on": today, "scores": {"bolig": {"family": 5}}})
    third = _post(client, world, {"taken_on": today, "scores": {"bolig": {"family": 8}}})
    assert (second.status_code, third.status_code) == (201, 201)
    # The canvas moves on, and the plan is submitted again: reading 1 stays what it was.
    _set_score(session, world, "bolig", 9)
    actor = actor_of(session, world.lead)
    canvas = canvas_service.load_canvas(session, world.canvas.id)
    assert canvas is not None
    plan_service.submit_plan(session, actor, scope_for(session, actor, world.family), canvas)
    session.commit()
    url = f"{API}/families/{world.family.id}/readings"

    readings = _readings(client, world)

    assert [(r["number"], r["scores"]["bolig"]["family"]) for r in readings] == [
        (1, 3),
        (2, 5),
        (3, 8),
    ]
    for method in ("PATCH", "PUT", "DELETE"):
        refused = client.request(method, url, headers=world.headers["lead"], json={})
        assert refused.status_code == 405, method
    reading_url = f"{url}/{readings[1]['id']}"
    assert client.delete(reading_url, headers=world.headers["lead"]).status_code == 404
    assert _readings(client, world) == readings


def test_a_follow_up_without_a_plan_first_stores_the_canvas_as_reading_1(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    lead = make_user(session, units=[unit])
    family = make_family(session, lead, settings)
    canvas = make_canvas(session, lead, family)
    actor = actor_of(session, lead)
    canvas_service.patch_canvas(
        session,
        actor,
        scope_for(session, actor, family),
        canvas,
        CanvasPatch.model_validate(
            {"domains": {"okonomi": {"family_score": 2, "worker_score": 4}}}
        ),
        canvas.version,
    )
    headers = auth_headers(session, lead, settings)
    session.commit()
    url = f"{API}/families/{family.id}/readings"
    assert client.get(url, headers=headers).json() == []

    response = client.post(
        url,
        json={"taken_on": local_today().isoformat(), "scores": {"okonomi": {"family": 5}}},
        headers=headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["number"] == 2
    readings = client.get(url, headers=headers).json()
    assert [(r["number"], r["scores"]["okonomi"]) for r in readings] == [
        (1, {"family": 2, "worker": 4}),
        (2, {"family": 5, "worker": None}),
    ]
    assert readings[0]["taken_on"] == canvas.created_at.date().isoformat()


def test_a_family_without_a_canvas_has_no_reading_to_follow_up(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    lead = make_user(session, units=[unit])
    family = make_family(session, lead, settings)
    headers = auth_headers(session, lead, settings)
    session.commit()

    response = client.post(
        f"{API}/families/{family.id}/readings",
        json={"taken_on": local_today().isoformat(), "scores": {"bolig": {"family": 5}}},
        headers=headers,
    )

    assert response.status_code == 409, response.text
    assert client.get(f"{API}/families/{family.id}/readings", headers=headers).json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scores": {"hagearbeid": {"family": 5}}}, "scores.hagearbeid"),
        ({"scores": {"bolig": {"family": 11}}}, "scores.bolig.family"),
        ({"scores": {"bolig": {"worker": 0}}}, "scores.bolig.worker"),
        ({"scores": {"bolig": {"family": 5, "note": "x"}}}, "scores.bolig.note"),
        ({"scores": {}}, "scores"),
        ({"scores": {"bolig": {}}}, "scores"),
        ({"taken_on": "tomorrow"}, "taken_on"),
        ({"taken_on": "31.12.2025"}, "taken_on"),
    ],
)
def test_a_bad_reading_is_422_naming_the_field_and_stores_nothing(
    client: TestClient, world: World, body: dict[str, Any], field: str
) -> None:
    full = {"taken_on": local_today().isoformat(), "scores": {"bolig": {"family": 5}}, **body}
    if full["taken_on"] == "tomorrow":
        # Worked out when the test runs, not when it is collected: a run that crosses
        # midnight made yesterday's "tomorrow" today, and the reading was rightly stored.
        full["taken_on"] = (local_today() + timedelta(days=1)).isoformat()

    assert field in _fields(_post(client, world, full))
    assert [r["number"] for r in _readings(client, world)] == [1]


def test_readings_are_for_the_lead_side_only(client: TestClient, world: World) -> None:
    """A consent shares the plan; the readings of the follow-up are not part of it."""
    body = {"taken_on": local_today().isoformat(), "scores": {"bolig": {"family": 5}}}

    for persona in ("consented", "other_unit", "withdrawn", "coordinator", "admin"):
        assert _post(client, world, body, persona).status_code == 404, persona
        listed = client.get(
            f"{API}/families/{world.family.id}/readings", headers=world.headers[persona]
        )
        assert listed.status_code == 404, persona
    assert [r["number"] for r in _readings(client, world)] == [1]


def test_reading_and_recording_readings_is_in_the_audit_trail(
    client: TestClient, world: World
) -> None:
    created = _post(
        client, world, {"taken_on": local_today().isoformat(), "scores": {"bolig": {"family": 4}}}
    ).json()
    _readings(client, world, "same_unit")

    trail = client.get(
        f"{API}/families/{world.family.id}/audit", headers=world.headers["lead"]
    ).json()["items"]

    events = {(e["action"], e["record_type"], e["record_id"], e["username"]) for e in trail}
    assert ("create", "reading", created["id"], world.lead.username) in events
    assert ("read", "reading", None, world.same_unit.username) in events

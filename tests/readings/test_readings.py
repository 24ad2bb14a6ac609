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


# --- what was said, and the next review (issue 13) --------------------------------------------


def _canvas(client: TestClient, world: World, canvas_id: Any = None) -> Any:
    response = client.get(
        f"{API}/canvases/{canvas_id or world.canvas.id}", headers=world.headers["lead"]
    )
    assert response.status_code == 200, response.text
    return response


def _follow_up(**extra: Any) -> dict[str, Any]:
    """A follow-up of today's meeting, worked out when the test runs."""
    return {"taken_on": local_today().isoformat(), "scores": {"bolig": {"family": 6}}, **extra}


def test_a_follow_up_keeps_what_was_said_and_moves_the_next_review(
    client: TestClient, world: World
) -> None:
    before = _canvas(client, world)
    next_review = local_today() + timedelta(days=60)
    note = "  Mor: «Vi har fått tørr leilighet, og barna sover bedre.»  "

    response = _post(client, world, _follow_up(note=note, next_review_date=next_review.isoformat()))

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["note"] == "Mor: «Vi har fått tørr leilighet, og barna sover bedre.»"
    assert created["next_review_date"] == next_review.isoformat()
    after = _canvas(client, world)
    assert after.json()["next_review_date"] == next_review.isoformat()
    # Moved through the canvas's versioned save: a new version and ETag, and the write audited.
    assert after.json()["version"] == before.json()["version"] + 1
    assert after.headers["etag"] != before.headers["etag"]
    listed = _readings(client, world)[-1]
    assert (listed["note"], listed["next_review_date"]) == (
        created["note"],
        created["next_review_date"],
    )
    trail = client.get(
        f"{API}/families/{world.family.id}/audit", headers=world.headers["lead"]
    ).json()["items"]
    events = {(e["action"], e["record_type"], e["record_id"]) for e in trail}
    assert ("update", "canvas", str(world.canvas.id)) in events
    assert ("create", "reading", created["id"]) in events


def test_a_follow_up_without_a_date_leaves_the_next_review_and_the_canvas_as_they_were(
    client: TestClient, world: World
) -> None:
    before = _canvas(client, world)

    response = _post(client, world, _follow_up(note=""))

    assert response.status_code == 201, response.text
    assert (response.json()["note"], response.json()["next_review_date"]) == (None, None)
    after = _canvas(client, world)
    assert after.headers["etag"] == before.headers["etag"]
    assert after.json()["next_review_date"] == before.json()["next_review_date"]


@pytest.mark.parametrize(
    ("days_after_meeting", "note", "field"),
    [
        (0, None, "next_review_date"),  # the meeting's own day is not a next review
        (-5, None, "next_review_date"),
        (30, "x" * 2001, "note"),
        (30, "Mor sa\x00 noe", "note"),
    ],
)
def test_a_bad_note_or_next_review_is_422_and_changes_nothing(
    client: TestClient, world: World, days_after_meeting: int, note: str | None, field: str
) -> None:
    before = _canvas(client, world)
    taken_on = local_today() - timedelta(days=3)
    body = _follow_up(
        taken_on=taken_on.isoformat(),
        next_review_date=(taken_on + timedelta(days=days_after_meeting)).isoformat(),
        note=note,
    )

    response = _post(client, world, body)

    assert field in _fields(response)
    assert [r["number"] for r in _readings(client, world)] == [1]
    after = _canvas(client, world)
    assert after.headers["etag"] == before.headers["etag"]
    assert after.json()["next_review_date"] == before.json()["next_review_date"]


def test_a_note_of_2000_characters_is_kept_whole(client: TestClient, world: World) -> None:
    note = ("Familien forteller. " * 100)[:2000]

    response = _post(client, world, _follow_up(note=note))

    assert response.status_code == 201, response.text
    assert _readings(client, world)[-1]["note"] == note.strip()


def test_a_tablet_holding_the_canvas_from_before_gets_412_and_loses_nothing(
    client: TestClient, world: World
) -> None:
    """The canvas is open on a tablet while the follow-up is recorded: the tablet's next save,
    made at the version it read, is refused, and the date the meeting agreed on stays."""
    tablet_etag = _canvas(client, world).headers["etag"]
    next_review = (local_today() + timedelta(days=75)).isoformat()
    assert _post(client, world, _follow_up(next_review_date=next_review)).status_code == 201

    stale = client.patch(
        f"{API}/canvases/{world.canvas.id}",
        json={"next_review_date": (local_today() + timedelta(days=10)).isoformat()},
        headers={**world.headers["lead"], "If-Match": tablet_etag},
    )

    assert stale.status_code == 412, stale.text
    assert _canvas(client, world).json()["next_review_date"] == next_review


def _make_plan_active(client: TestClient, world: World) -> None:
    approved = client.post(
        f"{API}/plans/{world.plan.id}/reviews",
        json={"decision": "approved"},
        headers=world.headers["consented"],
    )
    assert approved.status_code == 200, approved.text
    family = client.post(
        f"{API}/plans/{world.plan.id}/family-approval",
        json={"approved_by": "Mor"},
        headers=world.headers["lead"],
    )
    assert family.status_code == 200, family.text
    plan = client.get(f"{API}/plans/{world.plan.id}", headers=world.headers["lead"]).json()
    assert plan["status"] == "active"


def _second_duk(client: TestClient, world: World) -> str:
    response = client.post(
        f"{API}/families/{world.family.id}/canvases",
        json={"template_key": "familie"},
        headers=world.headers["lead"],
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_the_next_review_moves_on_the_canvas_of_the_plan_in_force_not_a_newer_draft(
    client: TestClient, world: World
) -> None:
    """A second duk begun while the plan is in force is the draft of the next plan: the
    family is followed up on the plan it lives by."""
    _make_plan_active(client, world)
    draft_id = _second_duk(client, world)
    next_review = (local_today() + timedelta(days=40)).isoformat()

    assert _post(client, world, _follow_up(next_review_date=next_review)).status_code == 201

    assert _canvas(client, world).json()["next_review_date"] == next_review
    assert _canvas(client, world, draft_id).json()["next_review_date"] is None


def test_with_no_plan_in_force_the_next_review_moves_on_the_newest_canvas(
    client: TestClient, world: World
) -> None:
    """Plan 1 is still in review: the newest duk is the one the next plan will come from."""
    first_date = _canvas(client, world).json()["next_review_date"]
    newest_id = _second_duk(client, world)
    next_review = (local_today() + timedelta(days=40)).isoformat()

    assert _post(client, world, _follow_up(next_review_date=next_review)).status_code == 201

    assert _canvas(client, world, newest_id).json()["next_review_date"] == next_review
    assert _canvas(client, world).json()["next_review_date"] == first_date


def test_a_consented_unit_can_neither_write_nor_read_a_note(
    client: TestClient, world: World
) -> None:
    """The note is part of the reading: lead side only (DESIGN §4.1), and a refused write
    changes neither the readings nor the next review."""
    before = _canvas(client, world).json()["next_review_date"]
    next_review = (local_today() + timedelta(days=40)).isoformat()
    body = _follow_up(note="Skolen skrev dette.", next_review_date=next_review)

    for persona in ("consented", "other_unit", "withdrawn"):
        assert _post(client, world, body, persona).status_code == 404, persona
    assert _post(client, world, _follow_up(note="Kari skrev dette.")).status_code == 201
    for persona in ("consented", "other_unit", "withdrawn", "coordinator", "admin"):
        listed = client.get(
            f"{API}/families/{world.family.id}/readings", headers=world.headers[persona]
        )
        assert listed.status_code == 404, persona
        assert "Kari skrev dette." not in listed.text
        timeline = client.get(
            f"{API}/families/{world.family.id}/timeline", headers=world.headers[persona]
        )
        assert "Kari skrev dette." not in timeline.text
    assert [r["note"] for r in _readings(client, world)] == [None, "Kari skrev dette."]
    assert _canvas(client, world).json()["next_review_date"] == before


def test_the_timeline_says_what_was_said_and_the_next_review_set(
    client: TestClient, world: World
) -> None:
    next_review = (local_today() + timedelta(days=40)).isoformat()
    created = _post(
        client, world, _follow_up(note="Far har fått jobb.", next_review_date=next_review)
    ).json()

    entries = client.get(
        f"{API}/families/{world.family.id}/timeline", headers=world.headers["lead"]
    ).json()

    [entry] = [e for e in entries if e.get("reading_id") == created["id"]]
    assert entry["kind"] == "reading_recorded"
    assert entry["reason"] == "Far har fått jobb."
    assert entry["next_review_date"] == next_review

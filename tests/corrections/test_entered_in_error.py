"""Items entered in error (issue 13; DESIGN §3, Corrections): a need, goal or action written by
mistake leaves the canvas, the plan and every copy of it the family and the units read, and the
suggestions; the history, the timeline, the export and the audit trail keep it. A need takes its
open referrals and the open actions that serve only it along. A cancelled item leaves the
family's copy of the next plan version, and the review's diff says so."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from app.models import AuditEvent
from tests.corrections.test_corrections_api import API, canvas, history, item, patch
from tests.factories import World, build_world
from tests.html import page
from tests.pages import SignedIn

Json = dict[str, Any]
NEED = "Vi trenger større bolig."
ACTION = "Barnevernet tilbyr foreldreveiledning."


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def add_action(client: TestClient, world: World, text: str, **links: Any) -> Json:
    response = client.post(
        f"{API}/canvases/{world.canvas.id}/actions",
        headers=world.headers["lead"],
        json={
            "text": text,
            "responsible": {"kind": "family", "member": "Mor"},
            "due": (local_today() + timedelta(days=7)).isoformat(),
            **{k: [str(i) for i in v] for k, v in links.items()},
        },
    )
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def in_error(client: TestClient, world: World, path: str, version: int, **extra: Any) -> Json:
    field = "lifecycle_status" if path.startswith("/goals") else "status"
    value = "entered-in-error" if path.startswith("/goals") else "entered_in_error"
    response = patch(client, world, path, {field: value, **extra}, version)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def submit(client: TestClient, world: World) -> Json:
    response = client.post(f"{API}/canvases/{world.canvas.id}/plans", headers=world.headers["lead"])
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def test_a_need_entered_in_error_takes_its_open_referral_and_lone_action_along(
    client: TestClient, world: World
) -> None:
    lone = add_action(client, world, "Mor ringer boligkontoret.", need_ids=[world.need.id])

    body = in_error(client, world, f"/needs/{world.need.id}", 1, reason="Feil familie.")

    assert body["status"] == "entered_in_error"
    document = canvas(client, world)
    assert [n["id"] for n in document["needs"]] == []
    # The referral was sent: it is cancelled as mapped by mistake, with the reason.
    assert document["referrals"] == []
    # The action serving only that need was never to be done; the world's action also serves
    # a goal: it stays, without the need.
    assert [a["id"] for a in document["actions"]] == [str(world.action.id)]
    assert document["actions"][0]["need_ids"] == []
    export = client.get(
        f"{API}/families/{world.family.id}/export", headers=world.headers["lead"]
    ).json()
    [held] = export["canvases"]
    assert [(n["text"], n["status"]) for n in held["needs"]] == [(NEED, "entered_in_error")]
    referral = {r["id"]: r for r in held["referrals"]}[str(world.referral.id)]
    assert (referral["status"], referral["outcome"], referral["reason"]) == (
        "cancelled",
        "entered_in_error",
        "Feil familie.",
    )
    action = {a["id"]: a for a in held["actions"]}[lone["id"]]
    assert (action["status"], action["reason"]) == ("entered_in_error", "Feil familie.")
    kinds = {(c["record_type"], c["entered_in_error"]) for c in export["corrections"]}
    assert kinds == {("need", True), ("action", True)}


def test_a_need_entered_in_error_stays_in_its_history_the_timeline_and_the_trail(
    client: TestClient, world: World, session: Session
) -> None:
    in_error(client, world, f"/needs/{world.need.id}", 1)

    [entry] = history(client, world, f"/needs/{world.need.id}").json()
    assert entry["entered_in_error"] is True
    assert entry["changes"] == [
        {"field": "status", "before": "active", "after": "entered_in_error"}
    ]
    assert entry["reason"] is None
    timeline = client.get(
        f"{API}/families/{world.family.id}/timeline", headers=world.headers["lead"]
    ).json()
    [told] = [e for e in timeline if e["kind"] == "item_entered_in_error"]
    assert (told["need_id"], told["text"]) == (str(world.need.id), NEED)
    referral = [e for e in timeline if e["kind"] == "referral_status" and e["to_status"]]
    assert referral[0]["outcome"] == "entered_in_error"
    trail = session.scalars(
        select(AuditEvent.purpose).where(
            AuditEvent.record_type == "need", AuditEvent.record_id == str(world.need.id)
        )
    )
    assert "entered_in_error" in set(trail)


def test_a_need_entered_in_error_is_kept_as_it_is(client: TestClient, world: World) -> None:
    in_error(client, world, f"/needs/{world.need.id}", 1)

    again = patch(client, world, f"/needs/{world.need.id}", {"text": "Noe annet."}, 2)
    referral = client.post(
        f"{API}/needs/{world.need.id}/referrals",
        headers=world.headers["lead"],
        json={"external_service_name": "Leksehjelp"},
    )
    suggestions = client.get(
        f"{API}/needs/{world.need.id}/suggestions", headers=world.headers["lead"]
    )
    action = client.post(
        f"{API}/canvases/{world.canvas.id}/actions",
        headers=world.headers["lead"],
        json={
            "text": "Noe for behovet.",
            "responsible": {"kind": "family", "member": "Mor"},
            "need_ids": [str(world.need.id)],
        },
    )

    assert again.status_code == 409, again.text
    assert referral.status_code == 409, referral.text
    assert (suggestions.status_code, suggestions.json()) == (200, [])
    assert action.status_code == 422, action.text


def test_a_goal_and_an_action_entered_in_error_leave_the_canvas(
    client: TestClient, world: World
) -> None:
    in_error(client, world, f"/goals/{world.goal.id}", 1, reason="Skrevet på feil familie.")
    marked = in_error(client, world, f"/actions/{world.action.id}", world.action.version)

    document = canvas(client, world)
    assert document["goals"] == []
    assert document["actions"] == []
    back = patch(
        client, world, f"/actions/{world.action.id}", {"status": "planned"}, marked["version"]
    )
    assert back.status_code == 409, back.text  # for good: a new one is written instead
    [entry] = history(client, world, f"/goals/{world.goal.id}").json()
    assert (entry["entered_in_error"], entry["reason"]) == (True, "Skrevet på feil familie.")


def test_only_the_lead_side_says_an_action_was_entered_in_error(
    client: TestClient, world: World
) -> None:
    response = patch(
        client,
        world,
        f"/actions/{world.action.id}",
        {"status": "entered_in_error"},
        world.action.version,
        "consented",
    )

    assert response.status_code == 403, response.text
    assert item(client, world, "actions", world.action.id)["status"] == "planned"


def test_a_consented_unit_sees_no_item_entered_in_error(client: TestClient, world: World) -> None:
    # The world's plan (version 1) holds the need and unit B's action; both turn out wrong.
    in_error(client, world, f"/needs/{world.need.id}", 1)
    in_error(client, world, f"/actions/{world.action.id}", world.action.version)
    berit = world.headers["consented"]

    assigned = client.get(f"{API}/families/{world.family.id}/assigned", headers=berit).json()
    shared = client.get(f"{API}/plans/{world.plan.id}", headers=berit).json()["content"]
    whole = client.get(f"{API}/plans/{world.plan.id}", headers=world.headers["lead"]).json()

    assert assigned == {"actions": [], "referrals": []}
    assert (shared["needs"], shared["actions"], shared["referrals"]) == ([], [], [])
    # The version itself is kept as frozen: the lead side reads it whole.
    assert [n["text"] for n in whole["content"]["needs"]] == [NEED]


def test_the_next_version_leaves_the_need_out_and_the_diff_says_it_went(
    client: TestClient, world: World
) -> None:
    add_action(client, world, "Mor ringer boligkontoret.", goal_ids=[world.goal.id])
    in_error(client, world, f"/needs/{world.need.id}", 1)
    second = client.post(
        f"{API}/canvases/{world.canvas.id}/needs",
        headers=world.headers["lead"],
        json={"domain": "okonomi", "text": "Vi har gjeld.", "priority": 1},
    )
    assert second.status_code == 201, second.text

    plan = submit(client, world)
    diff = client.get(
        f"{API}/plans/{plan['id']}/diff", params={"against": "1"}, headers=world.headers["lead"]
    ).json()

    assert [n["text"] for n in plan["content"]["needs"]] == ["Vi har gjeld."]
    assert [n["text"] for n in diff["needs"]["removed"]] == [NEED]
    assert [n["text"] for n in diff["needs"]["added"]] == ["Vi har gjeld."]


def test_a_cancelled_action_leaves_the_familys_copy_of_the_next_version(
    client: TestClient, world: World, signed_in: SignedIn
) -> None:
    add_action(client, world, "Mor ringer boligkontoret.", need_ids=[world.need.id])
    cancelled = patch(
        client,
        world,
        f"/actions/{world.action.id}",
        {"status": "cancelled", "reason": "Familien fikk hjelp et annet sted."},
        world.action.version,
    )
    assert cancelled.status_code == 200, cancelled.text
    plan = submit(client, world)
    browser = signed_in(world.lead)

    first = page(browser.get(f"/plans/{world.plan.id}/print")).text
    second = page(browser.get(f"/plans/{plan['id']}/print")).text
    diff = client.get(
        f"{API}/plans/{plan['id']}/diff", params={"against": "1"}, headers=world.headers["lead"]
    ).json()

    assert ACTION in first  # version 1 was agreed with it
    assert ACTION not in second
    assert "Mor ringer boligkontoret." in second
    [changed] = diff["actions"]["changed"]
    assert changed["id"] == str(world.action.id)
    assert {c["field"]: c["after"] for c in changed["changes"]} == {
        "status": "cancelled",
        "reason": "Familien fikk hjelp et annet sted.",
    }


def test_an_item_entered_in_error_leaves_every_copy_of_the_family_plan(
    client: TestClient, world: World, signed_in: SignedIn
) -> None:
    browser = signed_in(world.lead)
    assert NEED in page(browser.get(f"/plans/{world.plan.id}/print")).text

    in_error(client, world, f"/needs/{world.need.id}", 1)
    in_error(client, world, f"/actions/{world.action.id}", world.action.version)

    for path in (f"/plans/{world.plan.id}/print", f"/plans/{world.plan.id}"):
        shown = page(browser.get(path)).text
        assert NEED not in shown, path
        assert ACTION not in shown, path

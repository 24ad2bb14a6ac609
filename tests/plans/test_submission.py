"""Submitting the plan (DESIGN §3 Plan, Review; §8 POST /canvases/{id}/plans, GET /plans/{id}).

A plan must hold what the Norwegian rules for an individual plan ask for before it can be
submitted, and the 422 names every missing element at once so the worker can fix them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from app.models import Canvas, Family, Unit, User
from app.models.enums import Role
from tests.factories import (
    auth_headers,
    build_world,
    fill_canvas_for_plan,
    make_canvas,
    make_family,
    make_unit,
    make_user,
)

IN_TWO_WEEKS = (local_today() + timedelta(days=14)).isoformat()


@dataclass
class Case:
    lead_unit: Unit
    other_unit: Unit
    lead: User
    reviewer: User
    family: Family
    canvas: Canvas
    headers: dict[str, str]
    reviewer_headers: dict[str, str]

    @property
    def canvas_url(self) -> str:
        return f"/api/v1/canvases/{self.canvas.id}"


def new_case(session: Session, settings: Settings, *, filled: bool) -> Case:
    lead_unit = make_unit(session, name="NAV Sentrum")
    other_unit = make_unit(session, name="Helsestasjon Øst")
    lead = make_user(session, units=[lead_unit])
    reviewer = make_user(session, role=Role.reviewer, units=[other_unit])
    family = make_family(session, lead, settings)
    canvas = make_canvas(session, lead, family)
    if filled:
        fill_canvas_for_plan(session, lead, family, canvas)
    case = Case(
        lead_unit,
        other_unit,
        lead,
        reviewer,
        family,
        canvas,
        auth_headers(session, lead, settings),
        auth_headers(session, reviewer, settings),
    )
    session.commit()
    return case


def post(client: TestClient, case: Case, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=case.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def add_need_and_goal(client: TestClient, case: Case) -> None:
    post(
        client,
        case,
        f"{case.canvas_url}/needs",
        {"domain": "bolig", "text": "Vi trenger mer plass.", "priority": 1},
    )
    post(client, case, f"{case.canvas_url}/goals", {"horizon": "short", "text": "Søke bolig."})


def add_action(client: TestClient, case: Case, responsible: dict[str, Any], **body: Any) -> None:
    action: dict[str, Any] = {"text": "Noe blir gjort.", "responsible": responsible}
    action.update(body)
    post(client, case, f"{case.canvas_url}/actions", action)


def consent(client: TestClient, case: Case, unit: Unit) -> None:
    post(
        client,
        case,
        f"/api/v1/families/{case.family.id}/consents",
        {"unit_id": str(unit.id), "given_by": "Mor"},
    )


def submit(client: TestClient, case: Case) -> httpx2.Response:
    return client.post(f"{case.canvas_url}/plans", headers=case.headers)


def fields(response: httpx2.Response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def ready_case(client: TestClient, session: Session, settings: Settings) -> Case:
    """A canvas that holds everything a plan needs: one action for the family, one for the
    plan lead's own unit, and one for another unit that has the family's consent."""
    case = new_case(session, settings, filled=True)
    add_need_and_goal(client, case)
    add_action(client, case, {"kind": "family", "member": "Mor"}, due=IN_TWO_WEEKS)
    add_action(client, case, {"kind": "unit", "unit_id": str(case.lead_unit.id)}, due=IN_TWO_WEEKS)
    add_action(client, case, {"kind": "unit", "unit_id": str(case.other_unit.id)}, due=IN_TWO_WEEKS)
    consent(client, case, case.other_unit)
    return case


def test_an_empty_canvas_names_every_missing_element_at_once(
    client: TestClient, session: Session, settings: Settings
) -> None:
    case = new_case(session, settings, filled=False)

    response = submit(client, case)

    assert response.status_code == 422, response.text
    assert set(fields(response)) == {
        "needs",
        "goals",
        "resources",
        "actions",
        "participants",
        "period",
        "next_review_date",
    }
    assert all(e["message"] for e in response.json()["errors"])
    assert (
        client.get(f"/api/v1/families/{case.family.id}/export", headers=case.headers).json()[
            "plans"
        ]
        == []
    )


def test_an_action_without_a_due_date_is_named(
    client: TestClient, session: Session, settings: Settings
) -> None:
    case = new_case(session, settings, filled=True)
    add_need_and_goal(client, case)
    add_action(client, case, {"kind": "family", "member": "Far"})

    response = submit(client, case)

    assert response.status_code == 422, response.text
    assert fields(response) == ["actions[0].due"]


def test_a_unit_without_the_familys_consent_is_named(
    client: TestClient, session: Session, settings: Settings
) -> None:
    case = new_case(session, settings, filled=True)
    add_need_and_goal(client, case)
    add_action(client, case, {"kind": "unit", "unit_id": str(case.other_unit.id)}, due=IN_TWO_WEEKS)

    response = submit(client, case)

    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == f"consents.{case.other_unit.id}"
    assert "Helsestasjon Øst" in error["message"]


def test_a_withdrawn_consent_does_not_count(
    client: TestClient, session: Session, settings: Settings
) -> None:
    case = new_case(session, settings, filled=True)
    add_need_and_goal(client, case)
    add_action(client, case, {"kind": "unit", "unit_id": str(case.other_unit.id)}, due=IN_TWO_WEEKS)
    given = post(
        client,
        case,
        f"/api/v1/families/{case.family.id}/consents",
        {"unit_id": str(case.other_unit.id), "given_by": "Mor"},
    )
    withdrawn = client.post(
        f"/api/v1/families/{case.family.id}/consents/{given['id']}/withdraw", headers=case.headers
    )
    assert withdrawn.status_code == 200

    response = submit(client, case)

    assert response.status_code == 422
    assert fields(response) == [f"consents.{case.other_unit.id}"]


def test_a_complete_plan_is_submitted_for_review_by_the_other_units(
    client: TestClient, session: Session, settings: Settings
) -> None:
    case = ready_case(client, session, settings)

    response = submit(client, case)

    assert response.status_code == 201, response.text
    plan = response.json()
    assert (plan["number"], plan["status"]) == (1, "in_review")
    # The plan lead's own unit holds an action too, but nobody approves their own plan.
    assert [(r["unit_id"], r["status"]) for r in plan["reviews"]] == [
        (str(case.other_unit.id), "pending")
    ]
    assert plan["family_id"] == str(case.family.id)
    assert plan["canvas_id"] == str(case.canvas.id)
    assert len(plan["content"]["actions"]) == 3
    assert [n["text"] for n in plan["content"]["needs"]] == ["Vi trenger mer plass."]


def test_a_plan_with_actions_only_for_the_family_and_own_unit_asks_nobody(
    client: TestClient, session: Session, settings: Settings
) -> None:
    case = new_case(session, settings, filled=True)
    add_need_and_goal(client, case)
    add_action(client, case, {"kind": "unit", "unit_id": str(case.lead_unit.id)}, due=IN_TWO_WEEKS)

    response = submit(client, case)

    assert response.status_code == 201, response.text
    assert response.json()["reviews"] == []


def test_submitting_again_makes_version_two_and_supersedes_version_one(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    lead = world.headers["lead"]

    again = client.post(f"/api/v1/canvases/{world.canvas.id}/plans", headers=lead)

    assert again.status_code == 201, again.text
    assert (again.json()["number"], again.json()["status"]) == (2, "in_review")
    first = client.get(f"/api/v1/plans/{world.plan.id}", headers=lead)
    assert first.status_code == 200, first.text
    assert (first.json()["number"], first.json()["status"]) == (1, "superseded")


def test_a_submitted_plan_does_not_change_with_the_canvas(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    lead = world.headers["lead"]
    url = f"/api/v1/plans/{world.plan.id}"
    before = client.get(url, headers=lead).json()["content"]
    canvas = client.get(f"/api/v1/canvases/{world.canvas.id}", headers=lead)

    changed = client.patch(
        f"/api/v1/canvases/{world.canvas.id}",
        json={
            "centre": {"what_matters": "Noe helt annet."},
            "domains": {"bolig": {"situation": "Vi har flyttet."}},
            "participants": [{"name": "Bestemor", "role": "network"}],
        },
        headers={**lead, "If-Match": canvas.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    added = client.post(
        f"/api/v1/canvases/{world.canvas.id}/goals",
        json={"horizon": "dream", "text": "Et hus med hage."},
        headers=lead,
    )
    assert added.status_code == 201

    after = client.get(url, headers=lead).json()["content"]

    assert after == before
    assert after["centre"] == {"what_matters": "At vi har det trygt hjemme."}
    assert after["domains"]["bolig"]["situation"] == "Vi bor trangt."
    assert [g["text"] for g in after["goals"]] == ["Søke ny bolig."]


def test_the_consented_reviewer_reads_the_plan_with_its_reviews(
    client: TestClient, session: Session, settings: Settings
) -> None:
    case = ready_case(client, session, settings)
    plan = submit(client, case).json()

    response = client.get(f"/api/v1/plans/{plan['id']}", headers=case.reviewer_headers)

    assert response.status_code == 200, response.text
    [review] = response.json()["reviews"]
    assert review["unit_id"] == str(case.other_unit.id)
    assert review["unit_name"] == "Helsestasjon Øst"
    assert review["status"] == "pending"
    # The plan as the family agreed to share it: its words, needs, goals and actions, without
    # the worker's scores and the codes ticked for statistics only (DESIGN §4.1).
    shared = response.json()["content"]
    assert shared["centre"] == plan["content"]["centre"]
    assert [n["text"] for n in shared["needs"]] == [n["text"] for n in plan["content"]["needs"]]
    assert [a["id"] for a in shared["actions"]] == [a["id"] for a in plan["content"]["actions"]]
    assert all("indicators" not in n for n in shared["needs"])
    assert all(
        set(d) == {"situation", "family_score", "strengths"} for d in shared["domains"].values()
    )


def test_only_the_plan_lead_side_submits(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    url = f"/api/v1/canvases/{world.canvas.id}/plans"

    # A consent shares the plan, not the canvas it is made from: nothing there to submit.
    assert client.post(url, headers=world.headers["consented"]).status_code == 404
    assert client.post(url, headers=world.headers["other_unit"]).status_code == 404
    assert client.post(url, headers=world.headers["same_unit"]).status_code == 201

"""Reviewing a plan, the family's approval, activation, closing, versions and what changed
between them (DESIGN §3 Plan, Review; §4; §8 POST /plans/{id}/reviews, /family-approval,
GET /review-queue, /plans/{id}/diff).

The world's plan 1 is in review with one review asked, of unit B (which has the family's
consent); unit A is the plan lead's, C is unrelated and D's consent was withdrawn.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from app.models import AuditEvent, Family, Plan, PlanReview
from app.models.enums import FamilyStatus, PlanStatus, ReviewStatus, Role
from tests.factories import World, auth_headers, build_world, make_user

API = "/api/v1"
PROBLEM_JSON = "application/problem+json"
IN_TWO_WEEKS = (local_today() + timedelta(days=14)).isoformat()


def review(
    client: TestClient,
    headers: dict[str, str],
    plan_id: Any,
    decision: str,
    comment: str | None = None,
    **extra: Any,
) -> httpx2.Response:
    body: dict[str, Any] = {"decision": decision, **extra}
    if comment is not None:
        body["comment"] = comment
    return client.post(f"{API}/plans/{plan_id}/reviews", json=body, headers=headers)


def approve_as_family(client: TestClient, world: World, plan_id: Any) -> httpx2.Response:
    return client.post(
        f"{API}/plans/{plan_id}/family-approval",
        json={"approved_by": "Amina Haddad"},
        headers=world.headers["lead"],
    )


def plan_as_lead(client: TestClient, world: World, plan_id: Any) -> dict[str, Any]:
    response = client.get(f"{API}/plans/{plan_id}", headers=world.headers["lead"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def submit_again(client: TestClient, world: World) -> dict[str, Any]:
    response = client.post(f"{API}/canvases/{world.canvas.id}/plans", headers=world.headers["lead"])
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def ask_unit_c_too(client: TestClient, world: World) -> dict[str, Any]:
    """Give unit C an action and the family's consent, and submit plan 2: B and C are asked."""
    lead = world.headers["lead"]
    action = client.post(
        f"{API}/canvases/{world.canvas.id}/actions",
        json={
            "text": "Skolen følger opp leksehjelp.",
            "responsible": {"kind": "unit", "unit_id": str(world.unit_c.id)},
            "due": IN_TWO_WEEKS,
        },
        headers=lead,
    )
    assert action.status_code == 201, action.text
    consent = client.post(
        f"{API}/families/{world.family.id}/consents",
        json={"unit_id": str(world.unit_c.id), "given_by": "Mor"},
        headers=lead,
    )
    assert consent.status_code == 201, consent.text
    return submit_again(client, world)


def problem(response: httpx2.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    return body


# --- deciding a review ------------------------------------------------------------------------


def test_the_asked_unit_approves_and_who_when_and_why_is_stored(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    response = review(client, world.headers["consented"], world.plan.id, "approved", "Ser bra ut.")

    assert response.status_code == 200, response.text
    [answer] = response.json()["reviews"]
    assert answer["unit_id"] == str(world.unit_b.id)
    assert (answer["status"], answer["comment"]) == ("approved", "Ser bra ut.")
    assert (answer["reviewer_id"], answer["reviewer_name"]) == (str(world.consented.id), "Berit B")
    assert answer["decided_at"] is not None
    # Not active yet: the family has not approved it.
    assert plan_as_lead(client, world, world.plan.id)["status"] == "in_review"
    stored = session.scalars(select(PlanReview).where(PlanReview.plan_id == world.plan.id)).one()
    session.refresh(stored)
    assert (stored.status, stored.reviewer_id) == (ReviewStatus.approved, world.consented.id)
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "plan_review", AuditEvent.record_id == str(stored.id)
        )
    ).one()
    assert (event.action, event.username, event.family_id) == (
        "update",
        world.consented.username,
        world.family.id,
    )


def test_asking_for_changes_needs_a_comment(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    for comment in (None, "   "):
        response = review(
            client, world.headers["consented"], world.plan.id, "changes_requested", comment
        )
        body = problem(response, 422)
        assert [e["field"] for e in body["errors"]] == ["comment"]

    [answer] = plan_as_lead(client, world, world.plan.id)["reviews"]
    assert (answer["status"], answer["reviewer_id"]) == ("pending", None)


def test_pending_is_not_a_decision(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    body = problem(review(client, world.headers["consented"], world.plan.id, "pending"), 422)

    assert [e["field"] for e in body["errors"]] == ["decision"]


def test_a_unit_may_change_its_mind_while_the_plan_is_in_review(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    reviewer = world.headers["consented"]
    assert review(client, reviewer, world.plan.id, "approved").status_code == 200

    again = review(client, reviewer, world.plan.id, "changes_requested", "Fristen er for kort.")

    assert again.status_code == 200, again.text
    [answer] = plan_as_lead(client, world, world.plan.id)["reviews"]
    assert (answer["status"], answer["comment"]) == ("changes_requested", "Fristen er for kort.")


@pytest.mark.parametrize(
    ("persona", "status", "problem_type"),
    [
        # Nobody approves their own plan.
        ("lead", 403, "/problems/forbidden"),
        ("same_unit", 403, "/problems/forbidden"),
        # Everyone else is told there is no such plan.
        ("other_unit", 404, "/problems/not-found"),
        ("withdrawn", 404, "/problems/not-found"),
        ("coordinator", 404, "/problems/not-found"),
        ("admin", 404, "/problems/not-found"),
    ],
)
def test_only_the_asked_unit_reviews_the_plan(
    client: TestClient,
    session: Session,
    settings: Settings,
    persona: str,
    status: int,
    problem_type: str,
) -> None:
    world = build_world(session, settings)

    body = problem(review(client, world.headers[persona], world.plan.id, "approved"), status)

    assert body["type"] == problem_type
    [answer] = plan_as_lead(client, world, world.plan.id)["reviews"]
    assert answer["status"] == "pending"


def test_a_consented_unit_that_was_not_asked_may_read_but_not_review(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    consent = client.post(
        f"{API}/families/{world.family.id}/consents",
        json={"unit_id": str(world.unit_c.id), "given_by": "Mor"},
        headers=world.headers["lead"],
    )
    assert consent.status_code == 201
    unit_c = world.headers["other_unit"]
    assert client.get(f"{API}/plans/{world.plan.id}", headers=unit_c).status_code == 200

    problem(review(client, unit_c, world.plan.id, "approved"), 403)


def test_a_reviewer_in_two_asked_units_says_which_one_answers(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    plan = ask_unit_c_too(client, world)
    both = make_user(session, role=Role.reviewer, units=[world.unit_b, world.unit_c])
    headers = auth_headers(session, both, settings)
    session.commit()

    unnamed = problem(review(client, headers, plan["id"], "approved"), 422)
    assert [e["field"] for e in unnamed["errors"]] == ["unit_id"]
    not_asked = review(client, headers, plan["id"], "approved", unit_id=str(world.unit_a.id))
    assert [e["field"] for e in problem(not_asked, 422)["errors"]] == ["unit_id"]

    named = review(client, headers, plan["id"], "approved", unit_id=str(world.unit_c.id))

    assert named.status_code == 200, named.text
    statuses = {r["unit_id"]: r["status"] for r in named.json()["reviews"]}
    assert statuses == {str(world.unit_b.id): "pending", str(world.unit_c.id): "approved"}


def test_a_review_is_decided_only_while_the_plan_is_in_review(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    submit_again(client, world)  # plan 1 is superseded by plan 2

    body = problem(review(client, world.headers["consented"], world.plan.id, "approved"), 409)

    assert body["type"] == "/problems/conflict"
    [answer] = plan_as_lead(client, world, world.plan.id)["reviews"]
    assert answer["status"] == "pending"


# --- the family's approval and activation -------------------------------------------------------


def test_the_lead_records_the_familys_approval(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    response = approve_as_family(client, world, world.plan.id)

    assert response.status_code == 200, response.text
    assert response.json()["family_approved_by"] == "Amina Haddad"
    assert response.json()["status"] == "in_review"  # unit B has not answered yet
    stored = session.get(Plan, world.plan.id)
    assert stored is not None
    session.refresh(stored)
    assert stored.family_approval_recorded_by_id == world.lead.id
    assert stored.family_approved_at is not None


def test_only_the_lead_side_records_the_familys_approval(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    url = f"{API}/plans/{world.plan.id}/family-approval"
    body = {"approved_by": "Amina Haddad"}

    problem(client.post(url, json=body, headers=world.headers["consented"]), 403)
    problem(client.post(url, json=body, headers=world.headers["other_unit"]), 404)
    empty = client.post(url, json={"approved_by": " "}, headers=world.headers["lead"])
    assert [e["field"] for e in problem(empty, 422)["errors"]] == ["approved_by"]

    assert plan_as_lead(client, world, world.plan.id)["family_approved_by"] is None


@pytest.mark.parametrize("family_first", [True, False])
def test_the_plan_is_active_when_every_unit_and_the_family_have_approved(
    client: TestClient, session: Session, settings: Settings, family_first: bool
) -> None:
    world = build_world(session, settings)
    steps: list[Callable[[], httpx2.Response]] = [
        lambda: approve_as_family(client, world, world.plan.id),
        lambda: review(client, world.headers["consented"], world.plan.id, "approved"),
    ]
    first, last = steps if family_first else steps[::-1]

    assert first().status_code == 200
    assert plan_as_lead(client, world, world.plan.id)["status"] == "in_review"
    assert last().status_code == 200

    plan = plan_as_lead(client, world, world.plan.id)
    assert plan["status"] == "active"
    assert plan["activated_at"] is not None


def test_a_changes_request_keeps_the_plan_in_review(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    approve_as_family(client, world, world.plan.id)

    review(client, world.headers["consented"], world.plan.id, "changes_requested", "Mer tid.")

    assert plan_as_lead(client, world, world.plan.id)["status"] == "in_review"


def test_a_plan_nobody_else_is_asked_to_review_is_active_on_the_familys_approval(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    # The only unit action becomes the plan lead's own unit's: nobody approves their own plan.
    action = client.get(f"{API}/canvases/{world.canvas.id}", headers=world.headers["lead"]).json()[
        "actions"
    ][0]
    moved = client.patch(
        f"{API}/actions/{action['id']}",
        json={"responsible": {"kind": "unit", "unit_id": str(world.unit_a.id)}},
        headers={**world.headers["lead"], "If-Match": str(action["version"])},
    )
    assert moved.status_code == 200, moved.text
    plan = submit_again(client, world)
    assert plan["reviews"] == []

    response = approve_as_family(client, world, plan["id"])

    assert response.json()["status"] == "active"


def test_the_next_version_supersedes_the_active_plan_only_when_it_is_approved(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    review(client, world.headers["consented"], world.plan.id, "approved")
    approve_as_family(client, world, world.plan.id)
    plan_2 = submit_again(client, world)

    # Version 1 stays in force while version 2 is in review.
    assert plan_as_lead(client, world, world.plan.id)["status"] == "active"

    review(client, world.headers["consented"], plan_2["id"], "approved")
    approve_as_family(client, world, plan_2["id"])

    plan_1 = plan_as_lead(client, world, world.plan.id)
    assert (plan_1["status"], plan_as_lead(client, world, plan_2["id"])["status"]) == (
        "superseded",
        "active",
    )
    assert plan_1["superseded_at"] is not None


def test_a_new_submission_supersedes_a_plan_still_in_review_at_once(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    submit_again(client, world)

    plan_1 = plan_as_lead(client, world, world.plan.id)
    assert plan_1["status"] == "superseded"
    assert plan_1["superseded_at"] is not None
    problem(approve_as_family(client, world, world.plan.id), 409)


# --- closing ------------------------------------------------------------------------------------


def test_closing_the_plan_keeps_the_outcome_and_closes_the_family(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    url = f"{API}/plans/{world.plan.id}/close"

    response = client.post(
        url,
        json={"outcome": "partly_reached", "note": "Boligen er på plass."},
        headers=world.headers["lead"],
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["outcome"], body["outcome_note"]) == (
        "closed",
        "partly_reached",
        "Boligen er på plass.",
    )
    assert body["closed_at"] is not None
    family = client.get(f"{API}/families/{world.family.id}", headers=world.headers["lead"])
    assert family.json()["status"] == "closed"
    stored = session.get(Plan, world.plan.id)
    household = session.get(Family, world.family.id)
    assert stored is not None
    assert household is not None
    session.refresh(stored)
    session.refresh(household)
    assert stored.closed_by_id == world.lead.id
    assert (household.status, household.closed_at is not None) == (FamilyStatus.closed, True)
    # A closed plan is not closed again, nor reviewed.
    problem(client.post(url, json={"outcome": "goals_reached"}, headers=world.headers["lead"]), 409)
    problem(review(client, world.headers["consented"], world.plan.id, "approved"), 409)


def test_closing_needs_a_known_outcome_and_the_lead_side(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    url = f"{API}/plans/{world.plan.id}/close"

    wrong = client.post(url, json={"outcome": "went_well"}, headers=world.headers["lead"])
    assert [e["field"] for e in problem(wrong, 422)["errors"]] == ["outcome"]
    problem(
        client.post(url, json={"outcome": "goals_reached"}, headers=world.headers["consented"]), 403
    )

    assert plan_as_lead(client, world, world.plan.id)["status"] == "in_review"


def test_a_superseded_plan_cannot_be_closed(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    submit_again(client, world)

    response = client.post(
        f"{API}/plans/{world.plan.id}/close",
        json={"outcome": "family_moved"},
        headers=world.headers["lead"],
    )

    problem(response, 409)
    assert plan_as_lead(client, world, world.plan.id)["closed_at"] is None
    family = client.get(f"{API}/families/{world.family.id}", headers=world.headers["lead"])
    assert family.json()["status"] == "active"


# --- versions and what changed ------------------------------------------------------------------


def test_the_familys_plan_versions_are_listed_oldest_first(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    plan_2 = submit_again(client, world)

    response = client.get(
        f"{API}/families/{world.family.id}/plans", headers=world.headers["consented"]
    )

    assert response.status_code == 200, response.text
    assert [(p["id"], p["number"], p["status"]) for p in response.json()] == [
        (str(world.plan.id), 1, "superseded"),
        (plan_2["id"], 2, "in_review"),
    ]


def test_the_diff_shows_what_changed_since_the_earlier_version(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    lead = world.headers["lead"]
    canvas = client.get(f"{API}/canvases/{world.canvas.id}", headers=lead).json()
    action = canvas["actions"][0]
    new_due = (local_today() + timedelta(days=40)).isoformat()
    changed = client.patch(
        f"{API}/actions/{action['id']}",
        json={"due": new_due, "text": "Barnevernet tilbyr veiledning hjemme."},
        headers={**lead, "If-Match": str(action["version"])},
    )
    assert changed.status_code == 200, changed.text
    goal = client.post(
        f"{API}/canvases/{world.canvas.id}/goals",
        json={"horizon": "long", "text": "Egen bolig."},
        headers=lead,
    )
    assert goal.status_code == 201
    patched = client.patch(
        f"{API}/canvases/{world.canvas.id}",
        json={"centre": {"what_matters": "Ro og trygghet."}},
        headers={**lead, "If-Match": f'"{canvas["version"]}"'},
    )
    assert patched.status_code == 200, patched.text
    plan_2 = submit_again(client, world)

    response = client.get(
        f"{API}/plans/{plan_2['id']}/diff",
        params={"against": 1},
        headers=world.headers["consented"],
    )

    assert response.status_code == 200, response.text
    diff = response.json()
    assert (diff["number"], diff["against"], diff["against_plan_id"]) == (2, 1, str(world.plan.id))
    assert [g["text"] for g in diff["goals"]["added"]] == ["Egen bolig."]
    assert diff["goals"]["removed"] == diff["goals"]["changed"] == []
    [action_change] = diff["actions"]["changed"]
    assert action_change["id"] == action["id"]
    assert {c["field"]: (c["before"], c["after"]) for c in action_change["changes"]} == {
        "text": ("Barnevernet tilbyr foreldreveiledning.", "Barnevernet tilbyr veiledning hjemme."),
        "due": (action["due"], new_due),
    }
    assert diff["centre"] == {"before": "At vi har det trygt hjemme.", "after": "Ro og trygghet."}
    assert diff["period"] is None
    assert diff["next_review_date"] is None
    assert diff["needs"] == {"added": [], "removed": [], "changed": []}


def test_the_diff_against_an_unknown_version_is_404_and_against_words_422(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    url = f"{API}/plans/{world.plan.id}/diff"
    lead = world.headers["lead"]

    assert problem(client.get(url, params={"against": 7}, headers=lead), 404)["detail"]
    words = problem(client.get(url, params={"against": "one"}, headers=lead), 422)
    assert [e["field"] for e in words["errors"]] == ["query.against"]
    for impossible in (0, -55186549235, 2**31):  # no version has such a number
        out_of_range = problem(client.get(url, params={"against": impossible}, headers=lead), 422)
        assert [e["field"] for e in out_of_range["errors"]] == ["query.against"]
    missing = problem(client.get(url, headers=lead), 422)
    assert [e["field"] for e in missing["errors"]] == ["query.against"]
    same = client.get(url, params={"against": 1}, headers=lead)
    assert same.status_code == 200
    assert same.json()["actions"] == {"added": [], "removed": [], "changed": []}


# --- the review queue ---------------------------------------------------------------------------


def queue(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(f"{API}/review-queue", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


def test_the_reviewer_finds_the_plan_waiting_for_its_unit(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    [item] = queue(client, world.headers["consented"])

    assert item == {
        "plan_id": str(world.plan.id),
        "family_id": str(world.family.id),
        "family_display_name": "Familien Test",
        "number": 1,
        "submitted_at": item["submitted_at"],
        "unit_id": str(world.unit_b.id),
        "unit_name": "Barnevern Test",
        "review_status": "pending",
        "actions_for_unit": 1,
    }
    assert item["submitted_at"]
    reads = session.scalars(
        select(AuditEvent).where(
            AuditEvent.family_id == world.family.id, AuditEvent.purpose == "review_queue"
        )
    ).all()
    assert [(e.action, e.username) for e in reads] == [("read", world.consented.username)]


def test_the_queue_shows_only_plans_waiting_for_the_callers_units(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    for persona in ("lead", "same_unit", "other_unit", "withdrawn"):
        assert queue(client, world.headers[persona]) == [], persona
    for persona in ("coordinator", "admin"):
        response = client.get(f"{API}/review-queue", headers=world.headers[persona])
        assert problem(response, 403)["type"] == "/problems/forbidden"


def test_an_answered_review_leaves_the_queue_and_a_changes_request_stays(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    reviewer = world.headers["consented"]

    review(client, reviewer, world.plan.id, "changes_requested", "Mer tid.")
    assert [i["review_status"] for i in queue(client, reviewer)] == ["changes_requested"]

    review(client, reviewer, world.plan.id, "approved")
    assert queue(client, reviewer) == []


def test_a_withdrawn_consent_empties_the_queue(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    withdrawn = client.post(
        f"{API}/families/{world.family.id}/consents/{world.consent_b_id}/withdraw",
        headers=world.headers["lead"],
    )
    assert withdrawn.status_code == 200

    assert queue(client, world.headers["consented"]) == []
    problem(review(client, world.headers["consented"], world.plan.id, "approved"), 404)
    # The review stays on the record (DESIGN §4.4) but no longer waits for anyone.
    [answer] = plan_as_lead(client, world, world.plan.id)["reviews"]
    assert answer["unit_id"] == str(world.unit_b.id)


def test_a_superseded_plan_leaves_the_queue_for_the_new_version(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    plan_2 = submit_again(client, world)

    assert [(i["plan_id"], i["number"]) for i in queue(client, world.headers["consented"])] == [
        (plan_2["id"], 2)
    ]


def test_the_plan_records_the_superseded_time_of_every_replaced_version(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    submit_again(client, world)
    submit_again(client, world)

    plans = session.scalars(
        select(Plan).where(Plan.family_id == world.family.id).order_by(Plan.number)
    ).all()
    for plan in plans:
        session.refresh(plan)
    assert [(p.status, p.superseded_at is not None) for p in plans] == [
        (PlanStatus.superseded, True),
        (PlanStatus.superseded, True),
        (PlanStatus.in_review, False),
    ]

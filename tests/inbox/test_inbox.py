"""The in-app inbox (issue 4, point 4): derived from the current state on every request, so it
shows only what the user may see now, and nothing once a consent is withdrawn."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Plan, PlanReview
from app.models.enums import PlanStatus, ReviewStatus, Role
from tests.factories import auth_headers, make_unit, make_user
from tests.inbox.conftest import API, Json, Shared, created, in_days, now


def _review(session: Session, shared: Shared) -> PlanReview:
    return session.scalars(
        select(PlanReview).where(
            PlanReview.plan_id == uuid.UUID(shared.plan_id),
            PlanReview.unit_id == shared.unit_b.id,
        )
    ).one()


def _activate(session: Session, shared: Shared, *, days_ago: int = 0) -> None:
    """What the review flow does when unit B and the family have approved (no endpoint here)."""
    review = _review(session, shared)
    review.status = ReviewStatus.approved
    review.reviewer_id = shared.reviewer.id
    review.decided_at = now()
    plan = session.get(Plan, uuid.UUID(shared.plan_id))
    assert plan is not None
    plan.status = PlanStatus.active
    plan.family_approved_by = "Mor"
    plan.family_approved_at = now()
    plan.activated_at = now() - timedelta(days=days_ago)
    session.commit()


def test_a_consented_reviewer_is_asked_to_review_a_submitted_plan(shared: Shared) -> None:
    [item] = shared.items(shared.reviewer_headers)

    assert item["kind"] == "review_requested"
    assert item["plan_id"] == shared.plan_id
    assert item["plan_number"] == 1
    assert item["family_id"] == shared.family_id
    assert item["family_name"] == "Familien Haddad"
    assert item["unit_name"] == "Barnevernet Øst"
    assert item["link"] == f"/plans/{shared.plan_id}/review"
    assert item["text"] == "Plan version 1 is waiting for review by Barnevernet Øst."
    assert item["new"] is True
    assert shared.inbox(shared.reviewer_headers)["unseen"] == 1
    assert shared.items(shared.headers, "review_requested") == []


def test_the_plan_lead_sees_the_changes_a_unit_asked_for(shared: Shared, session: Session) -> None:
    review = _review(session, shared)
    review.status = ReviewStatus.changes_requested
    review.comment = "Skriv hvem som følger opp foreldreveiledningen."
    review.reviewer_id = shared.reviewer.id
    review.decided_at = now()
    session.commit()

    [item] = shared.items(shared.headers, "changes_requested")

    assert item["plan_id"] == shared.plan_id
    assert item["unit_id"] == str(shared.unit_b.id)
    assert item["link"] == f"/plans/{shared.plan_id}"
    assert "Barnevernet Øst" in item["text"]
    assert "Skriv hvem som følger opp foreldreveiledningen." in item["text"]
    assert item["at"].startswith(review.decided_at.date().isoformat())
    assert shared.items(shared.reviewer_headers, "changes_requested") == []
    assert shared.items(shared.reviewer_headers, "review_requested") == []


def test_an_active_plan_is_news_for_its_lead_and_its_consented_units(
    shared: Shared, session: Session, settings: Settings
) -> None:
    stranger = make_user(session, units=[make_unit(session)])
    stranger_headers = auth_headers(session, stranger, settings)
    _activate(session, shared)

    for headers in (shared.headers, shared.reviewer_headers):
        [item] = shared.items(headers, "plan_active")
        assert item["plan_id"] == shared.plan_id
        assert item["link"] == f"/plans/{shared.plan_id}"
        assert item["text"] == "Plan version 1 is approved and now in force."
    assert shared.items(shared.reviewer_headers, "review_requested") == []
    assert shared.items(stranger_headers) == []


def test_a_plan_active_for_more_than_thirty_days_is_no_longer_news(
    shared: Shared, session: Session
) -> None:
    _activate(session, shared, days_ago=31)

    assert shared.items(shared.headers, "plan_active") == []
    assert shared.items(shared.reviewer_headers, "plan_active") == []


def test_an_action_due_within_a_week_reaches_its_unit_and_the_plan_lead(
    shared: Shared,
) -> None:
    due = in_days(3)
    action_id = shared.add_action(
        "Barnevernet ringer mor.", due, {"kind": "unit", "unit_id": str(shared.unit_b.id)}
    )
    family_action = shared.add_action(
        "Mor søker bostøtte.", in_days(2), {"kind": "family", "member": "Mor"}
    )

    [for_unit] = shared.items(shared.reviewer_headers, "action_due_soon")
    assert for_unit["action_id"] == action_id
    assert for_unit["due"] == due
    assert for_unit["link"] == f"/plans/{shared.plan_id}/review"
    assert "Barnevernet ringer mor." in for_unit["text"]

    for_lead = {i["action_id"]: i for i in shared.items(shared.headers, "action_due_soon")}
    # The action due in two weeks is not due soon; the family's own action is the lead's to follow.
    assert set(for_lead) == {action_id, family_action}
    assert for_lead[action_id]["link"] == f"/canvases/{shared.canvas_id}/actions"


def test_an_overdue_action_stays_until_its_unit_reports_it_done(
    shared: Shared, client: TestClient
) -> None:
    yesterday = in_days(-1)
    action_id = shared.add_action(
        "Barnevernet kaller inn til møte.",
        yesterday,
        {"kind": "unit", "unit_id": str(shared.unit_b.id)},
    )

    for headers in (shared.headers, shared.reviewer_headers):
        [item] = shared.items(headers, "action_overdue")
        assert (item["action_id"], item["due"]) == (action_id, yesterday)
        assert item["text"].startswith("Was due ")

    done = client.patch(
        f"{API}/actions/{action_id}",
        headers={**shared.reviewer_headers, "If-Match": '"1"'},
        json={"status": "done"},
    )
    assert done.status_code == 200, done.text
    assert shared.items(shared.headers, "action_overdue") == []
    assert shared.items(shared.reviewer_headers, "action_overdue") == []


def test_the_plan_lead_is_told_a_consent_is_about_to_expire(
    shared: Shared, session: Session
) -> None:
    school = make_unit(session, name="Skolen Vest")
    later = make_unit(session, name="Helsestasjonen")
    session.commit()
    soon = now() + timedelta(days=10)
    consent_id = shared.give_consent(school, expires_at=soon)
    shared.give_consent(later, expires_at=now() + timedelta(days=60))

    [item] = shared.items(shared.headers, "consent_expiring")

    assert item["consent_id"] == consent_id
    assert item["unit_name"] == "Skolen Vest"
    assert item["due"] == soon.date().isoformat()
    assert item["link"] == f"/families/{shared.family_id}/consents"
    assert "Skolen Vest" in item["text"]
    assert shared.items(shared.reviewer_headers, "consent_expiring") == []


def test_a_withdrawn_consent_empties_the_reviewers_inbox_at_once(
    shared: Shared, client: TestClient
) -> None:
    shared.add_action(
        "Barnevernet ringer mor.", in_days(1), {"kind": "unit", "unit_id": str(shared.unit_b.id)}
    )
    kinds = {i["kind"] for i in shared.items(shared.reviewer_headers)}
    assert kinds == {"review_requested", "action_due_soon"}

    withdrawn = client.post(
        f"{API}/families/{shared.family_id}/consents/{shared.consent_b_id}/withdraw",
        headers=shared.headers,
    )
    assert withdrawn.status_code == 200, withdrawn.text

    assert shared.inbox(shared.reviewer_headers) == {"items": [], "unseen": 0}
    assert [i["kind"] for i in shared.items(shared.headers)] == ["action_due_soon"]


@pytest.mark.parametrize("role", [Role.coordinator, Role.admin])
def test_coordinators_and_admins_have_an_empty_inbox(
    shared: Shared, session: Session, settings: Settings, role: Role
) -> None:
    # Even as members of the unit that was asked to review, with the family's consent.
    user = make_user(session, role=role, units=[shared.unit_b, shared.unit_a])
    headers = auth_headers(session, user, settings)
    session.commit()

    assert shared.inbox(headers) == {"items": [], "unseen": 0}


def test_marking_the_inbox_seen_leaves_only_later_items_new(
    shared: Shared, client: TestClient
) -> None:
    assert shared.inbox(shared.reviewer_headers)["unseen"] == 1

    seen = client.post(f"{API}/inbox/seen", headers=shared.reviewer_headers)

    assert seen.status_code == 204, seen.text
    after = shared.inbox(shared.reviewer_headers)
    assert after["unseen"] == 0
    assert [(i["plan_id"], i["new"]) for i in after["items"]] == [(shared.plan_id, False)]

    second = shared.submit_plan()
    again = shared.inbox(shared.reviewer_headers)
    assert again["unseen"] == 1
    assert [(i["plan_id"], i["new"]) for i in again["items"]] == [(second["id"], True)]


def _audit(client: TestClient, shared: Shared) -> list[Json]:
    response = client.get(f"{API}/families/{shared.family_id}/audit", headers=shared.headers)
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


def test_every_family_named_in_the_inbox_is_in_its_audit_trail_once(
    shared: Shared, client: TestClient
) -> None:
    shared.add_action(
        "Barnevernet ringer mor.", in_days(1), {"kind": "unit", "unit_id": str(shared.unit_b.id)}
    )
    assert len(shared.items(shared.reviewer_headers)) == 2

    reads = [e for e in _audit(client, shared) if e["purpose"] == "inbox"]

    assert [(e["username"], e["action"], e["record_id"]) for e in reads] == [
        (shared.reviewer.username, "read", shared.family_id)
    ]
    assert reads[0]["unit"] == "Barnevernet Øst"


def _overdue_family(shared: Shared, name: str) -> None:
    body = {
        "display_name": name,
        "municipality_code": "3107",
        "language": "nb",
        "household": {"adults": 1, "children_birth_years": [], "single_parent": False},
    }
    family = created(shared.client, "/families", shared.headers, body)
    canvas = created(
        shared.client,
        f"/families/{family['id']}/canvases",
        shared.headers,
        {"template_key": "familie"},
    )
    created(
        shared.client,
        f"/canvases/{canvas['id']}/actions",
        shared.headers,
        {
            "text": "Mor ringer NAV.",
            "responsible": {"kind": "family", "member": "Mor"},
            "due": in_days(-2),
        },
    )


def test_the_inbox_asks_the_database_the_same_few_questions_for_many_families(
    shared: Shared, statements: list[str]
) -> None:
    _overdue_family(shared, "Familien En")
    statements.clear()
    assert len(shared.items(shared.headers)) == 1
    with_one = [s for s in statements if s != "INSERT"]

    for name in ("Familien To", "Familien Tre", "Familien Fire"):
        _overdue_family(shared, name)
    statements.clear()
    assert len(shared.items(shared.headers)) == 4
    with_four = [s for s in statements if s != "INSERT"]

    # One query per kind of row (messages from families made it sixteen), however many families.
    assert len(with_four) == len(with_one) <= 16
    # One audit event per family named, and nothing else written.
    assert statements.count("INSERT") == 4


def test_a_reviewer_still_seeing_the_family_through_another_unit_loses_the_withdrawn_units_items(
    shared: Shared, session: Session, settings: Settings, client: TestClient
) -> None:
    school = make_unit(session, name="Skolen Vest")
    both = make_user(session, role=Role.reviewer, units=[shared.unit_b, school])
    both_headers = auth_headers(session, both, settings)
    session.commit()
    shared.give_consent(school)
    shared.add_action(
        "Barnevernet ringer mor.", in_days(1), {"kind": "unit", "unit_id": str(shared.unit_b.id)}
    )
    assert {i["kind"] for i in shared.items(both_headers)} == {
        "review_requested",
        "action_due_soon",
    }

    withdrawn = client.post(
        f"{API}/families/{shared.family_id}/consents/{shared.consent_b_id}/withdraw",
        headers=shared.headers,
    )
    assert withdrawn.status_code == 200, withdrawn.text

    # The school's consent still lets them read the family, but unit B's work is not theirs now.
    family = client.get(f"{API}/families/{shared.family_id}", headers=both_headers)
    assert family.status_code == 200, family.text
    assert shared.items(both_headers) == []


def test_a_colleague_of_the_plan_lead_hears_of_their_own_units_actions_only(
    shared: Shared, session: Session, settings: Settings
) -> None:
    colleague = make_user(session, units=[shared.unit_a])
    colleague_headers = auth_headers(session, colleague, settings)
    session.commit()
    ours = shared.add_action(
        "NAV avtaler møte om bolig.", in_days(2), {"kind": "unit", "unit_id": str(shared.unit_a.id)}
    )
    shared.add_action(
        "Barnevernet ringer mor.", in_days(2), {"kind": "unit", "unit_id": str(shared.unit_b.id)}
    )
    shared.add_action("Mor søker bostøtte.", in_days(2), {"kind": "family", "member": "Mor"})

    items = shared.items(colleague_headers)

    assert [(i["kind"], i["action_id"]) for i in items] == [("action_due_soon", ours)]
    assert items[0]["link"] == f"/canvases/{shared.canvas_id}/actions"
    assert len(shared.items(shared.headers, "action_due_soon")) == 3

"""The family's timeline (issue 4): one list, newest first, of what happened in the case, with
who did it for which unit and the records it is about. The plan lead's side only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.actor import Visitor
from app.config import Settings
from app.consents import service as consent_service
from app.models import AuditEvent, Consent, Plan, PlanLeadChange, PlanReview
from app.models.enums import PlanStatus, ReviewStatus
from tests.factories import World, build_world
from tests.html import page
from tests.pages import SignedIn

Entry = dict[str, Any]


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def timeline(client: TestClient, world: World, persona: str = "lead") -> list[Entry]:
    response = client.get(
        f"/api/v1/families/{world.family.id}/timeline", headers=world.headers[persona]
    )
    assert response.status_code == 200, response.text
    entries: list[Entry] = response.json()
    return entries


def of_kind(entries: list[Entry], kind: str) -> list[Entry]:
    return [e for e in entries if e["kind"] == kind]


def test_the_timeline_holds_the_case_so_far_newest_first(client: TestClient, world: World) -> None:
    entries = timeline(client, world)

    times = [datetime.fromisoformat(e["at"]) for e in entries]
    assert times == sorted(times, reverse=True)
    assert all(t.tzinfo is not None for t in times)
    [submitted] = of_kind(entries, "plan_submitted")
    assert (submitted["plan_id"], submitted["plan_number"]) == (str(world.plan.id), 1)
    assert submitted["actor"] == {"id": str(world.lead.id), "name": "Kari Lead"}
    assert submitted["actor_unit"] == {"id": str(world.unit_a.id), "name": "NAV Test"}
    given = {e["unit"]["name"]: e for e in of_kind(entries, "consent_given")}
    assert set(given) == {"Barnevern Test", "Husbanken Test"}
    assert given["Barnevern Test"]["consent_id"] == str(world.consent_b_id)
    assert given["Barnevern Test"]["family_member"] == "Mor"
    [withdrawn] = of_kind(entries, "consent_withdrawn")
    assert withdrawn["unit"]["name"] == "Husbanken Test"
    [added] = of_kind(entries, "action_status")
    assert (added["action_id"], added["from_status"], added["to_status"]) == (
        str(world.action.id),
        None,
        "planned",
    )
    assert added["text"] == "Barnevernet tilbyr foreldreveiledning."
    assert [(e["from_status"], e["to_status"]) for e in of_kind(entries, "referral_status")] == [
        ("proposed", "sent"),
        (None, "proposed"),
    ]


def test_a_units_status_change_shows_who_which_unit_and_why(
    client: TestClient, world: World
) -> None:
    reviewer = world.headers["consented"]
    started = client.patch(
        f"/api/v1/actions/{world.action.id}",
        json={"status": "in_progress"},
        headers={**reviewer, "If-Match": f'"{world.action.version}"'},
    )
    assert started.status_code == 200, started.text
    declined = client.patch(
        f"/api/v1/referrals/{world.referral.id}",
        json={"status": "declined", "reason": "Ingen ledig plass før sommeren."},
        headers={**reviewer, "If-Match": f'"{world.referral.version}"'},
    )
    assert declined.status_code == 200, declined.text

    entries = timeline(client, world)

    newest, next_newest = entries[0], entries[1]
    assert newest["kind"] == "referral_status"
    assert (newest["from_status"], newest["to_status"]) == ("sent", "declined")
    assert newest["reason"] == "Ingen ledig plass før sommeren."
    assert newest["actor"]["name"] == "Berit B"
    assert newest["actor_unit"]["name"] == "Barnevern Test"
    assert newest["referral_id"] == str(world.referral.id)
    assert next_newest["kind"] == "action_status"
    assert (next_newest["from_status"], next_newest["to_status"]) == ("planned", "in_progress")
    assert next_newest["actor_unit"] == {"id": str(world.unit_b.id), "name": "Barnevern Test"}


def test_reviews_family_approval_and_closing_are_on_the_timeline(
    client: TestClient, session: Session, world: World
) -> None:
    # Recorded as the review flow records them (its endpoints are another room's).
    now = datetime.now(UTC)
    review = session.scalars(select(PlanReview).where(PlanReview.plan_id == world.plan.id)).one()
    review.status = ReviewStatus.changes_requested
    review.comment = "Legg til hvem som følger opp skolen."
    review.reviewer_id = world.consented.id
    review.decided_at = now + timedelta(seconds=1)
    plan = session.get(Plan, world.plan.id)
    assert plan is not None
    plan.family_approved_by = "Mor"
    plan.family_approved_at = now + timedelta(seconds=2)
    plan.family_approval_recorded_by_id = world.lead.id
    plan.status = PlanStatus.active
    plan.activated_at = now + timedelta(seconds=3)
    plan.status = PlanStatus.closed
    plan.closed_at = now + timedelta(seconds=4)
    plan.closed_by_id = world.lead.id
    plan.outcome = "goals_reached"
    plan.outcome_note = "Familien har fått ny bolig."
    session.commit()

    entries = timeline(client, world)

    assert [e["kind"] for e in entries[:4]] == [
        "plan_closed",
        "plan_active",
        "plan_approved_by_family",
        "plan_changes_requested",
    ]
    closed, active, approved, changes = entries[:4]
    assert (closed["outcome"], closed["reason"]) == ("goals_reached", "Familien har fått ny bolig.")
    assert active["actor"] is None
    assert approved["family_member"] == "Mor"
    assert approved["actor"]["name"] == "Kari Lead"
    assert changes["reason"] == "Legg til hvem som følger opp skolen."
    assert changes["unit"]["name"] == changes["actor_unit"]["name"] == "Barnevern Test"
    assert changes["review_id"] == str(review.id)
    assert all(e["plan_id"] == str(world.plan.id) for e in entries[:4])


def test_a_new_version_supersedes_the_one_in_review(client: TestClient, world: World) -> None:
    second = client.post(f"/api/v1/canvases/{world.canvas.id}/plans", headers=world.headers["lead"])
    assert second.status_code == 201, second.text

    entries = timeline(client, world)

    by_kind = {(e["kind"], e["plan_number"]) for e in entries}
    assert {("plan_submitted", 2), ("plan_superseded", 1), ("plan_submitted", 1)} <= by_kind


def test_reading_the_timeline_is_audited(
    client: TestClient, session: Session, world: World
) -> None:
    timeline(client, world)

    reads = session.scalars(
        select(AuditEvent).where(
            AuditEvent.family_id == world.family.id, AuditEvent.record_type == "timeline"
        )
    ).all()
    assert [(e.username, e.action) for e in reads] == [(world.lead.username, "read")]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("same_unit", 200), ("consented", 404), ("other_unit", 404), ("admin", 404)],
)
def test_only_the_plan_lead_side_reads_the_timeline(
    client: TestClient, world: World, persona: str, status: int
) -> None:
    response = client.get(
        f"/api/v1/families/{world.family.id}/timeline", headers=world.headers[persona]
    )
    assert response.status_code == status


def test_the_timeline_page_tells_the_case_in_words(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    session.add(
        PlanLeadChange(
            family_id=world.family.id,
            from_user_id=world.same_unit.id,
            from_unit_id=world.unit_a.id,
            to_user_id=world.lead.id,
            to_unit_id=world.unit_a.id,
            changed_by_id=world.same_unit.id,
            note="Overtar etter permisjon.",
        )
    )
    session.commit()
    browser = signed_in(world.lead)

    response = browser.get(f"/families/{world.family.id}/timeline")

    assert response.status_code == 200
    entries = page(response).all("[data-kind]")
    kinds = [entry["data-kind"] for entry in entries]
    assert kinds[0] == "plan_lead_changed"
    assert {"plan_submitted", "consent_given", "consent_withdrawn", "action_status"} <= set(kinds)
    assert "Overtar etter permisjon." in entries[0].text
    assert "Kari Lead" in entries[0].text
    assert "Barnevernet tilbyr foreldreveiledning." in response.text


@pytest.mark.parametrize(("persona", "status"), [("consented", 404), ("other_unit", 404)])
def test_the_timeline_page_is_for_the_plan_lead_side(
    signed_in: SignedIn, world: World, persona: str, status: int
) -> None:
    browser = signed_in(getattr(world, persona))
    assert browser.get(f"/families/{world.family.id}/timeline").status_code == status


def test_a_consent_a_member_gave_or_withdrew_through_id_porten_shows_the_member(
    signed_in: SignedIn, client: TestClient, session: Session, world: World
) -> None:
    """The member did it on the family's pages: no user is the actor, the member is, and the
    plan lead's side is told so by name (it is their case)."""
    mother = Visitor(
        member_id=world.mother.id,
        family_id=world.family.id,
        name=world.mother.name,
        language="nb",
        session_id=uuid.uuid4(),
    )
    consent_service.withdraw_by_member(
        session, mother, session.get_one(Consent, world.consent_b_id)
    )
    consent_service.give_by_member(session, mother, world.unit_c, None)
    session.commit()

    entries = timeline(client, world)
    consents = of_kind(entries, "consent_given") + of_kind(entries, "consent_withdrawn")
    by_member = {
        (e["kind"], e["unit"]["name"], e["member_actor"], e["actor"] is None) for e in consents
    }
    assert ("consent_given", "Skole Test", "Mor Test", True) in by_member
    assert ("consent_withdrawn", "Barnevern Test", "Mor Test", True) in by_member
    browser = signed_in(world.lead)
    response = browser.get(f"/families/{world.family.id}/timeline")

    assert response.status_code == 200
    shown = [e for e in page(response).all("[data-kind^=consent_]") if "ID-porten" in e.text]
    assert [(e["data-kind"], e.one(".trail-who").text) for e in shown] == [
        ("consent_given", "Av Mor Test (via ID-porten)"),
        ("consent_withdrawn", "Av Mor Test (via ID-porten)"),
    ]

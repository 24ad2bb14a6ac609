"""The family's own pages (DESIGN §12, issue 15): a parent signed in through ID-porten (a real
provider process) approves the plan waiting for the family and withdraws a service's consent;
each is recorded as hers, and the service loses the plan on its next request."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.actions import service as action_service
from app.actions.schemas import ActionCreate, Responsible
from app.kit.i18n import local_today
from app.models import Action, AuditEvent, Consent, Plan
from app.models.enums import ResponsibleKind
from tests.factories import MOR_NATIONAL_ID, World, actor_of
from tests.family.door import Browser, csrf_of, sign_in
from tests.html import page
from tests.oidc_provider import Provider


def test_a_parent_approves_the_plan_waiting_for_her_signed_in(
    mother: TestClient, session: Session, world: World
) -> None:
    home = mother.get("/familie/")
    form = page(home).form(f"/familie/plan/{world.plan.id}/godkjenn")
    assert "Planen venter på godkjenningen deres" in home.text

    unconfirmed = mother.post(
        f"/familie/plan/{world.plan.id}/godkjenn",
        data={"csrftoken": csrf_of(home)},
        follow_redirects=False,
    )
    session.expire_all()
    assert session.get_one(Plan, world.plan.id).family_approved_at is None
    approved = mother.post(
        f"/familie/plan/{world.plan.id}/godkjenn",
        data={"csrftoken": csrf_of(home), "confirm": "yes"},
        follow_redirects=False,
    )

    assert form.one("button").text == "Godkjenn planen"
    assert unconfirmed.headers["location"] == "/familie/?done=approve_unconfirmed"
    assert approved.headers["location"] == "/familie/?done=approved"
    session.expire_all()
    plan = session.get_one(Plan, world.plan.id)
    assert (plan.family_approved_by, plan.family_approved_by_member_id) == (
        "Mor Test",
        world.mother.id,
    )
    assert plan.family_approval_recorded_by_id is None
    # Unit B has not reviewed yet: the plan stays in review until it has.
    assert plan.status.value == "in_review"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.purpose == "family_approval_signed")
    ).one()
    assert (event.member_id, event.user_id, event.role) == (world.mother.id, None, "family_member")
    again = mother.get("/familie/?done=approved")
    assert "Du godkjente planen." in again.text
    assert f"/familie/plan/{world.plan.id}/godkjenn" not in again.text


def test_a_parent_withdraws_the_consent_after_confirming_and_the_unit_loses_the_plan(
    mother: TestClient, client: TestClient, session: Session, world: World
) -> None:
    reviewer = world.headers["consented"]
    assert client.get(f"/api/v1/plans/{world.plan.id}", headers=reviewer).status_code == 200
    listed = mother.get("/familie/samtykker")
    link = page(listed).one(".card-extra")
    assert page(listed).one(".card-title").text == "Barnevern Test"
    assert link["href"] == f"/familie/samtykker/{world.consent_b_id}/trekk"
    question = mother.get(link["href"])
    assert page(question).one("h1").text == "Slutte å dele planen med Barnevern Test?"

    unconfirmed = mother.post(link["href"], data={"csrftoken": csrf_of(question)})
    assert unconfirmed.status_code == 422
    assert client.get(f"/api/v1/plans/{world.plan.id}", headers=reviewer).status_code == 200
    withdrawn = mother.post(
        link["href"],
        data={"csrftoken": csrf_of(question), "confirm": "yes"},
        follow_redirects=False,
    )

    assert withdrawn.status_code == 303
    assert client.get(f"/api/v1/plans/{world.plan.id}", headers=reviewer).status_code == 404
    session.expire_all()
    consent = session.get_one(Consent, world.consent_b_id)
    assert (consent.withdrawn_by_member_id, consent.withdrawn_by_id) == (world.mother.id, None)
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "consent_withdrawn", AuditEvent.member_id.is_not(None)
        )
    ).one()
    assert event.record_id == str(world.consent_b_id)
    after = mother.get("/familie/samtykker?done=withdrawn")
    assert "Barnevern Test" not in page(after).one("main").text.split("Tjenester")[1]
    assert mother.get(link["href"]).status_code == 404


def test_a_parent_marks_the_family_action_done_and_the_plan_lead_sees_who_and_when(
    door: Browser, idporten: Provider, client: TestClient, session: Session, world: World
) -> None:
    lead = actor_of(session, world.lead)
    ours = action_service.add_action(
        session,
        lead,
        scope_for(session, lead, world.family),
        world.canvas,
        ActionCreate(
            text="Mor søker bostøtte.",
            responsible=Responsible(kind=ResponsibleKind.family, member="Mor"),
            due=local_today() + timedelta(days=10),
            need_ids=[world.need.id],
        ),
    )
    session.commit()
    browser = door()
    sign_in(browser, idporten, "mor-sub", MOR_NATIONAL_ID)
    listed = browser.get("/familie/oppgaver")
    texts = page(listed).texts(".card-title")
    # Only the family's own: unit B's action is not theirs to mark.
    assert texts == ["Mor søker bostøtte."]

    marked = browser.post(
        f"/familie/oppgaver/{ours.id}/ferdig",
        data={"csrftoken": csrf_of(listed)},
        follow_redirects=False,
    )
    theirs = browser.post(
        f"/familie/oppgaver/{world.action.id}/ferdig",
        data={"csrftoken": csrf_of(listed)},
        follow_redirects=False,
    )

    assert marked.status_code == 303
    assert theirs.status_code == 404
    session.expire_all()
    assert session.get_one(Action, ours.id).status.value == "done"
    assert session.get_one(Action, world.action.id).status.value == "planned"
    timeline = client.get(
        f"/api/v1/families/{world.family.id}/timeline", headers=world.headers["lead"]
    ).json()
    [entry] = [e for e in timeline if e["action_id"] == str(ours.id) and e["to_status"] == "done"]
    assert entry["family_member"] == "Mor Test"
    assert entry["actor"] is None
    assert entry["at"]


def test_who_has_seen_our_data_counts_the_staff_not_the_family(
    mother: TestClient, client: TestClient, world: World
) -> None:
    client.get(f"/api/v1/plans/{world.plan.id}", headers=world.headers["consented"])

    trail = mother.get("/familie/innsyn")

    rows = page(trail).texts(".trail-summary li")
    barnevern = next(r for r in rows if r.startswith("Barnevern Test"))
    assert "1 person" in barnevern
    # Her own visits are not "someone who has seen our data".
    assert all("Mor Test" not in r for r in rows)

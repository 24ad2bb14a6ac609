"""Giving a consent on the family's pages (DESIGN §12, issue 15): a unit responsible for
actions in the plan with no consent in force is proposed; a parent signed in through
ID-porten (a real provider process) reads the statement, confirms, and the consent is
recorded as given by her. The unit reads the plan on its next request."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.consents import service as consent_service
from app.models import AuditEvent, Consent
from tests.factories import World, actor_of
from tests.family.door import csrf_of
from tests.html import page


def _withdrawn_by_the_lead(session: Session, world: World) -> None:
    """Unit B, responsible for an action in the plan, no longer has a consent."""
    consent = session.get_one(Consent, world.consent_b_id)
    lead = actor_of(session, world.lead)
    consent_service.withdraw_consent(session, lead, scope_for(session, lead, world.family), consent)
    session.commit()


def test_a_parent_gives_the_consent_the_plan_lead_proposed_and_the_unit_reads_the_plan(
    mother: TestClient, client: TestClient, session: Session, world: World
) -> None:
    _withdrawn_by_the_lead(session, world)
    reviewer = world.headers["consented"]
    assert client.get(f"/api/v1/plans/{world.plan.id}", headers=reviewer).status_code == 404
    listed = page(mother.get("/familie/samtykker"))
    proposed = listed.one("section[aria-labelledby=proposed-heading]")
    assert proposed.texts(".card-title") == ["Barnevern Test"]
    link = proposed.one("a.card-extra")["href"]
    assert link == f"/familie/samtykker/ny/{world.unit_b.id}"
    question = mother.get(link)
    statement = page(question)
    assert statement.texts("li[data-unit-id]") == ["Barnevern Test"]
    assert statement.one("h1").text == "Dele planen med Barnevern Test?"

    unconfirmed = mother.post(link, data={"csrftoken": csrf_of(question)})
    assert unconfirmed.status_code == 422
    assert client.get(f"/api/v1/plans/{world.plan.id}", headers=reviewer).status_code == 404
    given = mother.post(
        link, data={"csrftoken": csrf_of(question), "confirm": "yes"}, follow_redirects=False
    )

    assert given.status_code == 303
    assert given.headers["location"] == "/familie/samtykker?done=given"
    assert client.get(f"/api/v1/plans/{world.plan.id}", headers=reviewer).status_code == 200
    session.expire_all()
    consent = session.scalars(
        select(Consent).where(Consent.unit_id == world.unit_b.id, Consent.withdrawn_at.is_(None))
    ).one()
    assert (consent.given_by, consent.given_by_member_id, consent.recorded_by_id) == (
        "Mor Test",
        world.mother.id,
        None,
    )
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "consent_given", AuditEvent.member_id.is_not(None)
        )
    ).one()
    assert (event.member_id, event.record_id) == (world.mother.id, str(consent.id))
    after = page(mother.get("/familie/samtykker?done=given"))
    assert after.texts("section[aria-labelledby=shared-heading] .card-title") == ["Barnevern Test"]
    # Given now: no longer proposed, and not given twice.
    assert mother.get(link).status_code == 404


def test_a_unit_not_proposed_cannot_be_given_a_consent(
    mother: TestClient, client: TestClient, session: Session, world: World
) -> None:
    # Unit C has no action in the plan; unit B has a consent in force already.
    for unit in (world.unit_c, world.unit_b):
        url = f"/familie/samtykker/ny/{unit.id}"
        form = mother.get("/familie/samtykker")
        refused = mother.post(url, data={"csrftoken": csrf_of(form), "confirm": "yes"})
        assert refused.status_code == 404
    assert session.scalars(select(Consent).where(Consent.unit_id == world.unit_c.id)).all() == []
    listed = page(mother.get("/familie/samtykker"))
    assert listed.all("section[aria-labelledby=proposed-heading]") == []

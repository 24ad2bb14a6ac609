"""Giving a consent on the family's pages (DESIGN §12, issue 15): a unit responsible for
actions in the plan with no consent in force is proposed; a parent signed in through
ID-porten (a real provider process) reads the statement, confirms, and the consent is
recorded as given by her. The unit reads the plan on its next request."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.consents import service as consent_service
from app.kit.i18n import LOCAL_TIME, local_today, long_date
from app.models import AuditEvent, Consent, Plan
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


def _given_expiry(session: Session, world: World) -> datetime | None:
    session.expire_all()
    consents = session.scalars(
        select(Consent).where(Consent.unit_id == world.unit_b.id, Consent.withdrawn_at.is_(None))
    ).all()
    if not consents:
        return None
    [consent] = consents
    assert consent.expires_at is not None
    return consent.expires_at


def test_the_member_chooses_how_long_the_consent_lasts_a_year_unless_they_choose(
    mother: TestClient, session: Session, world: World
) -> None:
    _withdrawn_by_the_lead(session, world)
    link = f"/familie/samtykker/ny/{world.unit_b.id}"
    question = mother.get(link)
    terms = page(question).all("input[name=term]")
    # The world's plan's period ends in 90 days: "until the plan ends" is offered too.
    assert [t["value"] for t in terms] == ["6m", "1y", "plan"]
    assert [t["value"] for t in terms if t.get("checked") is not None] == ["1y"]
    today = local_today()
    plan_end = today + timedelta(days=90)
    assert long_date(plan_end, "nb") in page(question).one("fieldset").text

    given = mother.post(
        link,
        data={"csrftoken": csrf_of(question), "confirm": "yes", "term": "plan"},
        follow_redirects=False,
    )

    assert given.status_code == 303
    expires = _given_expiry(session, world)
    assert expires is not None
    assert expires.astimezone(LOCAL_TIME).date() == plan_end
    assert expires.astimezone(LOCAL_TIME).time() == time(23, 59, 59)


@pytest.mark.parametrize("term", ["forever", "10y", "2020-01-01", "6M"])
def test_a_term_not_offered_is_422_and_nothing_is_given(
    mother: TestClient, session: Session, world: World, term: str
) -> None:
    _withdrawn_by_the_lead(session, world)
    link = f"/familie/samtykker/ny/{world.unit_b.id}"
    question = mother.get(link)

    refused = mother.post(
        link, data={"csrftoken": csrf_of(question), "confirm": "yes", "term": term}
    )

    assert refused.status_code == 422
    assert page(refused).one("#give-error").text == "Velg hvor lenge samtykket varer."
    assert _given_expiry(session, world) is None


def test_until_the_plan_ends_is_not_offered_when_the_plan_has_ended(
    mother: TestClient, session: Session, world: World
) -> None:
    _withdrawn_by_the_lead(session, world)
    plan = session.get_one(Plan, world.plan.id)
    plan.content = {**plan.content, "period": {"from": "2020-01-01", "to": "2020-06-30"}}
    session.commit()
    link = f"/familie/samtykker/ny/{world.unit_b.id}"
    question = mother.get(link)
    assert [t["value"] for t in page(question).all("input[name=term]")] == ["6m", "1y"]

    refused = mother.post(
        link, data={"csrftoken": csrf_of(question), "confirm": "yes", "term": "plan"}
    )
    six = mother.post(
        link,
        data={"csrftoken": csrf_of(question), "confirm": "yes", "term": "6m"},
        follow_redirects=False,
    )

    assert (refused.status_code, six.status_code) == (422, 303)
    expires = _given_expiry(session, world)
    assert expires is not None
    assert 181 <= (expires.astimezone(LOCAL_TIME).date() - local_today()).days <= 184

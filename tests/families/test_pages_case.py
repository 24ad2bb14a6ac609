"""The family page's way into the case for the plan lead's side, and erasure in the browser.

The tests read the English source texts (``signed_in(..., language="en")``); the nb and nn
catalogs have tests of their own.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import AuditEvent, Canvas, Family
from tests.factories import World, build_world
from tests.html import page
from tests.pages import SignedIn

CASE_LINKS = {
    "consents": "Consents",
    "audit": "Who has seen our data",
    "timeline": "Timeline",
    "handover": "Change plan lead",
    "erase": "Erase the family's data",
}


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def test_the_family_page_leads_the_plan_lead_side_to_the_case(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.same_unit, language="en")

    family_page = browser.get(f"/families/{world.family.id}")

    assert family_page.status_code == 200
    for path, text in CASE_LINKS.items():
        link = page(family_page).one(f'a[href="/families/{world.family.id}/{path}"]')
        assert link.text == text, path
    for path in CASE_LINKS:
        assert browser.get(f"/families/{world.family.id}/{path}").status_code == 200, path


def test_a_consented_reviewer_reads_the_family_page_without_the_case_links(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.consented, language="en")

    family_page = browser.get(f"/families/{world.family.id}")

    assert family_page.status_code == 200
    assert world.family.display_name in family_page.text
    for path in CASE_LINKS:
        assert f"/families/{world.family.id}/{path}" not in family_page.text, path


# --- erasure -----------------------------------------------------------------------------------


def erase_url(world: World) -> str:
    return f"/families/{world.family.id}/erase"


def test_the_erase_page_explains_the_reasons_and_what_remains(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    erase_page = browser.get(erase_url(world))

    assert erase_page.status_code == 200
    form = page(erase_page).form(erase_url(world))
    assert [radio["value"] for radio in form.all("input[name=reason]")] == [
        "family_request",
        "registered_in_error",
        "retention_expired",
        "case_transferred",
    ]
    assert "The family asked us to delete its data" in erase_page.text
    assert "only the audit trail" in erase_page.text
    assert form.one("input[name=confirm]")["type"] == "checkbox"


def test_erasing_needs_a_reason_and_a_confirmation(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    response = browser.submit(erase_url(world), erase_url(world), {"reason": ""})

    assert response.status_code == 422
    assert page(response).field_error("reason")
    assert page(response).field_error("confirm")
    assert page(response).invalid("confirm")
    session.expire_all()
    assert session.get(Family, world.family.id) is not None


def test_the_plan_lead_erases_the_family_in_the_browser(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    name, family_id = world.family.display_name, world.family.id
    browser = signed_in(world.lead, language="en")

    response = browser.submit(
        erase_url(world), erase_url(world), {"reason": "family_request", "confirm": "yes"}
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/?done=erased"
    home = browser.get(response.headers["location"])
    assert "The family's data is erased" in page(home).text
    assert name not in home.text
    session.expire_all()
    assert session.get(Family, family_id) is None
    assert session.scalars(select(Canvas).where(Canvas.family_id == family_id)).all() == []
    tombstone = session.scalars(
        select(AuditEvent).where(AuditEvent.family_id == family_id, AuditEvent.action == "delete")
    ).one()
    assert (tombstone.username, tombstone.purpose) == (
        world.lead.username,
        "erasure:family_request",
    )
    assert browser.get(f"/families/{family_id}").status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"), [("consented", 403), ("other_unit", 404), ("withdrawn", 404)]
)
def test_only_the_plan_lead_side_erases_in_the_browser(
    signed_in: SignedIn, session: Session, world: World, persona: str, status: int
) -> None:
    browser = signed_in(getattr(world, persona), language="en")

    assert browser.get(erase_url(world)).status_code == status
    response = browser.post_form(erase_url(world), {"reason": "family_request", "confirm": "yes"})

    assert response.status_code == status
    session.expire_all()
    assert session.get(Family, world.family.id) is not None

"""The family page's way into the case for the plan lead's side, and erasure in the browser."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import AuditEvent, Canvas, Family
from tests.accounts.test_pages import csrf_from, sign_in
from tests.factories import World, build_world


@pytest.fixture(autouse=True)
def english_ui(client: TestClient) -> None:
    """These tests read the English source texts; the nb and nn catalogs have tests of their own."""
    client.headers["Accept-Language"] = "en"


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
    client: TestClient, world: World
) -> None:
    sign_in(client, world.same_unit.username)

    page = client.get(f"/families/{world.family.id}")

    assert page.status_code == 200
    for path, text in CASE_LINKS.items():
        link = f'href="/families/{world.family.id}/{path}">{text}</a>'
        assert link in html.unescape(page.text), path
    for path in CASE_LINKS:
        assert client.get(f"/families/{world.family.id}/{path}").status_code == 200, path


def test_a_consented_reviewer_reads_the_family_page_without_the_case_links(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.consented.username)

    page = client.get(f"/families/{world.family.id}")

    assert page.status_code == 200
    assert world.family.display_name in page.text
    for path in CASE_LINKS:
        assert f"/families/{world.family.id}/{path}" not in page.text, path


# --- erasure -----------------------------------------------------------------------------------


def erase_url(world: World) -> str:
    return f"/families/{world.family.id}/erase"


def test_the_erase_page_explains_the_reasons_and_what_remains(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.lead.username)

    page = client.get(erase_url(world))

    assert page.status_code == 200
    reasons = re.findall(r'name="reason" value="([a-z_]+)"', page.text)
    assert reasons == [
        "family_request",
        "registered_in_error",
        "retention_expired",
        "case_transferred",
    ]
    assert "The family asked us to delete its data" in page.text
    assert "only the audit trail" in page.text
    assert 'name="confirm"' in page.text


def test_erasing_needs_a_reason_and_a_confirmation(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)
    page = client.get(erase_url(world))

    response = client.post(erase_url(world), data={"reason": "", "csrftoken": csrf_from(page.text)})

    assert response.status_code == 422
    assert 'id="reason-error"' in response.text
    assert 'id="confirm-error"' in response.text
    session.expire_all()
    assert session.get(Family, world.family.id) is not None


def test_the_plan_lead_erases_the_family_in_the_browser(
    client: TestClient, session: Session, world: World
) -> None:
    name, family_id = world.family.display_name, world.family.id
    sign_in(client, world.lead.username)
    page = client.get(erase_url(world))

    response = client.post(
        erase_url(world),
        data={"reason": "family_request", "confirm": "yes", "csrftoken": csrf_from(page.text)},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/?done=erased"
    home = client.get(response.headers["location"])
    assert "The family's data is erased" in html.unescape(home.text)
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
    assert client.get(f"/families/{family_id}").status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"), [("consented", 403), ("other_unit", 404), ("withdrawn", 404)]
)
def test_only_the_plan_lead_side_erases_in_the_browser(
    client: TestClient, session: Session, world: World, persona: str, status: int
) -> None:
    sign_in(client, getattr(world, persona).username)
    token = csrf_from(client.get("/").text)

    assert client.get(erase_url(world)).status_code == status
    response = client.post(
        erase_url(world), data={"reason": "family_request", "confirm": "yes", "csrftoken": token}
    )

    assert response.status_code == status
    session.expire_all()
    assert session.get(Family, world.family.id) is not None

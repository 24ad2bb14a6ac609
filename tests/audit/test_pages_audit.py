""" "Who has seen our data" in the browser (DESIGN §4.5): every access in plain words, newest
first, with a summary, paged, printable in the family's language, and itself audited.

The tests read the English source texts (``signed_in(..., language="en")``); the nb and nn
catalogs have tests of their own.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.config import Settings
from app.kit.i18n import translations
from app.models import AuditEvent, Family
from app.models.enums import AuditAction, Language
from tests.factories import World, actor_of, build_world
from tests.html import Element, page
from tests.pages import SignedIn


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def audit_url(world: World) -> str:
    return f"/families/{world.family.id}/audit"


def entries(trail: Element) -> list[str]:
    """The trail's entries as the family reads them, newest first."""
    return trail.texts("li.trail-entry")


def times(trail: Element) -> list[str]:
    return [time["datetime"] for time in trail.all("li.trail-entry time")]


def test_the_trail_shows_a_reviewers_read_with_name_unit_and_plain_words(
    client: TestClient, signed_in: SignedIn, world: World
) -> None:
    read = client.get(f"/api/v1/plans/{world.plan.id}", headers=world.headers["consented"])
    assert read.status_code == 200
    browser = signed_in(world.lead, language="en")

    response = browser.get(audit_url(world))

    assert response.status_code == 200
    newest = entries(page(response))[0]
    assert "Berit B" in newest
    assert "Barnevern Test" in newest
    assert "read the plan" in newest
    assert "another service" in newest  # the reviewer's role, in words


def test_the_summary_names_the_units_and_counts_the_people(
    client: TestClient, signed_in: SignedIn, world: World
) -> None:
    client.get(f"/api/v1/families/{world.family.id}", headers=world.headers["consented"])
    client.get(f"/api/v1/families/{world.family.id}", headers=world.headers["same_unit"])
    browser = signed_in(world.lead, language="en")

    response = browser.get(audit_url(world))

    rows = set(page(response).texts("ul.trail-summary > li"))
    assert any(row.startswith("NAV Test: 2 people") for row in rows), rows
    assert any(row.startswith("Barnevern Test: 1 person") for row in rows), rows
    assert "3 people from 2 units" in response.text


def test_newest_entries_come_first_and_paging_shows_each_entry_once(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    actor = actor_of(session, world.consented)
    for _ in range(60):
        audit_service.record(
            session,
            actor,
            AuditAction.read,
            "plan",
            world.plan.id,
            family_id=world.family.id,
        )
    session.commit()
    total = session.scalar(select(func.count()).where(AuditEvent.family_id == world.family.id))
    browser = signed_in(world.lead, language="en")

    first = page(browser.get(audit_url(world)))
    assert times(first) == sorted(times(first), reverse=True)
    older = first.by_text("a", "Older entries")
    second_page = browser.get(older["href"])

    assert second_page.status_code == 200
    second = page(second_page)
    assert not second.has(".trail-summary")
    shown = len(entries(first)) + len(entries(second))
    assert shown == total  # everything before the first view, once
    assert max(times(second)) <= min(times(first))


def test_viewing_the_trail_is_itself_recorded(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    browser.get(audit_url(world))
    browser.get(f"{audit_url(world)}/print")

    views = session.scalars(
        select(AuditEvent).where(
            AuditEvent.family_id == world.family.id, AuditEvent.purpose == "audit_trail"
        )
    ).all()
    assert [(v.username, v.action, v.record_type) for v in views] == [
        (world.lead.username, "read", "audit")
    ] * 2
    again = browser.get(audit_url(world))
    assert "looked at who has seen the data" in entries(page(again))[0]


@pytest.mark.parametrize("language", [Language.en, Language.nn])
def test_the_printable_trail_is_in_the_familys_language(
    client: TestClient, signed_in: SignedIn, session: Session, world: World, language: Language
) -> None:
    family = session.get(Family, world.family.id)
    assert family is not None
    family.language = language
    session.commit()
    client.get(f"/api/v1/plans/{world.plan.id}", headers=world.headers["consented"])
    browser = signed_in(world.lead, language="en")

    response = browser.get(f"{audit_url(world)}/print")

    assert response.status_code == 200
    printed = page(response)
    assert printed["lang"] == language.value
    assert "Berit B" in entries(printed)[0]
    assert printed.has(".trail-summary")
    assert not printed.has("form")


@pytest.mark.parametrize(("persona", "status"), [("consented", 403), ("other_unit", 404)])
def test_only_the_plan_lead_side_sees_the_trail_in_the_browser(
    signed_in: SignedIn, world: World, persona: str, status: int
) -> None:
    browser = signed_in(getattr(world, persona))

    assert browser.get(audit_url(world)).status_code == status
    assert browser.get(f"{audit_url(world)}/print").status_code == status


@pytest.mark.parametrize(("language", "direction"), [(Language.so, "ltr"), (Language.ar, "rtl")])
def test_the_printable_trail_speaks_somali_and_arabic_right_to_left(
    client: TestClient,
    signed_in: SignedIn,
    session: Session,
    world: World,
    language: Language,
    direction: str,
) -> None:
    """Its words are the family's gettext domain: the print a Somali or Arabic family takes home
    is in its language, not in bokmål (the staff's pages stay in the plan lead's)."""
    family = session.get_one(Family, world.family.id)
    family.language = language
    session.commit()
    client.get(f"/api/v1/plans/{world.plan.id}", headers=world.headers["consented"])
    browser = signed_in(world.lead, language="nb")
    words = translations(language.value)
    _ = words.gettext

    response = browser.get(f"{audit_url(world)}/print")

    assert response.status_code == 200
    printed = page(response)
    assert (printed["lang"], printed["dir"]) == (language.value, direction)
    assert printed.one("h1").text == _("Who has seen our data")
    newest = entries(printed)[0]
    assert _("read the plan") in newest
    assert _("another service") in newest
    assert "leste planen" not in newest  # not the bokmål of the plan lead's pages
    for english in ("Every access, newest first", "In short", "another service"):
        assert _(english) != english, f"{english!r} has no {language.value} translation"
        assert _(english) in response.text
    assert words.ngettext("%(num)d unit", "%(num)d units", 2) % {"num": 2} in response.text

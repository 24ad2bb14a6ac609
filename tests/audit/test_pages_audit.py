""" "Who has seen our data" in the browser (DESIGN §4.5): every access in plain words, newest
first, with a summary, paged, printable in the family's language, and itself audited."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.config import Settings
from app.models import AuditEvent, Family
from app.models.enums import AuditAction, Language
from tests.accounts.test_pages import sign_in
from tests.factories import World, actor_of, build_world


@pytest.fixture(autouse=True)
def english_ui(client: TestClient) -> None:
    """These tests read the English source texts; the nb and nn catalogs have tests of their own."""
    client.headers["Accept-Language"] = "en"


ENTRY = re.compile(r'<li class="trail-entry">(.*?)</li>', re.S)


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def audit_url(world: World) -> str:
    return f"/families/{world.family.id}/audit"


def entries(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", e)).strip() for e in ENTRY.findall(html)]


def test_the_trail_shows_a_reviewers_read_with_name_unit_and_plain_words(
    client: TestClient, world: World
) -> None:
    read = client.get(f"/api/v1/plans/{world.plan.id}", headers=world.headers["consented"])
    assert read.status_code == 200
    sign_in(client, world.lead.username)

    page = client.get(audit_url(world))

    assert page.status_code == 200
    newest = entries(page.text)[0]
    assert "Berit B" in newest
    assert "Barnevern Test" in newest
    assert "read the plan" in newest
    assert "another service" in newest  # the reviewer's role, in words


def test_the_summary_names_the_units_and_counts_the_people(
    client: TestClient, world: World
) -> None:
    client.get(f"/api/v1/families/{world.family.id}", headers=world.headers["consented"])
    client.get(f"/api/v1/families/{world.family.id}", headers=world.headers["same_unit"])
    sign_in(client, world.lead.username)

    page = client.get(audit_url(world))

    summary = re.search(r'<ul class="trail-summary">(.*?)</ul>', page.text, re.S)
    assert summary
    rows = {
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", row)).strip()
        for row in re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)
    }
    assert any(row.startswith("NAV Test: 2 people") for row in rows), rows
    assert any(row.startswith("Barnevern Test: 1 person") for row in rows), rows
    assert "3 people from 2 units" in page.text


def test_newest_entries_come_first_and_paging_shows_each_entry_once(
    client: TestClient, session: Session, world: World
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
    sign_in(client, world.lead.username)

    first = client.get(audit_url(world))
    times = re.findall(r'<time datetime="([^"]+)"', first.text)
    assert times == sorted(times, reverse=True)
    older = re.search(r'href="([^"]+\?cursor=[^"]+)"', first.text)
    assert older, "no link to older entries"
    second = client.get(older.group(1).replace("&amp;", "&"))

    assert second.status_code == 200
    assert 'class="trail-summary"' not in second.text
    shown = len(entries(first.text)) + len(entries(second.text))
    assert shown == total  # everything before the first view, once
    second_times = re.findall(r'<time datetime="([^"]+)"', second.text)
    assert max(second_times) <= min(times)


def test_viewing_the_trail_is_itself_recorded(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)

    client.get(audit_url(world))
    client.get(f"{audit_url(world)}/print")

    views = session.scalars(
        select(AuditEvent).where(
            AuditEvent.family_id == world.family.id, AuditEvent.purpose == "audit_trail"
        )
    ).all()
    assert [(v.username, v.action, v.record_type) for v in views] == [
        (world.lead.username, "read", "audit")
    ] * 2
    again = client.get(audit_url(world))
    assert "looked at who has seen the data" in entries(again.text)[0]


@pytest.mark.parametrize("language", [Language.en, Language.nn])
def test_the_printable_trail_is_in_the_familys_language(
    client: TestClient, session: Session, world: World, language: Language
) -> None:
    family = session.get(Family, world.family.id)
    assert family is not None
    family.language = language
    session.commit()
    client.get(f"/api/v1/plans/{world.plan.id}", headers=world.headers["consented"])
    sign_in(client, world.lead.username)

    page = client.get(f"{audit_url(world)}/print")

    assert page.status_code == 200
    assert f'<html lang="{language.value}">' in page.text
    assert "Berit B" in entries(page.text)[0]
    assert 'class="trail-summary"' in page.text
    assert "<form" not in page.text


@pytest.mark.parametrize(("persona", "status"), [("consented", 403), ("other_unit", 404)])
def test_only_the_plan_lead_side_sees_the_trail_in_the_browser(
    client: TestClient, world: World, persona: str, status: int
) -> None:
    sign_in(client, getattr(world, persona).username)

    assert client.get(audit_url(world)).status_code == status
    assert client.get(f"{audit_url(world)}/print").status_code == status

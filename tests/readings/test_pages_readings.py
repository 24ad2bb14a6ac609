"""The follow-up meeting in the browser: the form per domain, and first against latest on the
family page (chart and table with the numbers)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from tests.accounts.test_pages import csrf_from, sign_in
from tests.factories import World, build_world, make_canvas, make_family, make_unit, make_user


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def _checked(html: str, name: str) -> str | None:
    """The value of the checked radio button of a group."""
    match = re.search(rf'<input type="radio" name="{name}" value="(\d*)" checked', html)
    return match.group(1) if match else None


def _row(html: str, title: str) -> list[str]:
    """The cells of the progress table's row for one domain, as a screen reader says them."""
    match = re.search(rf'<th scope="row">{title}</th>(.*?)</tr>', html, re.S)
    assert match, f"no row for {title}"
    cells = re.findall(r"<td>(.*?)</td>", match.group(1), re.S)
    spoken = [re.sub(r'<span aria-hidden="true">.*?</span>', "", cell) for cell in cells]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in spoken]


def _follow_up(client: TestClient, world: World, data: dict[str, str]) -> httpx2.Response:
    form = client.get(f"/families/{world.family.id}/readings/new")
    return client.post(
        f"/families/{world.family.id}/readings",
        data={"csrftoken": csrf_from(form.text), **data},
        follow_redirects=False,
    )


def test_the_form_has_every_domain_and_starts_from_the_latest_reading(
    client: TestClient, world: World
) -> None:
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.lead.username)

    page = client.get(f"/families/{world.family.id}/readings/new")

    assert page.status_code == 200
    for title in ("Housing", "Money and debt", "Health", "Language and integration"):
        assert f'<legend class="reading-domain-title">{title}</legend>' in page.text
    assert _checked(page.text, "family-bolig") == "3"
    assert _checked(page.text, "worker-bolig") == ""
    assert _checked(page.text, "family-okonomi") == ""
    assert f'value="{date.today().isoformat()}"' in page.text
    assert page.headers["cache-control"] == "no-store"


def test_a_follow_up_shows_first_against_latest_on_the_family_page(
    client: TestClient, world: World
) -> None:
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.lead.username)

    saved = _follow_up(
        client,
        world,
        {
            "taken_on": date.today().isoformat(),
            "family-bolig": "7",
            "worker-bolig": "6",
            "family-helse": "5",
        },
    )

    assert saved.status_code == 303
    assert saved.headers["location"] == f"/families/{world.family.id}#progress"
    page = client.get(f"/families/{world.family.id}").text
    assert 'role="img"' in page
    assert "<title" in page
    assert "<desc" in page
    assert _row(page, "Housing") == ["3", "7", "+4"]
    assert _row(page, "Health") == ["not scored", "5", "not scored"]
    assert "First: 3" in page
    assert "Latest: 7" in page
    again = client.get(f"/families/{world.family.id}/readings/new").text
    assert _checked(again, "family-bolig") == "7"
    assert _checked(again, "worker-bolig") == "6"


def test_with_only_the_first_reading_the_page_says_progress_comes_later(
    client: TestClient, world: World
) -> None:
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.lead.username)

    page = client.get(f"/families/{world.family.id}").text

    assert "Progress shows here after the first follow-up meeting." in page
    assert 'role="img"' not in page
    assert _row(page, "Housing") == ["3"]
    assert f'href="/families/{world.family.id}/readings/new"' in page


def test_a_family_without_readings_says_so(
    client: TestClient, session: Session, settings: Settings
) -> None:
    client.cookies.set("duk_lang", "en")
    unit = make_unit(session)
    lead = make_user(session, units=[unit])
    family = make_family(session, lead, settings)
    session.commit()
    sign_in(client, lead.username)

    page = client.get(f"/families/{family.id}").text

    assert "No readings yet." in page
    assert f"/families/{family.id}/readings/new" not in page  # nothing to follow up yet
    make_canvas(session, lead, family)
    session.commit()
    assert f"/families/{family.id}/readings/new" in client.get(f"/families/{family.id}").text


def test_a_date_in_the_future_keeps_the_scores_in_the_form(
    client: TestClient, world: World
) -> None:
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.lead.username)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()

    response = _follow_up(client, world, {"taken_on": tomorrow, "family-bolig": "9"})

    assert response.status_code == 422
    html = response.text
    assert "It cannot be in the future." in html
    assert 'aria-invalid="true"' in html
    assert _checked(html, "family-bolig") == "9"
    page = client.get(f"/families/{world.family.id}").text
    assert "Progress shows here after the first follow-up meeting." in page


def test_a_consented_reviewer_sees_neither_the_progress_nor_the_form(
    client: TestClient, world: World
) -> None:
    """Readings are the follow-up of the case, not part of the plan the family shared."""
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.consented.username)

    family_page = client.get(f"/families/{world.family.id}")
    form = client.get(f"/families/{world.family.id}/readings/new")

    assert family_page.status_code == 200
    assert 'id="progress"' not in family_page.text
    assert "/readings/new" not in family_page.text
    assert form.status_code == 404


def test_someone_outside_the_family_gets_404(client: TestClient, world: World) -> None:
    sign_in(client, world.other_unit.username)

    assert client.get(f"/families/{world.family.id}/readings/new").status_code == 404

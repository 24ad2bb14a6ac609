"""The follow-up meeting in the browser: the form per domain, and first against latest on the
family page (chart and table with the numbers)."""

from __future__ import annotations

from datetime import timedelta

import httpx2
import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from tests.factories import World, build_world, make_canvas, make_family, make_unit, make_user
from tests.html import Element, page
from tests.pages import PageClient, SignedIn


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def _row(family_page: Element, title: str) -> list[str]:
    """The cells of the progress table's row for one domain, as a screen reader says them."""
    rows = family_page.one("table.progress-table").rows(without='[aria-hidden="true"]')
    [row] = [cells for heading, *cells in rows if heading == title]
    return row


def _follow_up(browser: PageClient, world: World, data: dict[str, str]) -> httpx2.Response:
    form = f"/families/{world.family.id}/readings/new"
    return browser.submit(form, f"/families/{world.family.id}/readings", data)


def test_the_form_has_every_domain_and_starts_from_the_latest_reading(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    response = browser.get(f"/families/{world.family.id}/readings/new")

    assert response.status_code == 200
    form = page(response).form(f"/families/{world.family.id}/readings")
    titles = form.texts("legend.reading-domain-title")
    for title in ("Housing", "Money and debt", "Health", "Language and integration"):
        assert title in titles
    assert form.checked("family-bolig") == "3"
    assert form.checked("worker-bolig") == ""
    assert form.checked("family-okonomi") == ""
    assert form.value("taken_on") == local_today().isoformat()
    assert response.headers["cache-control"] == "no-store"


def test_a_follow_up_shows_first_against_latest_on_the_family_page(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    saved = _follow_up(
        browser,
        world,
        {
            "taken_on": local_today().isoformat(),
            "family-bolig": "7",
            "worker-bolig": "6",
            "family-helse": "5",
        },
    )

    assert saved.status_code == 303
    assert saved.headers["location"] == f"/families/{world.family.id}#progress"
    family_page = page(browser.get(f"/families/{world.family.id}"))
    chart = family_page.one('#progress svg[role="img"]')
    assert chart.has("title")
    assert chart.has("desc")
    assert _row(family_page, "Housing") == ["3", "7", "+4"]
    assert _row(family_page, "Health") == ["not scored", "5", "not scored"]
    assert "First: 3" in family_page.text
    assert "Latest: 7" in family_page.text
    again = page(browser.get(f"/families/{world.family.id}/readings/new"))
    assert again.checked("family-bolig") == "7"
    assert again.checked("worker-bolig") == "6"


def test_with_only_the_first_reading_the_page_says_progress_comes_later(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    family_page = page(browser.get(f"/families/{world.family.id}"))

    assert "Progress shows here after the first follow-up meeting." in family_page.text
    assert not family_page.has('[role="img"]')
    assert _row(family_page, "Housing") == ["3"]
    assert family_page.has(f'a[href="/families/{world.family.id}/readings/new"]')


def test_a_family_without_readings_says_so(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    lead = make_user(session, units=[unit])
    family = make_family(session, lead, settings)
    session.commit()
    browser = signed_in(lead, language="en")

    family_page = browser.get(f"/families/{family.id}").text

    assert "No readings yet." in family_page
    assert f"/families/{family.id}/readings/new" not in family_page  # nothing to follow up yet
    make_canvas(session, lead, family)
    session.commit()
    assert f"/families/{family.id}/readings/new" in browser.get(f"/families/{family.id}").text


def test_a_date_in_the_future_keeps_the_scores_in_the_form(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    tomorrow = (local_today() + timedelta(days=1)).isoformat()

    response = _follow_up(browser, world, {"taken_on": tomorrow, "family-bolig": "9"})

    assert response.status_code == 422
    refused = page(response)
    assert "It cannot be in the future." in refused.field_error("taken_on")
    assert refused.invalid("taken_on")
    assert refused.checked("family-bolig") == "9"
    family_page = browser.get(f"/families/{world.family.id}").text
    assert "Progress shows here after the first follow-up meeting." in family_page


def test_a_consented_reviewer_sees_neither_the_progress_nor_the_form(
    signed_in: SignedIn, world: World
) -> None:
    """Readings are the follow-up of the case, not part of the plan the family shared."""
    browser = signed_in(world.consented, language="en")

    family_page = browser.get(f"/families/{world.family.id}")
    form = browser.get(f"/families/{world.family.id}/readings/new")

    assert family_page.status_code == 200
    assert not page(family_page).has("#progress")
    assert "/readings/new" not in family_page.text
    assert form.status_code == 404


def test_someone_outside_the_family_gets_404(signed_in: SignedIn, world: World) -> None:
    browser = signed_in(world.other_unit)

    assert browser.get(f"/families/{world.family.id}/readings/new").status_code == 404

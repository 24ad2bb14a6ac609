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


# --- what was said, and the next review (issue 13) --------------------------------------------


def test_the_form_offers_a_note_and_says_when_the_next_review_is(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    next_review = world.canvas.next_review_date
    assert next_review is not None

    form = page(browser.get(f"/families/{world.family.id}/readings/new")).form(
        f"/families/{world.family.id}/readings"
    )

    assert form.one("textarea[name=note]")["maxlength"] == "2000"
    assert form.one("label[for=note]").text.startswith("What the family and you said")
    assert form.one("input[name=next_review_date]")["type"] == "date"
    assert form.value("next_review_date") == ""
    hint = form.one("#next_review_date-hint").text
    assert f"The plan's next review is {next_review.strftime('%d.%m.%Y')}." in hint


def test_a_follow_up_with_a_note_and_a_date_shows_in_the_history_timeline_and_list(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    today = local_today()
    next_review = today + timedelta(days=60)
    note = "Mor: Vi har fått svar på søknaden, og det er roligere hjemme."

    saved = _follow_up(
        browser,
        world,
        {
            "taken_on": today.isoformat(),
            "family-bolig": "6",
            "note": note,
            "next_review_date": next_review.isoformat(),
        },
    )

    assert saved.status_code == 303, saved.text
    history = page(browser.get(f"/families/{world.family.id}/readings"))
    newest = history.all("article.reading-entry")[0]
    assert newest.one("h2").text == f"Reading 2: follow-up meeting {today.strftime('%d.%m.%Y')}"
    assert newest.one("blockquote.reading-note").text == note
    assert newest.one(".reading-next-review").text == (
        f"Next review set to {next_review.strftime('%d.%m.%Y')}"
    )
    assert ["Housing", "6", "not scored"] in newest.one("table").rows(
        without='[aria-hidden="true"]'
    )
    assert history.all("article.reading-entry")[1].one("h2").text.startswith("Reading 1:")
    timeline = page(browser.get(f"/families/{world.family.id}/timeline"))
    entry = timeline.by_text('li[data-kind="reading_recorded"]', note)
    assert f"next review set to {next_review.strftime('%d.%m.%Y')}" in entry.text
    assert entry.one(".timeline-reason").text == f"Note: {note}"
    home = page(browser.get("/"))
    card = home.by_text("#family-list li", world.family.display_name)
    assert next_review.strftime("%d.%m.%Y") in card.text
    family_page = page(browser.get(f"/families/{world.family.id}"))
    assert family_page.has(f'#progress a[href="/families/{world.family.id}/readings"]')


def test_a_next_review_on_or_before_the_meeting_is_refused_beside_the_field(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    taken_on = local_today() - timedelta(days=2)
    before = world.canvas.next_review_date

    response = _follow_up(
        browser,
        world,
        {
            "taken_on": taken_on.isoformat(),
            "family-bolig": "8",
            "note": "Dette skal ikke bli borte.",
            "next_review_date": taken_on.isoformat(),
        },
    )

    assert response.status_code == 422
    refused = page(response)
    assert refused.invalid("next_review_date")
    assert "must be a date after the meeting" in refused.field_error("next_review_date")
    # What was typed is all still there.
    assert refused.value("note") == "Dette skal ikke bli borte."
    assert refused.value("next_review_date") == taken_on.isoformat()
    assert refused.checked("family-bolig") == "8"
    history = browser.get(f"/families/{world.family.id}/readings").text
    assert "Dette skal ikke bli borte." not in history
    assert "Reading 2" not in history
    assert before is not None
    assert (
        f"The plan's next review is {before.strftime('%d.%m.%Y')}."
        in browser.get(f"/families/{world.family.id}/readings/new").text
    )


def test_a_note_too_long_is_refused_beside_the_field(signed_in: SignedIn, world: World) -> None:
    browser = signed_in(world.lead, language="en")

    response = _follow_up(
        browser,
        world,
        {"taken_on": local_today().isoformat(), "family-bolig": "4", "note": "x" * 2001},
    )

    assert response.status_code == 422
    assert "at most 2,000 characters" in page(response).field_error("note")


def test_the_history_is_the_lead_sides_only(signed_in: SignedIn, world: World) -> None:
    for user in (world.consented, world.other_unit, world.withdrawn):
        browser = signed_in(user, language="en")
        assert browser.get(f"/families/{world.family.id}/readings").status_code == 404
    colleague = signed_in(world.same_unit, language="en")
    assert colleague.get(f"/families/{world.family.id}/readings").status_code == 200

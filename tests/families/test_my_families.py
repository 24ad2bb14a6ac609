""" "My families" on the home page, sorted by the next review (issue 13): overdue first, the
longest overdue at the top and said in words; then the reviews to come, soonest first; then
the families with no review to come. The dates are worked out from the municipality's today
when each test runs, never when the module is collected.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.canvases import service as canvas_service
from app.canvases.schemas import CanvasPatch
from app.config import Settings
from app.kit.i18n import local_today
from app.models import Family, User
from app.models.enums import FamilyStatus
from app.readings import service as reading_service
from app.readings.schemas import ReadingCreate
from tests.factories import (
    World,
    actor_of,
    build_world,
    make_canvas,
    make_family,
    make_unit,
    make_user,
)
from tests.html import Element, page
from tests.pages import SignedIn


def _family(
    session: Session, settings: Settings, lead: User, name: str, review_in: int | None
) -> Family:
    """A family with a canvas whose next review is ``review_in`` days from today (None: a
    canvas with no date set)."""
    family = make_family(session, lead, settings, display_name=name)
    canvas = make_canvas(session, lead, family)
    if review_in is not None:
        actor = actor_of(session, lead)
        when = local_today() + timedelta(days=review_in)
        canvas_service.patch_canvas(
            session,
            actor,
            scope_for(session, actor, family),
            canvas,
            CanvasPatch.model_validate({"next_review_date": when.isoformat()}),
            canvas.version,
        )
    return family


def _follow_up_today(session: Session, lead: User, family: Family) -> None:
    actor = actor_of(session, lead)
    reading_service.add_reading(
        session,
        actor,
        scope_for(session, actor, family),
        ReadingCreate.model_validate(
            {"taken_on": local_today().isoformat(), "scores": {"bolig": {"family": 5}}}
        ),
    )


@pytest.fixture
def lead(session: Session, settings: Settings) -> User:
    """A caseworker whose families were started in an order that is not the review order."""
    unit = make_unit(session, name="NAV Øst")
    lead = make_user(session, units=[unit])
    _family(session, settings, lead, "Familien Planlagt", 20)
    _family(session, settings, lead, "Familien Snart", 3)
    make_family(session, lead, settings, display_name="Familien Uten duk")
    _family(session, settings, lead, "Familien Forfalt lenge", -10)
    _family(session, settings, lead, "Familien Uten dato", None)
    _family(session, settings, lead, "Familien I dag", 0)
    closed = _family(session, settings, lead, "Familien Avsluttet", -30)
    closed.status = FamilyStatus.closed
    held = _family(session, settings, lead, "Familien Holdt", -4)
    _follow_up_today(session, lead, held)
    _family(session, settings, lead, "Familien Forfalt nylig", -2)
    session.commit()
    return lead


def _cards(home: Element) -> list[Element]:
    return home.all("#family-list li")


def _names(home: Element) -> list[str]:
    return [card.one(".card-title").text for card in _cards(home)]


def test_the_list_is_by_next_review_with_the_longest_overdue_first(
    signed_in: SignedIn, lead: User
) -> None:
    home = page(signed_in(lead, language="en").get("/"))

    assert _names(home) == [
        "Familien Forfalt lenge",
        "Familien Forfalt nylig",
        "Familien I dag",
        "Familien Snart",
        "Familien Planlagt",
        # No review to come: newest first, as the list was before.
        "Familien Holdt",
        "Familien Avsluttet",
        "Familien Uten dato",
        "Familien Uten duk",
    ]
    assert home.selected("sort") == ["next_review"]


def test_each_family_says_when_its_review_is_and_overdue_is_said_in_words(
    signed_in: SignedIn, lead: User
) -> None:
    today = local_today()

    def day(days: int) -> str:
        return (today + timedelta(days=days)).strftime("%d.%m.%Y")

    home = page(signed_in(lead, language="en").get("/"))
    said = {card.one(".card-title").text: card for card in _cards(home)}

    long_overdue = said["Familien Forfalt lenge"].one(".card-review")
    assert long_overdue.one(".review-badge").text == "Overdue"
    assert long_overdue.text == f"Overdue next review was {day(-10)}, 10 days ago"
    assert said["Familien Forfalt nylig"].one(".card-review").text == (
        f"Overdue next review was {day(-2)}, 2 days ago"
    )
    assert said["Familien I dag"].one(".card-review").text == f"next review {day(0)}: today"
    assert said["Familien Snart"].one(".card-review").text == f"next review {day(3)}: in 3 days"
    assert said["Familien Planlagt"].one(".card-review").text == f"next review {day(20)}"
    assert said["Familien Holdt"].one(".card-review").text == (
        f"the review of {day(-4)} was held {day(0)}; no next review is set"
    )
    for name in ("Familien Avsluttet", "Familien Uten dato", "Familien Uten duk"):
        assert not said[name].has(".card-review"), name
    overdue = [n for n, card in said.items() if card.has(".review-badge")]
    assert overdue == ["Familien Forfalt lenge", "Familien Forfalt nylig"]


def test_overdue_reads_forfalt_in_bokmal(signed_in: SignedIn, lead: User) -> None:
    home = page(signed_in(lead, language="nb").get("/"))

    first = _cards(home)[0].one(".card-review")
    assert first.one(".review-badge").text == "Forfalt"
    assert "for 10 dager siden" in first.text
    assert home.one("label[for=family-sort]").text == "Sorter listen"


def test_the_sort_form_goes_back_to_newest_first_without_javascript(
    signed_in: SignedIn, lead: User
) -> None:
    browser = signed_in(lead, language="en")
    form = page(browser.get("/")).form("/")
    assert form["method"] == "get"
    assert form.one("select#family-sort")["name"] == "sort"
    assert form.button("Sort")["type"] == "submit"

    newest = page(browser.get("/", params={"sort": "newest"}))

    assert _names(newest) == [
        "Familien Forfalt nylig",
        "Familien Holdt",
        "Familien Avsluttet",
        "Familien I dag",
        "Familien Uten dato",
        "Familien Forfalt lenge",
        "Familien Uten duk",
        "Familien Snart",
        "Familien Planlagt",
    ]
    assert newest.selected("sort") == ["newest"]
    # The dates are still shown; an unknown order is the default one.
    assert newest.has(".review-badge")
    assert _names(page(browser.get("/", params={"sort": "x"})))[0] == "Familien Forfalt lenge"


def test_a_consented_unit_sees_the_family_but_not_its_review(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    """The next review is on the live canvas: not part of what the consent shares."""
    world: World = build_world(session, settings)
    reviewer = page(signed_in(world.consented, language="en").get("/"))
    lead_home = page(signed_in(world.lead, language="en").get("/"))

    assert _names(reviewer) == [world.family.display_name]
    assert not reviewer.has(".card-review")
    assert lead_home.has(".card-review")

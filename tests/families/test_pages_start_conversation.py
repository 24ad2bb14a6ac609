"""Starting a conversation from the family page: the first duk with one tap; while one is in
progress, "Continue the conversation" leads on, and a second, empty duk is made only when the
caseworker has said yes to it (issue 13)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Canvas, Family
from app.models.enums import CanvasStatus
from tests.factories import make_canvas, make_family, make_unit, make_user
from tests.html import page
from tests.pages import SignedIn


def canvases(session: Session, family: Family) -> int:
    session.expire_all()
    return (
        session.scalar(
            select(func.count()).select_from(Canvas).where(Canvas.family_id == family.id)
        )
        or 0
    )


def test_the_first_conversation_starts_with_one_tap(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    lead = make_user(session, units=[make_unit(session)])
    family = make_family(session, lead, settings)
    session.commit()
    browser = signed_in(lead, language="en")

    response = browser.submit(f"/families/{family.id}", f"/families/{family.id}/canvases")

    assert response.status_code == 303
    assert canvases(session, family) == 1


def test_while_a_duk_is_in_progress_the_family_page_offers_to_continue_it(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    lead = make_user(session, units=[make_unit(session)])
    family = make_family(session, lead, settings)
    canvas = make_canvas(session, lead, family)
    session.commit()
    browser = signed_in(lead, language="en")

    shown = page(browser.get(f"/families/{family.id}"))

    continue_link = shown.by_text("a.button-primary", "Continue the conversation")
    assert continue_link["href"] == f"/canvases/{canvas.id}"
    assert not shown.has(f'form[action="/families/{family.id}/canvases"]')  # no one-tap start
    assert shown.by_text("a", "Start a new conversation")["href"] == (
        f"/families/{family.id}/canvases/new"
    )


def test_a_second_duk_is_made_only_after_confirming(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    lead = make_user(session, units=[make_unit(session)])
    family = make_family(session, lead, settings)
    canvas = make_canvas(session, lead, family)
    session.commit()
    browser = signed_in(lead, language="en")

    # A tap that skips the question (a second tap, an old page) makes nothing and asks.
    unasked = browser.post_form(f"/families/{family.id}/canvases")
    assert unasked.status_code == 409
    assert page(unasked).by_text("a", "Continue the conversation")["href"] == (
        f"/canvases/{canvas.id}"
    )
    assert canvases(session, family) == 1

    confirmed = browser.submit(
        f"/families/{family.id}/canvases/new",
        f"/families/{family.id}/canvases",
        button="Yes, start a new, empty conversation",
    )

    assert confirmed.status_code == 303
    assert canvases(session, family) == 2
    assert confirmed.headers["location"] != f"/canvases/{canvas.id}"


def test_a_finished_duk_leaves_the_one_tap_start(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    lead = make_user(session, units=[make_unit(session)])
    family = make_family(session, lead, settings)
    canvas = make_canvas(session, lead, family)
    canvas.status = CanvasStatus.completed
    session.commit()
    browser = signed_in(lead, language="en")

    shown = page(browser.get(f"/families/{family.id}"))

    assert shown.has(f'form[action="/families/{family.id}/canvases"]')
    assert (
        browser.get(f"/families/{family.id}/canvases/new", follow_redirects=False).headers[
            "location"
        ]
        == f"/families/{family.id}"
    )

"""No form is lost when the network or the session drops (issue 13, "Done when").

kari writes a goal with the family on a tablet (a real Chromium, tablet size, the interface in
bokmål). The network drops as she taps "Lagre målet": the page stays as it was, with her text in
the form and a line that says the form is kept and sent when the network is back, and when it
comes back the goal arrives, once. The same when only the request is lost (the tablet still
thinks it is online), when the answer is lost after the goal was stored, when the page is
reloaded or come back to while the form waits, and when her session has ended: she is told,
signs in again, and the form goes. A form the server refuses still shows its field messages.

The forms are sent by static/app.js; the server side is app/web/browser.py (the answers the
script can read) and app/web/deps.py (the Idempotency-Key every page form honours).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Final
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Dialog, Locator, Page, Route, StorageState, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import make_engine
from app.models import Goal
from tests.browser.conftest import DemoFamily, TabletFactory
from tests.browser.helpers import (
    KARI,
    check_tablet_page,
    go_offline,
    go_online,
    sign_in,
    watch_of,
)

# What the page says, in bokmål (the interface kari's tablets start in).
WAITS_FOR_NETWORK: Final = "Ingen nettforbindelse. Skjemaet er tatt vare på"
SIGNED_OUT: Final = "Du er logget ut. Skjemaet er tatt vare på"
NOT_SENT: Final = "Dette skjemaet ble ikke sendt."
GOAL_SAVED: Final = "Målet er lagret."
SIGN_IN_NOTICE: Final = "Tekst som ikke var lagret ennå, ligger trygt på dette nettbrettet"
LOST_REQUEST: Final = r"net::ERR_INTERNET_DISCONNECTED"


def goals_path(family: DemoFamily) -> str:
    return f"/canvases/{family.canvas_id}/goals"


def new_goal_form(page: Page, family: DemoFamily) -> Locator:
    return page.locator(f"main form[action='{goals_path(family)}']")


def a_goal() -> str:
    """A goal's words, told apart from every other goal the module's tests write."""
    return f"Vi skal gå tur sammen hver søndag ({uuid.uuid4().hex[:8]})."


def write_goal(form: Locator, text: str) -> None:
    form.get_by_role("radio", name="Et kortsiktig mål").check()
    form.get_by_label("Med familiens egne ord").fill(text)


def save_button(form: Locator) -> Locator:
    return form.get_by_role("button", name="Lagre målet")


def form_status(form: Locator) -> Locator:
    return form.get_by_role("status")


def stored(database_url: str, family: DemoFamily, text: str) -> int:
    """How many goals with these words the family's canvas holds."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            texts = session.scalars(select(Goal.text).where(Goal.canvas_id == family.canvas_id))
            return sum(1 for stored_text in texts if stored_text == text)
    finally:
        engine.dispose()


def kept_forms(page: Page) -> dict[str, str]:
    """The forms the tab keeps (sessionStorage "duk:form:<page> <action>")."""
    found: dict[str, str] = page.evaluate(
        """() => Object.fromEntries(Object.keys(sessionStorage)
             .filter((k) => k.startsWith("duk:form:"))
             .map((k) => [k, sessionStorage.getItem(k)]))"""
    )
    return found


def expect_goal_arrived(page: Page, family: DemoFamily, database_url: str, text: str) -> None:
    """The page after the form is the goals page with the new goal on it, stored once."""
    expect(page.get_by_role("status").filter(has_text=GOAL_SAVED)).to_be_visible()
    assert urlsplit(page.url).path == goals_path(family)
    expect(page.locator("main .goal-card", has_text=text)).to_have_count(1)
    assert stored(database_url, family, text) == 1
    assert kept_forms(page) == {}


@pytest.fixture
def lose_posts(kari_page: Page, haddad: DemoFamily) -> Iterator[Callable[[bool], None]]:
    """``lose_posts(reach_server)``: from now on the goal form's posts get no answer, as when
    the network drops mid-way while the tablet still thinks it is online; with
    ``reach_server`` the request is handled and only its answer is lost. The page itself
    still loads. Ended with ``kari_page.unroute_all()`` or at the end of the test."""
    pattern = f"**{goals_path(haddad)}"

    def start(reach_server: bool) -> None:
        def lose(route: Route) -> None:
            if route.request.method != "POST":
                route.continue_()
                return
            if reach_server:
                route.fetch()
            route.abort("internetdisconnected")

        watch_of(kari_page).allow_console_error(LOST_REQUEST)
        kari_page.route(pattern, lose)

    yield start
    kari_page.unroute_all(behavior="ignoreErrors")


# --- the network drops ---------------------------------------------------------------------------


def test_a_goal_sent_offline_arrives_when_the_network_is_back(
    kari_page: Page, haddad: DemoFamily, demo_database_url: str
) -> None:
    page = kari_page
    page.goto(goals_path(haddad))
    form = new_goal_form(page, haddad)
    text = a_goal()
    write_goal(form, text)
    title = page.title()

    go_offline(page.context)
    save_button(form).tap()

    # No browser error page: the same page, the text still in the form, and the page says
    # what it does with it.
    expect(form_status(form)).to_contain_text(WAITS_FOR_NETWORK)
    assert page.title() == title
    assert urlsplit(page.url).path == goals_path(haddad)
    expect(form.get_by_label("Med familiens egne ord")).to_have_value(text)
    expect(form.get_by_role("radio", name="Et kortsiktig mål")).to_be_checked()
    assert len(kept_forms(page)) == 1
    assert stored(demo_database_url, haddad, text) == 0
    check_tablet_page(page, "goal-waits-for-network")

    with page.expect_navigation():
        go_online(page.context)

    expect_goal_arrived(page, haddad, demo_database_url, text)


def test_a_lost_request_is_put_back_after_a_reload_and_a_back(
    kari_page: Page, haddad: DemoFamily, demo_database_url: str, lose_posts: Callable[[bool], None]
) -> None:
    """The request is lost while the tablet thinks it is online; the page is reloaded before
    the form is sent again, and later left and come back to with Back: each time the text is
    put back in the form, and the page says it was not sent. Sent then, it arrives once."""
    page = kari_page
    page.goto(goals_path(haddad))
    form = new_goal_form(page, haddad)
    text = a_goal()
    write_goal(form, text)
    lose_posts(False)

    save_button(form).tap()
    expect(form_status(form)).to_contain_text(WAITS_FOR_NETWORK)

    page.reload()
    form = new_goal_form(page, haddad)
    expect(form_status(form)).to_contain_text(NOT_SENT)
    expect(form.get_by_label("Med familiens egne ord")).to_have_value(text)
    expect(form.get_by_role("radio", name="Et kortsiktig mål")).to_be_checked()
    check_tablet_page(page, "goal-put-back")

    page.goto(f"/canvases/{haddad.canvas_id}")
    page.go_back()
    form = new_goal_form(page, haddad)
    expect(form.get_by_label("Med familiens egne ord")).to_have_value(text)
    expect(form_status(form)).to_contain_text(NOT_SENT)
    assert stored(demo_database_url, haddad, text) == 0

    page.unroute_all()
    with page.expect_navigation():
        form.get_by_role("button", name="Send nå").tap()

    expect_goal_arrived(page, haddad, demo_database_url, text)


def test_a_goal_whose_answer_was_lost_is_stored_once_when_sent_again(
    kari_page: Page, haddad: DemoFamily, demo_database_url: str, lose_posts: Callable[[bool], None]
) -> None:
    """The goal reached the server and was stored; only the answer was lost. The tablet
    cannot know, and sends it again, under the same Idempotency-Key: one goal."""
    page = kari_page
    page.goto(goals_path(haddad))
    form = new_goal_form(page, haddad)
    text = a_goal()
    write_goal(form, text)
    lose_posts(True)

    save_button(form).tap()

    expect(form_status(form)).to_contain_text(WAITS_FOR_NETWORK)
    assert stored(demo_database_url, haddad, text) == 1
    page.unroute_all()
    with page.expect_navigation():
        form.get_by_role("button", name="Send nå").tap()

    expect_goal_arrived(page, haddad, demo_database_url, text)


# --- the session ends -------------------------------------------------------------------------


def test_a_goal_sent_after_the_session_ended_goes_once_signed_in_again(
    open_tablet: TabletFactory, kari_state: StorageState, haddad: DemoFamily, demo_database_url: str
) -> None:
    page = open_tablet("portrait", kari_state)
    page.goto(goals_path(haddad))
    form = new_goal_form(page, haddad)
    text = a_goal()
    write_goal(form, text)

    page.context.clear_cookies()  # the session is gone (as when it timed out)
    save_button(form).tap()

    status = form_status(form)
    expect(status).to_contain_text(SIGNED_OUT)
    expect(form.get_by_label("Med familiens egne ord")).to_have_value(text)
    assert stored(demo_database_url, haddad, text) == 0

    with page.expect_navigation():
        status.get_by_role("link", name="Logg inn igjen").tap()
    expect(page.get_by_text(SIGN_IN_NOTICE)).to_be_visible()
    page.locator("#username").fill(KARI.username)
    page.locator("#password").fill(KARI.password)
    page.get_by_role("button", name="Logg inn").tap()

    # Back on the goals page, signed in: the form goes, and the page after it shows the goal.
    expect_goal_arrived(page, haddad, demo_database_url, text)


def test_signed_in_again_in_another_tab_the_form_goes_with_a_fresh_token(
    open_tablet: TabletFactory, kari_state: StorageState, haddad: DemoFamily, demo_database_url: str
) -> None:
    """Signed in again in a second tab, kari taps "Lagre målet" once more in the first: its
    CSRF token is stale now (the new sign-in page gave the tablet a new one), so the script
    asks for a fresh one and sends the form with it, once."""
    page = open_tablet("portrait", kari_state)
    page.goto(goals_path(haddad))
    form = new_goal_form(page, haddad)
    text = a_goal()
    write_goal(form, text)
    page.context.clear_cookies()
    save_button(form).tap()
    expect(form_status(form)).to_contain_text(SIGNED_OUT)

    other_tab = page.context.new_page()
    sign_in(other_tab, KARI.username, KARI.password)
    other_tab.close()
    # The stale token's refusal is the answer the script works from, not a fault.
    watch_of(page).allow_console_error(r"status of 403")
    with page.expect_navigation(), page.expect_response(lambda r: r.status == 403) as refused:
        save_button(form).tap()

    assert refused.value.headers["duk-problem"] == "csrf"

    expect_goal_arrived(page, haddad, demo_database_url, text)


def test_signing_out_forgets_the_forms_the_tab_kept(
    open_tablet: TabletFactory, haddad: DemoFamily
) -> None:
    """On a shared tablet nothing typed outlives the user's session on it."""
    page = open_tablet("portrait")
    sign_in(page, KARI.username, KARI.password)
    page.goto(goals_path(haddad))
    form = new_goal_form(page, haddad)
    write_goal(form, a_goal())
    watch_of(page).allow_console_error(LOST_REQUEST)
    page.route(
        f"**{goals_path(haddad)}",
        lambda route: (
            route.abort("internetdisconnected")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    save_button(form).tap()
    expect(form_status(form)).to_contain_text(WAITS_FOR_NETWORK)
    assert len(kept_forms(page)) == 1

    asked: list[str] = []

    def sign_out_anyway(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", sign_out_anyway)
    with page.expect_navigation():
        page.get_by_role("button", name="Logg ut").tap()

    assert asked == [
        "Noe du har skrevet, er ikke lagret ennå. Logger du ut nå, blir det borte fra dette "
        "nettbrettet. Logge ut likevel?"
    ]
    assert urlsplit(page.url).path == "/login"
    assert kept_forms(page) == {}
    expect(page.get_by_text(SIGN_IN_NOTICE)).to_be_hidden()
    page.unroute_all()


# --- the server refuses the form ------------------------------------------------------------


def test_a_refused_goal_shows_its_field_messages_in_place(
    kari_page: Page, haddad: DemoFamily, demo_database_url: str
) -> None:
    page = kari_page
    page.goto(goals_path(haddad))
    form = new_goal_form(page, haddad)
    form.get_by_role("radio", name="Et kortsiktig mål").check()

    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        save_button(form).tap()

    assert sent.value.status == 422
    watch_of(page).allow_console_error(r"status of 422")
    text_field = new_goal_form(page, haddad).get_by_label("Med familiens egne ord")
    expect(text_field).to_have_attribute("aria-invalid", "true")
    expect(text_field).to_be_focused()
    described_by = text_field.get_attribute("aria-describedby") or ""
    expect(page.locator(f"[id='{described_by.split()[0]}']")).to_be_visible()
    expect(page.get_by_role("alert")).to_be_visible()
    assert urlsplit(page.url).path == goals_path(haddad)
    assert kept_forms(page) == {}
    check_tablet_page(page, "goal-refused-in-place")

    # Put right and sent, it is saved as any form.
    text = a_goal()
    text_field.fill(text)
    with page.expect_navigation():
        save_button(new_goal_form(page, haddad)).tap()
    expect_goal_arrived(page, haddad, demo_database_url, text)

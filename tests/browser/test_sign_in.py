"""Signing in on a tablet, in a real browser (issue 3, "Done when"; DESIGN §5 and §9).

The sign-in page and the caseworker's home pass axe-core in bokmål and English, have touch
targets of at least 44×44 px, fit a portrait tablet at 200% zoom, and the browser asks nothing
of any other origin. A keyboard alone is enough to sign in. The API's documentation page is
here too (it needs nothing but a server: a module of its own started one for one test).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import (
    KARI,
    assert_no_axe_violations,
    assert_same_origin,
    assert_touch_targets,
    check_tablet_page,
    choose_language,
    csp_reported,
    offline,
    page_lang,
    sign_in,
    tab_to,
    two_tablets,
    watch_of,
)

LANGUAGES = ["nb", "en"]


def show_in(page: Page, lang: str) -> None:
    """The tablet starts in bokmål (a Norwegian browser); English is chosen in the header."""
    if lang != "nb":
        choose_language(page, lang)
    assert page_lang(page) == lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sign_in_page_is_accessible_on_a_tablet(portrait_page: Page, lang: str) -> None:
    portrait_page.goto("/login")
    show_in(portrait_page, lang)

    expect(portrait_page.locator("#username")).to_be_visible()
    expect(portrait_page.locator("#password")).to_have_attribute("type", "password")
    check_tablet_page(portrait_page, f"sign-in-{lang}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_home_page_is_accessible_on_a_tablet(kari_page: Page, lang: str) -> None:
    kari_page.goto("/")
    show_in(kari_page, lang)

    assert urlsplit(kari_page.url).path == "/"
    expect(kari_page.get_by_role("heading", level=1)).to_be_visible()
    expect(kari_page.locator("#family-list")).to_contain_text("Familien Haddad")
    check_tablet_page(kari_page, f"home-{lang}")


def test_a_caseworker_signs_in_by_tapping_on_the_tablet_held_either_way(
    tablet_page: Page,
) -> None:
    sign_in(tablet_page, KARI.username, KARI.password)

    assert urlsplit(tablet_page.url).path == "/"
    expect(tablet_page.locator("#family-list")).to_contain_text("Familien Haddad")
    expect(tablet_page.locator("form[action='/logout'] button")).to_be_visible()


def test_a_wrong_password_is_announced_next_to_the_form(portrait_page: Page) -> None:
    portrait_page.goto("/login")
    portrait_page.locator("#username").fill(KARI.username)
    portrait_page.locator("#password").fill("not-the-password")
    portrait_page.locator("form[action='/login'] button[type=submit]").tap()

    error = portrait_page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(portrait_page.locator("#username")).to_have_attribute("aria-describedby", "login-error")
    expect(portrait_page.locator("#username")).to_have_value(KARI.username)
    # The browser logs the 401 of the form post; that is the answer, not a fault.
    watch_of(portrait_page).allow_console_error(r"status of 401")
    assert_no_axe_violations(portrait_page)
    assert_touch_targets(portrait_page)


def test_a_caseworker_signs_in_with_the_keyboard_only(portrait_page: Page) -> None:
    portrait_page.goto("/login")

    stops = tab_to(portrait_page, "#username")
    assert stops[0].startswith("a "), f"the first Tab stop is the skip link, not {stops[0]}"
    portrait_page.keyboard.type(KARI.username)
    tab_to(portrait_page, "#password", max_presses=1)
    portrait_page.keyboard.type(KARI.password)
    with portrait_page.expect_navigation():
        portrait_page.keyboard.press("Enter")

    assert urlsplit(portrait_page.url).path == "/"
    expect(portrait_page.locator(".card-list")).to_contain_text("Familien Haddad")
    # The families are reached by Tab as well.
    tab_to(portrait_page, "#family-list a")


def test_the_skip_link_takes_the_keyboard_to_the_main_content(kari_page: Page) -> None:
    kari_page.goto("/")

    tab_to(kari_page, "a.skip-link", max_presses=1)
    expect(kari_page.locator("a.skip-link")).to_be_in_viewport()
    kari_page.keyboard.press("Enter")

    # The browser reports the fragment navigation after the key press returns: wait for it.
    expect(kari_page).to_have_url(re.compile(r"#main$"))
    expect(kari_page.locator("#main")).to_be_focused()


def test_the_tablet_asks_nothing_of_any_other_origin(portrait_page: Page, base_url: str) -> None:
    sign_in(portrait_page, KARI.username, KARI.password)
    portrait_page.reload()

    requested = watch_of(portrait_page).requests
    paths = {urlsplit(url).path for url in requested}
    # The check sees the pages and everything they load: styles, scripts, icon.
    assert {"/login", "/", "/static/app.css", "/static/app.js"} <= paths
    assert "/static/vendor/htmx/htmx.min.js" in paths
    assert_same_origin(requested, base_url)
    with pytest.raises(AssertionError, match="fonts.googleapis.com"):
        assert_same_origin([*requested, "https://fonts.googleapis.com/css2?family=Inter"], base_url)


def test_signing_out_on_one_tablet_leaves_the_other_signed_in(
    browser: Browser, base_url: str
) -> None:
    with two_tablets(browser, base_url, KARI.username, KARI.password) as (first, second):
        with first.expect_navigation():
            first.locator("form[action='/logout'] button").tap()
        assert urlsplit(first.url).path == "/login"

        second.reload()
        assert urlsplit(second.url).path == "/"
        expect(second.locator("#family-list")).to_contain_text("Familien Haddad")

        first.goto("/")
        assert urlsplit(first.url).path == "/login"


def test_the_session_survives_a_lost_network(kari_page: Page) -> None:
    kari_page.goto("/")
    health = "() => fetch('/api/v1/health').then((r) => r.status, () => 'no network')"

    with offline(kari_page.context):
        assert kari_page.evaluate("navigator.onLine") is False
        assert kari_page.evaluate(health) == "no network"
        expect(kari_page.locator("#family-list")).to_contain_text("Familien Haddad")

    assert kari_page.evaluate(health) == 200
    kari_page.reload()
    assert urlsplit(kari_page.url).path == "/"


def test_the_api_docs_list_the_operations_with_nothing_from_outside(
    portrait_page: Page, base_url: str
) -> None:
    """Issue 10 #9: the vendored Swagger UI shows the operations of the OpenAPI document, under
    the app's own Content-Security-Policy, asking no other origin."""
    response = portrait_page.goto("/api/docs")

    assert response is not None
    assert response.status == 200
    # Swagger UI draws each operation from /openapi.json: the page works, not just loads.
    expect(portrait_page.get_by_text("/api/v1/tokens").first).to_be_visible()
    expect(portrait_page.get_by_text("/api/v1/canvases/{canvas_id}").first).to_be_visible()
    csp_reported(portrait_page)
    watch = watch_of(portrait_page)
    assert_same_origin(watch.requests, base_url)
    assert watch.csp_violations == []

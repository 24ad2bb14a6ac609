"""Family mode on the tablet in a real Chromium (DESIGN §12): the caseworker shows the family
its own things, the page has no menus and passes axe-core, a staff address leads back to the
family's view, and leaving asks for the worker's password and returns to where they were."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.browser.conftest import DemoFamily
from tests.browser.helpers import (
    KARI,
    assert_no_axe_violations,
    check_tablet_page,
    sign_in,
    tap_and_wait,
)


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def test_the_caseworker_shows_the_family_and_signs_in_again_to_leave(
    portrait_page: Page, haddad: DemoFamily
) -> None:
    page = portrait_page
    sign_in(page, KARI.username, KARI.password)
    canvas = f"/canvases/{haddad.canvas_id}"
    page.goto(canvas)

    tap_and_wait(page, page.get_by_test_id("family-mode-start"))

    assert path_of(page) == "/family-mode"
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the Haddads' language
    expect(page.locator("nav")).to_have_count(0)
    expect(page.locator("main h1")).to_contain_text("Familien Haddad")
    check_tablet_page(page, "family-mode")  # axe-core, touch targets, 200% zoom

    page.goto(f"/families/{haddad.family_id}")
    assert path_of(page) == "/family-mode"

    tap_and_wait(page, page.get_by_test_id("family-mode-leave"))
    assert path_of(page) == "/family-mode/leave"
    assert_no_axe_violations(page)
    page.locator("#leave-password").fill(KARI.password)
    tap_and_wait(page, page.locator("form[action='/family-mode/leave'] button[type=submit]"))

    assert path_of(page) == canvas
    expect(page.locator("nav")).to_have_count(1)

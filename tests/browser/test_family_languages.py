"""The family's plan, consent statement and "who has seen our data" print in the family's
language, on a real Chromium (DESIGN §12, §5): in Arabic the page is mirrored (``dir="rtl"``:
what stands first stands on the right, the accent border of an action on its right edge), in
Somali it is not; every language's pages pass axe-core, on a tablet held both ways.

The demo family Haddad (kari's, with a submitted plan) is given each language in turn through
the API, as a caseworker's client would change it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

import pytest
from playwright.sync_api import Page, Playwright, StorageState, ViewportSize

from app.config import FAMILY_LANGUAGES
from app.demo import DEMO_PASSWORD
from tests.browser.conftest import DemoFamily, TabletFactory
from tests.browser.helpers import assert_no_axe_violations, screenshot

# The tablet the issue names: 768×1024 CSS px held upright, 1024×768 on its side.
SIZES: Final = {
    "portrait": ViewportSize(width=768, height=1024),
    "landscape": ViewportSize(width=1024, height=768),
}
HEADING: Final = {"ar": "خطتنا", "so": "Qorshaheena"}

SetLanguage = Callable[[str], None]


@pytest.fixture(scope="module")
def set_language(
    playwright: Playwright, base_url: str, haddad: DemoFamily
) -> Iterator[SetLanguage]:
    """``set_language("ar")``: kari changes the family's language through the API."""
    api = playwright.request.new_context(base_url=base_url)
    token = api.post("/api/v1/tokens", data={"username": "kari", "password": DEMO_PASSWORD})
    assert token.status == 201, token.text()
    auth = {"Authorization": f"Bearer {token.json()['token']}"}

    def change(lang: str) -> None:
        url = f"/api/v1/families/{haddad.family_id}"
        version = api.get(url, headers=auth).json()["version"]
        changed = api.patch(
            url, data={"language": lang}, headers={**auth, "If-Match": f'"{version}"'}
        )
        assert changed.status == 200, changed.text()

    yield change
    api.dispose()


OpenInLanguage = Callable[[str, str, str], Page]


@pytest.fixture
def open_in(
    open_tablet: TabletFactory, kari_state_en: StorageState, set_language: SetLanguage
) -> OpenInLanguage:
    """``open_in(lang, orientation, path)``: the family reads ``lang``; kari (pages in
    English) opens ``path`` on a tablet of the issue's size held that way."""

    def open_page(lang: str, orientation: str, path: str) -> Page:
        set_language(lang)
        page = open_tablet("portrait", kari_state_en)
        page.set_viewport_size(SIZES[orientation])
        response = page.goto(path)
        assert response is not None, path
        assert response.status == 200, path
        return page

    return open_page


def _middle_of(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"] / 2


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
@pytest.mark.parametrize("lang", ["ar", "so"])
def test_the_plan_is_mirrored_in_arabic_only(
    open_in: OpenInLanguage, haddad: DemoFamily, lang: str, orientation: str
) -> None:
    page = open_in(lang, orientation, f"/plans/{haddad.plan_id}/print")

    html = page.locator("html")
    assert html.get_attribute("lang") == lang
    assert html.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.locator("h1").inner_text() == HEADING[lang]
    width = SIZES[orientation]["width"]
    # The family's name opens the header: on the right in Arabic, on the left otherwise.
    family_name = _middle_of(page, ".plan-print-family")
    assert (family_name > width / 2) is (lang == "ar"), family_name
    # An action's accent border is on the side its lines start from.
    border = page.locator(".plan-action").first.evaluate(
        "el => [getComputedStyle(el).borderLeftWidth, getComputedStyle(el).borderRightWidth]"
    )
    assert border == (["1px", "6px"] if lang == "ar" else ["6px", "1px"])
    assert_no_axe_violations(page)
    screenshot(page, f"family-plan-{lang}")

    # The worker's page around the plan stays in the worker's language, the plan in the
    # family's, mirrored as a part of its own.
    page.goto(f"/plans/{haddad.plan_id}")
    part = page.locator(".plan-preview > div[lang]")
    assert part.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert_no_axe_violations(page)


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
@pytest.mark.parametrize("lang", FAMILY_LANGUAGES)
def test_the_familys_pages_pass_axe_in_every_language(
    open_in: OpenInLanguage, haddad: DemoFamily, lang: str, orientation: str
) -> None:
    for path in (
        f"/plans/{haddad.plan_id}/print",
        f"/families/{haddad.family_id}/consents/{haddad.consent_id}/statement",
        f"/families/{haddad.family_id}/audit/print",
    ):
        page = open_in(lang, orientation, path)
        assert page.locator("html").get_attribute("lang") == lang
        assert_no_axe_violations(page)

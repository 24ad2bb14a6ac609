"""The coordinator's pages on a tablet (issue 5, "Done when": a browser test walks the
coordinator pages with axe-core and finds no violations). kim, the demo coordinator, signs in,
lands on the reports, makes each report with her own choices through the form, opens the print
version and the barrier register; in bokmål and in English. Every page: axe-core, 44×44 px
targets, no sideways scrolling at 200 % zoom, photographed in both orientations. The data is
``duk demo``'s: a few hundred synthetic families in four municipalities."""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, StorageState, expect

from app.demo import DEMO_PASSWORD
from tests.browser.conftest import TabletFactory
from tests.browser.helpers import Person, check_tablet_page, page_lang, signed_in_state

KIM: Final = Person("kim", DEMO_PASSWORD)

# report -> the form's choices (select id -> value): each a different view from the default.
CHOICES: Final[dict[str, dict[str, str]]] = {
    "needs": {"rows": "municipality", "columns": "domain"},
    "gaps": {"rows": "municipality"},
    "outcomes": {"rows": "household_type"},
    "barriers": {"rows": "responsible_level", "columns": "municipality"},
}


@pytest.fixture(scope="module")
def kim_states(browser: Browser, base_url: str) -> dict[str, StorageState]:
    """kim signed in once per interface language."""
    return {lang: signed_in_state(browser, base_url, KIM, lang=lang) for lang in ("nb", "en")}


def show(page: Page, choices: dict[str, str]) -> None:
    """Make the report with these choices, through the form as a person would."""
    for field, value in choices.items():
        page.locator(f"#{field}").select_option(value)
    with page.expect_navigation():
        page.locator("form.report-form button[type=submit]").tap()


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_coordinator_walks_the_reports_print_version_and_barriers_accessibly(
    open_tablet: TabletFactory, kim_states: dict[str, StorageState], lang: str
) -> None:
    page = open_tablet("portrait", kim_states[lang])

    page.goto("/")

    assert urlsplit(page.url).path == "/reports"
    assert page_lang(page) == lang
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.locator(".report-list a")).to_have_count(len(CHOICES))
    check_tablet_page(page, f"reports-{lang}")

    for name, choices in CHOICES.items():
        page.goto(f"/reports/{name}")
        show(page, choices)

        url = urlsplit(page.url)
        assert url.path == f"/reports/{name}"
        assert {k: v[0] for k, v in parse_qs(url.query).items()} == choices
        expect(page.locator("svg.chart[role=img]").first).to_be_visible()
        expect(page.locator("table.numbers").first).to_be_visible()
        check_tablet_page(page, f"report-{name}-{lang}")

    # Municipality × domain in the need patterns: Halden and Indre Østfold have small cells.
    page.goto("/reports/needs?rows=municipality&columns=domain")
    expect(page.locator("table.numbers td", has_text="–").first).to_be_visible()

    with page.expect_navigation():
        page.locator("a[href^='/reports/needs/print']").tap()
    assert urlsplit(page.url).path == "/reports/needs/print"
    expect(page.locator("nav[aria-label]").filter(has=page.locator(".nav-list"))).to_have_count(0)
    check_tablet_page(page, f"report-print-{lang}")

    page.goto("/barriers")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    check_tablet_page(page, f"barriers-coordinator-{lang}")

"""Every page a family reads, in every family language, on a real Chromium (DESIGN §12, §5;
issue 15): the family's own pages under /familie/ (signed in through ID-porten, played by a
real OpenID Connect provider process), the kind page for someone with no family, the plan's
print view and the consent statement the worker prints, and family mode on the worker's
tablet. Each passes axe-core on the issue's tablet held upright and then turned on its side,
says its language in ``<html lang>``, and is mirrored exactly in Arabic (``dir="rtl"``: what
stands first stands on the right, an action's accent border on its right edge).

One member session and one family-mode session serve the module; per language one test sets
the family's and the member's language through the API, as a caseworker's client would, and
visits each page once, turning the tablet on the loaded page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Final
from urllib.parse import urlsplit

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from playwright.sync_api import (
    APIRequestContext,
    Browser,
    Page,
    Playwright,
    StorageState,
    ViewportSize,
    expect,
)

from app.config import FAMILY_LANGUAGES, Settings
from app.demo import DEMO_PASSWORD
from app.main import create_app
from app.models.enums import Language
from tests.browser.conftest import DemoFamily, TabletFactory
from tests.browser.family_door import add_parents, idporten_env, sign_in_member
from tests.browser.helpers import (
    KARI,
    assert_no_axe_violations,
    new_tablet,
    screenshot,
    sign_in,
    tap_and_wait,
    watch_of,
)
from tests.cli.duk_process import DukServer, serving
from tests.conftest import TEST_SECRET
from tests.members.numbers import fodselsnummer
from tests.oidc_provider import Provider, running_provider

# The tablet the issue names: 768×1024 CSS px held upright, 1024×768 on its side.
PORTRAIT: Final = ViewportSize(width=768, height=1024)
LANDSCAPE: Final = ViewportSize(width=1024, height=768)
HEADING: Final = {"ar": "خطتنا", "so": "Qorshaheena", "en": "Our plan", "nb": "Planen vår"}
AMINA: Final = fodselsnummer(date(1984, 5, 20))
STRANGER: Final = fodselsnummer(date(1979, 8, 30))
# A parent in two households (Haddad, kari's, and Berg): she chooses one after signing in.
LEILA: Final = fodselsnummer(date(1982, 9, 14))

# The GET routes under /familie/ that are no page to check, and why; every other one is
# visited below (``family_pages``), so a new page fails the test until it is added there.
NOT_PAGES: Final = {
    "/familie/auth/login": "a redirect to ID-porten",
    "/familie/auth/logout": "a redirect to ID-porten's sign-out",
    "/familie/plan/{plan_id}/pdf": "a PDF, made from the print view's words",
}


@dataclass(frozen=True)
class Shared:
    """What the family shares, as the pages need it: a consent still in force (the page to
    withdraw it) and a unit the plan lead proposes and the family has not consented to (the
    page to give a consent)."""

    consent_id: str
    proposed_unit_id: str


def family_pages(haddad: DemoFamily, shared: Shared) -> dict[str, str]:
    """Each /familie/ GET route (as the app names its path) and the address that shows it to
    a signed-in member; the kind page is the sign-in's callback for someone with no family."""
    return {
        "/familie/": "/familie/",
        "/familie/plan/{plan_id}/utskrift": f"/familie/plan/{haddad.plan_id}/utskrift",
        "/familie/oppgaver": "/familie/oppgaver",
        "/familie/samtykker": "/familie/samtykker",
        "/familie/samtykker/{consent_id}/trekk": f"/familie/samtykker/{shared.consent_id}/trekk",
        "/familie/samtykker/ny/{unit_id}": f"/familie/samtykker/ny/{shared.proposed_unit_id}",
        "/familie/melding": "/familie/melding",
        "/familie/innsyn": "/familie/innsyn",
        "/familie/varsler": "/familie/varsler",
        "/familie/logg-inn": "/familie/logg-inn",
        "/familie/logget-ut": "/familie/logget-ut",
        "/familie/auth/callback": "/familie/auth/callback",  # for someone with no family
        "/familie/velg-familie": "/familie/velg-familie",  # for someone in two families
    }


@pytest.fixture(scope="module")
def idporten() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def live_server(
    demo_database_url: str, idporten: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DukServer]:
    """``duk serve`` with ID-porten configured, Amina recorded by kari as a parent in Familien
    Haddad (the demo family with a plan waiting for the family's approval), and Leila as a
    parent both there and in Familien Berg."""
    leila = ("Leila Haddad", 1982, Language.en, LEILA)
    add_parents(
        demo_database_url,
        "Familien Haddad",
        [("Amina Haddad", 1984, Language.en, AMINA), leila],
    )
    add_parents(demo_database_url, "Familien Berg", [leila])
    log = tmp_path_factory.mktemp("serve") / "duk-serve.log"
    with serving(demo_database_url, log, env=idporten_env(idporten)) as server:
        yield server


class StaffApi:
    """kari, Haddad's plan lead, through the API: what a caseworker's client changes."""

    def __init__(self, api: APIRequestContext, token: str, family_id: str) -> None:
        self.api = api
        self.auth = {"Authorization": f"Bearer {token}"}
        self.family = f"/api/v1/families/{family_id}"

    def get(self, url: str) -> object:
        got = self.api.get(url, headers=self.auth)
        assert got.status == 200, got.text()
        return got.json()

    def patch(self, url: str, changes: dict[str, str]) -> None:
        got = self.api.get(url, headers=self.auth)
        assert got.status == 200, got.text()
        changed = self.api.patch(
            url, data=changes, headers={**self.auth, "If-Match": got.headers["etag"]}
        )
        assert changed.status == 200, changed.text()

    def set_language(self, lang: str) -> None:
        """The family's language (its plan, its statement, family mode), Amina's own (her
        pages under /familie/) and Leila's (her choice of family, as Haddad recorded it)."""
        self.patch(self.family, {"language": lang})
        members = self.get(f"{self.family}/members")
        assert isinstance(members, list)
        for name in ("Amina Haddad", "Leila Haddad"):
            (member,) = [m["id"] for m in members if m["name"] == name]
            self.patch(f"/api/v1/members/{member}", {"language": lang})


@pytest.fixture(scope="module")
def staff_api(playwright: Playwright, base_url: str, haddad: DemoFamily) -> Iterator[StaffApi]:
    api = playwright.request.new_context(base_url=base_url)
    token = api.post("/api/v1/tokens", data={"username": "kari", "password": DEMO_PASSWORD})
    assert token.status == 201, token.text()
    yield StaffApi(api, token.json()["token"], str(haddad.family_id))
    api.dispose()


@pytest.fixture(scope="module")
def shared(staff_api: StaffApi, haddad: DemoFamily) -> Shared:
    """The school's consent withdrawn by the plan lead: the school, responsible for an action
    in the plan, is proposed; barnevern's consent stays in force."""
    consents = staff_api.get(f"{staff_api.family}/consents")
    assert isinstance(consents, list)
    in_force = [c for c in consents if c["active"]]
    assert len(in_force) == 2, consents
    kept, withdrawn = in_force if in_force[0]["id"] == str(haddad.consent_id) else in_force[::-1]
    gone = staff_api.api.post(
        f"{staff_api.family}/consents/{withdrawn['id']}/withdraw", headers=staff_api.auth
    )
    assert gone.status == 200, gone.text()
    return Shared(kept["id"], withdrawn["unit_id"])


def _signed_in_tablet(
    browser: Browser, base_url: str, sign: Callable[[Page], None]
) -> StorageState:
    context, watch = new_tablet(browser, base_url, "portrait")
    try:
        sign(context.new_page())
        watch.forget()  # the provider's pages are another origin, on purpose
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture(scope="module")
def amina_state(browser: Browser, base_url: str, idporten: Provider) -> StorageState:
    """One real sign-in of Amina through ID-porten, for every test of the module."""
    return _signed_in_tablet(
        browser, base_url, lambda page: sign_in_member(page, idporten, "amina", AMINA)
    )


@pytest.fixture(scope="module")
def family_mode_state(browser: Browser, base_url: str, haddad: DemoFamily) -> StorageState:
    """kari's tablet turned to the Haddads (family mode), a session of its own."""

    def show_the_family(page: Page) -> None:
        sign_in(page, KARI.username, KARI.password)
        page.goto(f"/canvases/{haddad.canvas_id}")
        tap_and_wait(page, page.get_by_test_id("family-mode-start"))
        assert urlsplit(page.url).path == "/family-mode"

    return _signed_in_tablet(browser, base_url, show_the_family)


# --- what each page is checked for ---------------------------------------------------------


def _turn(page: Page) -> None:
    size = page.viewport_size
    assert size is not None
    page.set_viewport_size(LANDSCAPE if size == PORTRAIT else PORTRAIT)


def _open(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None, path
    assert response.status == 200, f"{path}: {response.status}"


def _check_both_ways(page: Page, lang: str, mirrored: Callable[[Page], None] | None = None) -> None:
    """The page as loaded, in its language and direction, axe-clean (and ``mirrored``) in the
    orientation it came in, then again with the tablet turned, without loading it again."""
    html = page.locator("html")
    assert html.get_attribute("lang") == lang, page.url
    assert html.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr"), page.url
    for _ in range(2):
        assert_no_axe_violations(page)
        _fits_its_width(page)
        if mirrored is not None:
            mirrored(page)
        _turn(page)


def _fits_its_width(page: Page) -> None:
    """Nothing sticks out sideways, to the left (right to left) or to the right."""
    widths: list[int] = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths}"


def _visit(
    page: Page, path: str, lang: str, mirrored: Callable[[Page], None] | None = None
) -> None:
    _open(page, path)
    _check_both_ways(page, lang, mirrored)


def _starts_right(page: Page, selector: str) -> bool:
    """Whether the text of the first ``selector`` stands in the right half of the page."""
    middle: float = page.locator(selector).first.evaluate(
        """el => { const range = document.createRange(); range.selectNodeContents(el);
                   const box = range.getBoundingClientRect(); return box.left + box.width / 2; }"""
    )
    size = page.viewport_size
    assert size is not None
    return middle > size["width"] / 2


def _border_sides(page: Page, selector: str) -> list[str]:
    sides: list[str] = page.locator(selector).first.evaluate(
        "el => [getComputedStyle(el).borderLeftWidth, getComputedStyle(el).borderRightWidth]"
    )
    return sides


def _mirrored_in(lang: str, first: str) -> Callable[[Page], None]:
    """What stands first (``first``'s text) stands on the right in Arabic, on the left in the
    others; an action's accent border is on the side its lines start from."""

    def check(page: Page) -> None:
        assert _starts_right(page, first) is (lang == "ar"), (page.url, first)
        accent = ["1px", "6px"] if lang == "ar" else ["6px", "1px"]
        assert _border_sides(page, ".plan-action") == accent, page.url

    return check


# --- the tests -----------------------------------------------------------------------------


def test_the_pages_checked_are_every_family_page_of_the_app(
    haddad: DemoFamily, shared: Shared
) -> None:
    app = create_app(Settings(env="test", secret_key=TEST_SECRET))
    routes = {
        context.route.path
        for context in iter_route_contexts(app.routes)
        if isinstance(context.route, APIRoute) and "GET" in (context.route.methods or ())
        if context.route.path.startswith("/familie/")
    }
    checked = set(family_pages(haddad, shared))
    assert routes - set(NOT_PAGES) == checked
    assert set(NOT_PAGES) <= routes


@pytest.mark.parametrize("lang", FAMILY_LANGUAGES)
def test_every_family_page_passes_axe_in_its_language_both_ways(
    lang: str,
    open_tablet: TabletFactory,
    staff_api: StaffApi,
    haddad: DemoFamily,
    shared: Shared,
    idporten: Provider,
    amina_state: StorageState,
    kari_state_en: StorageState,
    family_mode_state: StorageState,
) -> None:
    staff_api.set_language(lang)
    pages = family_pages(haddad, shared)

    # Amina's own pages, in her own language; her browser asks for the same language, which
    # the pages drawn before anyone signs in (the way in, signed out) speak.
    page = open_tablet("portrait", amina_state, locale=lang)
    page.set_viewport_size(PORTRAIT)
    _open(page, pages.pop("/familie/"))
    if lang in HEADING:
        expect(page.locator("h1")).to_have_text(HEADING[lang])
    # The plan waits for the family: the page is also where it is approved, signed in.
    expect(page.locator("form[action$='/godkjenn']")).to_have_count(1)
    _check_both_ways(page, lang, _mirrored_in(lang, "main h1"))
    if lang in ("ar", "so"):
        screenshot(page, f"family-home-{lang}")
    _visit(
        page,
        pages.pop("/familie/plan/{plan_id}/utskrift"),
        lang,
        _mirrored_in(lang, ".plan-print-family"),
    )
    kind_page = pages.pop("/familie/auth/callback")
    choice_page = pages.pop("/familie/velg-familie")
    for path in pages.values():
        _visit(page, path, lang)

    # The kind page, for someone ID-porten proves whom no plan lead has recorded: in the
    # browser's language, as nobody is signed in.
    stranger = open_tablet("portrait", locale=lang)
    stranger.set_viewport_size(PORTRAIT)
    watch_of(stranger).allow_origin(idporten.issuer)
    watch_of(stranger).allow_console_error("status of 403")
    sign_in_member(stranger, idporten, "stranger", STRANGER)
    assert urlsplit(stranger.url).path == kind_page
    expect(stranger.locator("nav")).to_have_count(0)
    _check_both_ways(stranger, lang)

    # The choice of family, for someone recorded in two: in her own language.
    leila = open_tablet("portrait", locale=lang)
    leila.set_viewport_size(PORTRAIT)
    watch_of(leila).allow_origin(idporten.issuer)
    sign_in_member(leila, idporten, "leila", LEILA)
    assert urlsplit(leila.url).path == choice_page
    expect(leila.locator(".family-choice")).to_have_count(2)
    _check_both_ways(leila, lang)

    # What the worker prints for the family, in the family's language.
    kari = open_tablet("portrait", kari_state_en)
    kari.set_viewport_size(PORTRAIT)
    _visit(kari, f"/plans/{haddad.plan_id}/print", lang, _mirrored_in(lang, ".plan-print-family"))
    if lang in ("ar", "so"):
        screenshot(kari, f"family-plan-{lang}")
    _visit(kari, f"/families/{haddad.family_id}/consents/{haddad.consent_id}/statement", lang)
    _visit(kari, f"/families/{haddad.family_id}/audit/print", lang)
    # The worker's page around the plan stays in the worker's language, the plan in the
    # family's, mirrored as a part of its own.
    _open(kari, f"/plans/{haddad.plan_id}")
    part = kari.locator(".plan-preview > div[lang]")
    assert part.get_attribute("lang") == lang
    assert part.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    _check_both_ways(kari, "en")

    # Family mode on the worker's tablet.
    shown = open_tablet("portrait", family_mode_state)
    shown.set_viewport_size(PORTRAIT)
    _visit(shown, "/family-mode", lang)
    expect(shown.locator("nav")).to_have_count(0)

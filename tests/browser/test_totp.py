"""Two-step sign-in on a tablet, in a real browser (issue 14; DESIGN §11): with a second
factor required, as in production, a caseworker enrols an authenticator app at her first
sign-in (the QR code, the key to type by hand, the recovery codes) and signs in with a code
after; an administrator resets it on the users page (a lost phone), and she enrols again. The
enrolment and code pages pass axe-core, have 44 px touch targets and fit a tablet.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import TabletFactory
from tests.browser.helpers import (
    ADMIN,
    KARI,
    add_admin,
    check_tablet_page,
    sign_in,
    tap_and_wait,
    watch_of,
)
from tests.cli.duk_process import DukServer, serving

ENROL_BUTTON = "form[action='/login/enrol'] button[type=submit]"
# The enrolment's answer waits for ten recovery codes hashed with argon2 at a low priority: a
# second on a quiet machine, many more on a busy one.
HASHING_MS = 60_000


@pytest.fixture(scope="module")
def live_server(
    demo_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DukServer]:
    """``duk serve`` as production runs it in this respect: a code after every password; with
    an administrator added by ``duk user add``."""
    add_admin(demo_database_url)
    log = tmp_path_factory.mktemp("serve") / "duk-serve.log"
    with serving(demo_database_url, log, env={"DUK_TOTP_REQUIRED": "true"}) as server:
        yield server


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def test_a_caseworker_enrols_at_her_first_sign_in_and_signs_in_with_a_code(
    open_tablet: TabletFactory,
) -> None:
    tablet = open_tablet("portrait")
    sign_in(tablet, KARI.username, KARI.password)
    assert path_of(tablet) == "/login/enrol"
    expect(tablet.locator(".totp-qr-image svg")).to_be_visible()
    check_tablet_page(tablet, "totp-enrol-nb")

    secret = tablet.locator("#totp-secret").inner_text().replace(" ", "")
    code = tablet.locator("#code")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    code.fill(pyotp.TOTP(secret).now())
    # A form with a code is sent by the browser itself, never kept by the page's script.
    with tablet.expect_navigation(timeout=HASHING_MS):
        tablet.locator(ENROL_BUTTON).tap()
    expect(tablet.locator("#recovery-codes li")).to_have_count(10)
    expect(tablet.locator("[data-print]")).to_be_visible()
    check_tablet_page(tablet, "totp-recovery-codes-nb")
    with tablet.expect_navigation():
        tablet.locator("main a.button-primary").tap()
    expect(tablet.locator("#family-list")).to_contain_text("Familien Haddad")

    # Another tablet: the password, then a code (the next one: the first was used).
    other = open_tablet("landscape")
    sign_in(other, KARI.username, KARI.password)
    assert path_of(other) == "/login/code"
    # Half-way, no page opens: the family list sends her back to sign in.
    other.goto("/")
    assert path_of(other) == "/login"
    sign_in(other, KARI.username, KARI.password)
    check_tablet_page(other, "totp-code-nb")

    right = {pyotp.TOTP(secret).at(time.time() + 30 * step) for step in (-1, 0, 1)}
    other.locator("#code").fill(next(c for c in ("000000", "111111", "222222") if c not in right))
    # The browser logs the 401 of the form post; that is the answer, not a fault.
    watch_of(other).allow_console_error(r"status of 401")
    with other.expect_navigation():
        other.locator("form[action='/login/code'] button[type=submit]").first.tap()
    expect(other.get_by_role("alert")).to_be_visible()
    expect(other.locator("#code")).to_have_attribute("aria-describedby", "code-error")
    check_tablet_page(other, "totp-code-error-nb")

    other.locator("#code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    with other.expect_navigation():
        other.locator("form[action='/login/code'] button[type=submit]").first.tap()
    expect(other.locator("#family-list")).to_contain_text("Familien Haddad")


def enrol(page: Page) -> None:
    """On the enrolment page: the key typed into an app, its code sent, the recovery codes
    read, and on."""
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation(timeout=HASHING_MS):
        page.locator(ENROL_BUTTON).tap()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    tap_and_wait(page, page.locator("main a.button-primary"))


def test_an_admin_resets_a_lost_phone_and_the_caseworker_enrols_again(
    open_tablet: TabletFactory,
) -> None:
    kari = open_tablet("portrait")
    sign_in(kari, KARI.username, KARI.password)
    if path_of(kari) == "/login/enrol":  # not yet enrolled by the test before (run alone)
        enrol(kari)
    admin = open_tablet("landscape")
    sign_in(admin, ADMIN.username, ADMIN.password)
    enrol(admin)

    admin.goto("/admin/users")
    card = admin.locator("li.card").filter(has_text=f"({KARI.username})")
    expect(card.locator(".user-totp")).to_have_text("Totrinnsinnlogging: satt opp.")
    card.get_by_label(f"Jeg vil nullstille totrinnsinnloggingen til {KARI.username}").check()
    tap_and_wait(
        admin,
        card.get_by_role("button", name=f"Nullstill totrinnsinnlogging for {KARI.username}"),
    )
    expect(admin.get_by_role("status")).to_contain_text("Totrinnsinnloggingen er nullstilt")
    card = admin.locator("li.card").filter(has_text=f"({KARI.username})")
    expect(card.locator(".user-totp")).to_have_text("Totrinnsinnlogging: ikke satt opp.")
    check_tablet_page(admin, "admin-users-totp-reset-nb")

    # Her next sign-in enrols her again.
    again = open_tablet("portrait")
    sign_in(again, KARI.username, KARI.password)
    assert path_of(again) == "/login/enrol"

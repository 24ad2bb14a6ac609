"""Staff sign-in through the municipality's identity provider, in real Chromium on a tablet
(issue 14, DESIGN §11): a real OpenID Connect provider process (tests/oidc_provider.py) and
``duk serve`` configured to it, as an operator would (DUK_OIDC_*). An administrator links kari
to her subject on the users page; kari taps "Logg inn med …", answers the provider's form and
lands in Duk; a subject linked to nobody gets the refusal page; signing out goes through the
provider's end-session and back to Duk's sign-in. The tablets may talk to the provider's
origin in these tests, and to no other.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import TabletFactory
from tests.browser.helpers import (
    ADMIN,
    KARI,
    add_admin,
    assert_no_axe_violations,
    check_tablet_page,
    sign_in,
    tap_and_wait,
    watch_of,
)
from tests.cli.duk_process import DukServer, serving
from tests.oidc_provider import Provider, running_provider

PROVIDER_NAME = "Asker kommune"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def live_server(
    demo_database_url: str, provider: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DukServer]:
    """``duk serve`` on the module's demo database, configured to the provider, with an
    administrator added by ``duk user add``."""
    add_admin(demo_database_url)
    log = tmp_path_factory.mktemp("serve") / "duk-serve.log"
    env = {
        "DUK_OIDC_ISSUER": provider.issuer,
        "DUK_OIDC_CLIENT_ID": "duk",
        "DUK_OIDC_CLIENT_SECRET": "duk-browser-secret",
        "DUK_OIDC_NAME": PROVIDER_NAME,
        # The provider listens on plain http on loopback; Authlib wants https elsewhere.
        "AUTHLIB_INSECURE_TRANSPORT": "1",
    }
    with serving(demo_database_url, log, env=env) as server:
        yield server


def _tablet(open_tablet: TabletFactory, provider: Provider) -> Page:
    page = open_tablet("portrait")
    watch_of(page).allow_origin(provider.issuer)
    return page


def _sign_in_at_provider(page: Page, provider: Provider, sub: str) -> None:
    """From Duk's sign-in page: tap the provider's button, answer its form as the person."""
    page.goto("/login")
    tap_and_wait(page, page.get_by_role("link", name=f"Logg inn med {PROVIDER_NAME}"))
    assert page.url.startswith(provider.issuer), page.url
    page.locator("input[name=sub]").fill(sub)
    with page.expect_navigation(url=lambda url: not url.startswith(provider.issuer)):
        page.get_by_role("button", name="Authorize", exact=True).tap()


def test_an_admin_links_kari_and_she_signs_in_through_the_provider(
    open_tablet: TabletFactory, provider: Provider, base_url: str
) -> None:
    admin_page = open_tablet("portrait")
    sign_in(admin_page, ADMIN.username, ADMIN.password)
    admin_page.get_by_role("link", name="Brukere").tap()
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("Brukere")
    check_tablet_page(admin_page, "admin-users-nb")
    card = admin_page.locator("li.card").filter(has_text=f"({KARI.username})")
    card.get_by_label("Identitet (sub) hos innloggingstjenesten").fill("kari-at-asker")
    tap_and_wait(admin_page, card.get_by_role("button", name=f"Koble til {KARI.username}"))
    expect(admin_page.get_by_role("status")).to_contain_text("Brukeren er koblet til")
    assert_no_axe_violations(admin_page)

    page = _tablet(open_tablet, provider)
    page.goto("/login")
    button = page.get_by_role("link", name=f"Logg inn med {PROVIDER_NAME}")
    expect(button).to_be_visible()
    check_tablet_page(page, "sign-in-with-provider-nb")
    _sign_in_at_provider(page, provider, "kari-at-asker")

    assert page.url.startswith(base_url)
    assert urlsplit(page.url).path == "/"
    expect(page.locator("#family-list")).to_contain_text("Familien Haddad")

    # Signing out ends the provider's session too, and comes back to Duk's sign-in.
    with page.expect_navigation(url=lambda url: url.startswith(provider.issuer)):
        page.locator("form[action='/logout'] button").tap()
    assert urlsplit(page.url).path == "/oauth2/end_session"
    with page.expect_navigation(url=lambda url: url.startswith(base_url)):
        page.get_by_role("button", name="End session").tap()
    assert urlsplit(page.url).path == "/login"
    expect(button).to_be_visible()
    page.goto("/")
    assert urlsplit(page.url).path == "/login", "still signed in to Duk after signing out"


def test_a_subject_linked_to_nobody_gets_the_refusal_page(
    open_tablet: TabletFactory, provider: Provider, base_url: str
) -> None:
    page = _tablet(open_tablet, provider)
    watch_of(page).allow_console_error("status of 403")

    _sign_in_at_provider(page, provider, "stranger-at-asker")

    assert page.url.startswith(f"{base_url}/auth/oidc/callback")
    expect(page.get_by_role("heading", level=1)).to_have_text("Du har ikke tilgang ennå")
    expect(page.get_by_role("alert")).to_contain_text("be administratoren din legge deg til")
    check_tablet_page(page, "oidc-refused-nb")
    tap_and_wait(page, page.get_by_role("link", name="Tilbake til innlogging"))
    assert urlsplit(page.url).path == "/login"

"""The family's own pages in real Chromium on a tablet (issue 15, DESIGN §12): ID-porten is a
real OpenID Connect provider process (tests/oidc_provider.py) and ``duk serve`` is configured
to it (DUK_IDPORTEN_*). Amina, recorded by her plan lead in Familien Haddad with her national
ID number, signs in and reads the family's plan in English, what it shares and its tasks; a
person with no family gets only the kind page. Hodan, her Somali-speaking co-parent, reads the
plan in Somali and sends the plan lead a message, which kari finds in her inbox. Every page
axe-clean, portrait and landscape.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from app.models.enums import Language
from tests.browser.conftest import TabletFactory
from tests.browser.family_door import add_parents, idporten_env, sign_in_member
from tests.browser.helpers import (
    KARI,
    check_tablet_page,
    expect_message,
    page_lang,
    sign_in,
    tap_and_wait,
    watch_of,
)
from tests.cli.duk_process import DukServer, serving
from tests.members.numbers import fodselsnummer
from tests.oidc_provider import Provider, running_provider

AMINA = fodselsnummer(date(1984, 5, 20))
HODAN = fodselsnummer(date(1986, 2, 11))
LEILA = fodselsnummer(date(1982, 9, 14))  # recorded in Familien Haddad and Familien Berg
MESSAGE = "Waan soo daahi doonaa kulanka Khamiista."


@pytest.fixture(scope="module")
def idporten() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def live_server(
    demo_database_url: str, idporten: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DukServer]:
    """``duk serve`` on the module's demo database, with ID-porten configured, Amina and
    Hodan recorded as parents in Familien Haddad by kari, its plan lead, and Leila as a parent
    in two households, Haddad and Berg, each by its own plan lead."""
    leila = ("Leila Haddad", 1982, Language.en, LEILA)
    add_parents(
        demo_database_url,
        "Familien Haddad",
        [
            ("Amina Haddad", 1984, Language.en, AMINA),
            ("Hodan Haddad", 1986, Language.so, HODAN),
            leila,
        ],
    )
    add_parents(demo_database_url, "Familien Berg", [leila])
    log = tmp_path_factory.mktemp("serve") / "duk-serve.log"
    with serving(demo_database_url, log, env=idporten_env(idporten)) as server:
        yield server


def test_a_parent_reads_the_plan_what_it_shares_and_the_tasks(
    open_tablet: TabletFactory, idporten: Provider, base_url: str
) -> None:
    page = open_tablet("portrait")
    watch_of(page).allow_origin(idporten.issuer)
    page.goto("/familie/logg-inn")
    check_tablet_page(page, "family-sign-in")

    sign_in_member(page, idporten, "amina", AMINA)

    assert urlsplit(page.url).path == "/familie/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Our plan")
    expect(page.locator(".who")).to_have_text("Amina Haddad")
    check_tablet_page(page, "family-home-en")
    tap_and_wait(page, page.get_by_role("link", name="What we share"))
    expect(page.get_by_role("heading", level=1)).to_have_text("What we share")
    check_tablet_page(page, "family-consents-en")
    tap_and_wait(page, page.get_by_role("link", name="Our tasks"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Our tasks")
    check_tablet_page(page, "family-tasks-en")
    tap_and_wait(page, page.get_by_role("link", name="Who has seen our data"))
    expect(page.locator(".trail-summary")).to_contain_text("NAV")
    check_tablet_page(page, "family-trail-en")
    tap_and_wait(page, page.get_by_role("link", name="Notices"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices")
    check_tablet_page(page, "family-notices-en")


def test_a_parent_in_two_families_chooses_one_and_can_change(
    open_tablet: TabletFactory, idporten: Provider, base_url: str
) -> None:
    page = open_tablet("portrait")
    watch_of(page).allow_origin(idporten.issuer)

    sign_in_member(page, idporten, "leila", LEILA)

    assert urlsplit(page.url).path == "/familie/velg-familie"
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your family")
    expect(page.locator(".who")).to_have_count(0)
    check_tablet_page(page, "family-choose-en")
    tap_and_wait(page, page.get_by_role("button", name="Familien Berg"))
    assert urlsplit(page.url).path == "/familie/"
    tap_and_wait(page, page.get_by_role("button", name="Change family"))
    assert urlsplit(page.url).path == "/familie/velg-familie"
    tap_and_wait(page, page.get_by_role("button", name="Familien Haddad"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Our plan")
    check_tablet_page(page, "family-home-two-families-en")


def test_a_person_with_no_family_sees_only_the_kind_page(
    open_tablet: TabletFactory, idporten: Provider, base_url: str
) -> None:
    page = open_tablet("landscape")
    watch = watch_of(page)
    watch.allow_origin(idporten.issuer)
    watch.allow_console_error("status of 403")

    sign_in_member(page, idporten, "stranger", fodselsnummer(date(1979, 8, 30)))

    assert urlsplit(page.url).path == "/familie/auth/callback"
    expect(page.locator("nav")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_tablet_page(page, "family-refused")
    page.goto("/familie/")
    assert urlsplit(page.url).path == "/familie/logg-inn"


def test_a_somali_speaking_parent_reads_the_plan_in_somali_and_writes_to_the_plan_lead(
    open_tablet: TabletFactory, idporten: Provider, base_url: str
) -> None:
    page = open_tablet("landscape")
    watch_of(page).allow_origin(idporten.issuer)

    sign_in_member(page, idporten, "hodan", HODAN)

    assert urlsplit(page.url).path == "/familie/"
    assert page_lang(page) == "so"
    expect(page.get_by_role("heading", level=1)).to_have_text("Qorshaheena")
    check_tablet_page(page, "family-home-so")
    tap_and_wait(page, page.get_by_role("link", name="Fariin", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Fariin u dir qofka xiriirka")
    check_tablet_page(page, "family-message-so")
    page.get_by_label("Fariintaada").fill(MESSAGE)
    tap_and_wait(page, page.get_by_role("button", name="Dir fariinta"))
    expect_message(page, "Waa la diray.")
    expect(page.locator(".message-text")).to_have_text([MESSAGE])
    check_tablet_page(page, "family-message-sent-so")

    kari = open_tablet("portrait")
    sign_in(kari, KARI.username, KARI.password)
    kari.goto("/inbox")
    item = kari.locator('section[aria-labelledby="inbox-family_message"] li')
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Familien Haddad")
    expect(item.locator(".inbox-text")).to_have_text("1 ulest melding fra familien.")
    # The words stay on the family's page: the inbox only says that there is a message.
    expect(kari.locator("main")).not_to_contain_text(MESSAGE)
    check_tablet_page(kari, "family-message-inbox-nb")
    tap_and_wait(kari, item.get_by_role("link"))
    expect(kari.locator(".message-text")).to_have_text([MESSAGE])
    expect(kari.locator(".card-meta")).to_contain_text("Hodan Haddad")
    check_tablet_page(kari, "family-message-lead-nb")
    tap_and_wait(kari, kari.get_by_role("button", name="Merk som lest"))
    expect(kari.locator(".card-meta")).to_contain_text("Lest")
    kari.goto("/inbox")
    expect(kari.locator('section[aria-labelledby="inbox-family_message"]')).to_have_count(0)

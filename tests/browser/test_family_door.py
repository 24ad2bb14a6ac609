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
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.access.scope import scope_for
from app.accounts.service import actor_from_user
from app.config import Settings
from app.db import make_engine
from app.members import service as member_service
from app.members.schemas import MemberCreate
from app.models import Family, User
from app.models.enums import Language, MemberRelation
from tests.browser.conftest import TabletFactory
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
from tests.conftest import TEST_SECRET
from tests.members.numbers import fodselsnummer
from tests.oidc_provider import Provider, running_provider

AMINA = fodselsnummer(date(1984, 5, 20))
HODAN = fodselsnummer(date(1986, 2, 11))
LEILA = fodselsnummer(date(1982, 9, 14))  # recorded in Familien Haddad and Familien Berg
MESSAGE = "Waan soo daahi doonaa kulanka Khamiista."
HIGH = "idporten-loa-high"


@pytest.fixture(scope="module")
def idporten() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def live_server(
    demo_database_url: str, idporten: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DukServer]:
    """``duk serve`` on the module's demo database, with ID-porten configured and Amina
    recorded as a parent in Familien Haddad by kari, its plan lead."""
    settings = Settings(env="test", database_url=demo_database_url, secret_key=TEST_SECRET)
    engine = make_engine(demo_database_url)
    try:
        with Session(engine) as session:
            kari = session.scalars(
                select(User).where(User.username == KARI.username).options(selectinload(User.units))
            ).one()
            family = session.scalars(
                select(Family).where(Family.display_name == "Familien Haddad")
            ).one()
            actor = actor_from_user(kari)
            for name, year, language, number in (
                ("Amina Haddad", 1984, Language.en, AMINA),
                ("Hodan Haddad", 1986, Language.so, HODAN),
            ):
                member_service.add_member(
                    session,
                    actor,
                    scope_for(session, actor, family),
                    MemberCreate(
                        name=name,
                        relation=MemberRelation.parent,
                        birth_year=year,
                        language=language,
                        parental_responsibility=True,
                        national_id=number,
                    ),
                    settings,
                )
            # Leila is a parent in two households, each with its own plan lead.
            for name in ("Familien Haddad", "Familien Berg"):
                household = session.scalars(select(Family).where(Family.display_name == name)).one()
                lead = session.scalars(
                    select(User)
                    .where(User.id == household.plan_lead_id)
                    .options(selectinload(User.units))
                ).one()
                leads = actor_from_user(lead)
                member_service.add_member(
                    session,
                    leads,
                    scope_for(session, leads, household),
                    MemberCreate(
                        name="Leila Haddad",
                        relation=MemberRelation.parent,
                        birth_year=1982,
                        language=Language.en,
                        parental_responsibility=True,
                        national_id=LEILA,
                    ),
                    settings,
                )
            session.commit()
    finally:
        engine.dispose()
    log = tmp_path_factory.mktemp("serve") / "duk-serve.log"
    env = {
        "DUK_IDPORTEN_ISSUER": idporten.issuer,
        "DUK_IDPORTEN_CLIENT_ID": "duk-familie",
        "DUK_IDPORTEN_CLIENT_SECRET": "duk-familie-secret",
        "AUTHLIB_INSECURE_TRANSPORT": "1",
    }
    with serving(demo_database_url, log, env=env) as server:
        yield server


def _sign_in(page: Page, idporten: Provider, sub: str, pid: str) -> None:
    idporten.set_user(sub, {"pid": pid, "acr": HIGH})
    page.goto("/familie/")
    assert urlsplit(page.url).path == "/familie/logg-inn"
    tap_and_wait(page, page.locator("a.button-primary"))
    assert page.url.startswith(idporten.issuer), page.url
    page.locator("input[name=sub]").fill(sub)
    with page.expect_navigation(url=lambda url: not url.startswith(idporten.issuer)):
        page.get_by_role("button", name="Authorize", exact=True).tap()


def test_a_parent_reads_the_plan_what_it_shares_and_the_tasks(
    open_tablet: TabletFactory, idporten: Provider, base_url: str
) -> None:
    page = open_tablet("portrait")
    watch_of(page).allow_origin(idporten.issuer)
    page.goto("/familie/logg-inn")
    check_tablet_page(page, "family-sign-in")

    _sign_in(page, idporten, "amina", AMINA)

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

    _sign_in(page, idporten, "leila", LEILA)

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

    _sign_in(page, idporten, "stranger", fodselsnummer(date(1979, 8, 30)))

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

    _sign_in(page, idporten, "hodan", HODAN)

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

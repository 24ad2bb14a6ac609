"""Who takes part and the family's consents on the tablet (issue 13), in real Chromium with the
page's script: eight people, an interpreter among them with the language, in one save; consent
for two services in one go after the family has read the statement for both; and withdrawing a
consent, which asks first in a dialog that Cancel closes without a trace.

kari, the demo caseworker, with the interface in English; elements are found by role and
accessible name. Each page the tests pass through is checked as every page is (axe-core, touch
targets, 200% zoom).
"""

from __future__ import annotations

import re
from typing import Final

import httpx2
from playwright.sync_api import Page, StorageState, expect

from app.demo import DEMO_PASSWORD
from tests.browser.conftest import DemoFamily, TabletFactory
from tests.browser.helpers import (
    check_tablet_page,
    expect_message,
    send_for_answer,
    tap_and_wait,
    watch_of,
)

EIGHT: Final = [
    ("Eva Berg", "Family member"),
    ("Jon Berg", "Family member"),
    ("Kari Hansen", "Contact person (plan lead)"),
    ("Lise Moen", "Service"),
    ("Sara Lie", "Service"),
    ("Bestemor Liv", "Network (family, friends, others)"),
    ("Yusuf Karim", "Interpreter"),
    ("Per fra fotballaget", "Other"),
]
BARNEVERN: Final = "Barneverntjenesten i Fredrikstad"


def _kari(open_tablet: TabletFactory, kari_state_en: StorageState) -> Page:
    return open_tablet("portrait", kari_state_en)


def test_eight_people_with_an_interpreter_are_saved_in_one_go(
    open_tablet: TabletFactory, kari_state_en: StorageState, berg: DemoFamily
) -> None:
    page = _kari(open_tablet, kari_state_en)
    page.goto(f"/canvases/{berg.canvas_id}")
    form = page.locator("form.participant-form")
    rows = form.locator("[data-participant-row]")
    first_new = rows.count() - 1  # everyone saved, and one empty row
    at = page.url

    for n, (name, role) in enumerate(EIGHT):
        if n:
            form.get_by_role("button", name="Add a person").tap()
            expect(rows).to_have_count(first_new + n + 1)
        row = rows.nth(first_new + n)
        name_field = row.get_by_label("Name")
        if n:
            expect(name_field).to_be_focused()  # the new row's first field, ready to write
        name_field.fill(name)
        row.get_by_label("Role").select_option(label=role)
        language_field = row.get_by_label("Language interpreted")
        if role == "Interpreter":
            expect(language_field).to_be_visible()
        else:
            expect(language_field).to_be_hidden()
    assert page.url == at  # the rows came without a page load
    check_tablet_page(page, "participants-eight-en")

    # The interpreter's language, not written: the form says so beside the field.
    response = send_for_answer(page, form.get_by_role("button", name="Save who takes part"))
    assert response.status == 422
    watch_of(page).allow_console_error(r"status of 422")
    language_field = page.get_by_label("Language interpreted").and_(
        page.locator("[aria-invalid=true]")
    )
    expect(language_field).to_be_visible()
    expect(language_field).to_have_accessible_description(
        re.compile("Write the language the interpreter interprets.")
    )
    expect(rows).to_have_count(first_new + len(EIGHT))  # everything typed is still there
    check_tablet_page(page, "participants-interpreter-error-en")

    language_field.fill("arabisk")
    tap_and_wait(page, page.get_by_role("button", name="Save who takes part"))

    expect_message(page, "Saved: who takes part.")
    listed = page.get_by_test_id("participant-list").get_by_role("listitem")
    expect(listed).to_have_count(first_new + len(EIGHT))
    expect(listed.filter(has_text="Yusuf Karim")).to_have_text(
        "Yusuf Karim Interpreter, language: arabisk"
    )
    for name, _ in EIGHT:
        expect(listed.filter(has_text=name)).to_have_count(1)


def test_consent_for_two_services_in_one_go_after_the_statement(
    open_tablet: TabletFactory, kari_state_en: StorageState, berg: DemoFamily
) -> None:
    page = _kari(open_tablet, kari_state_en)
    page.goto(f"/families/{berg.family_id}/consents")
    chosen = (BARNEVERN, "Husbanken")
    for unit in chosen:
        page.get_by_label(unit, exact=True).check()
    page.get_by_label("Given by (the family member's name)").fill("Eva Berg")

    send_for_answer(page, page.get_by_role("button", name="Show the statement to the family"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Read the consent with the family")
    statement = page.get_by_test_id("consent-statement")
    expect(statement.locator("[lang=nb]")).to_have_count(1)  # the Bergs read bokmål
    expect(statement.locator("li[data-unit-id]")).to_have_text(sorted(chosen))
    check_tablet_page(page, "consent-statement-review-en")

    tap_and_wait(page, page.get_by_role("button", name="The family agrees: record the 2 consents"))

    expect_message(page, "Recorded: the services the family chose can now read the family's plan.")
    for unit in chosen:
        card = page.locator(".consent-card").filter(
            has=page.get_by_role("heading", name=unit, exact=True)
        )
        expect(card).to_contain_text("Active")
        # Given now, and so no longer offered: marked as having the family's consent.
        expect(page.get_by_label(unit, exact=True)).to_have_count(0)


def test_withdrawing_asks_in_a_dialog_and_cancel_changes_nothing(
    open_tablet: TabletFactory, kari_state_en: StorageState, haddad: DemoFamily, base_url: str
) -> None:
    page = _kari(open_tablet, kari_state_en)
    page.goto(f"/families/{haddad.family_id}/consents")
    card = page.get_by_test_id(f"consent-{haddad.consent_id}")
    unit = card.get_by_role("heading").inner_text()
    assert unit == BARNEVERN
    ask = card.get_by_role("link", name=f"Withdraw consent… ({unit})")
    # Apart from "Print the statement": not in the same row of buttons.
    expect(card.locator(".consent-actions").get_by_role("link")).to_have_text(
        [f"Print the statement ({unit})"]
    )
    at = page.url

    ask.tap()

    dialog = page.get_by_role("dialog", name=f"Withdraw the consent for {unit}?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"{unit} can no longer see the family's plan, from now on.")
    expect(dialog).to_contain_text("Reviews it has already made are kept.")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    assert page.url == at
    check_tablet_page(page, "consent-withdraw-dialog-en")

    dialog.get_by_role("button", name="Cancel").tap()

    expect(dialog).to_be_hidden()
    page.reload()
    expect(card).to_contain_text("Active")
    with httpx2.Client(base_url=base_url) as api:
        token = api.post(
            "/api/v1/tokens", json={"username": "berit", "password": DEMO_PASSWORD}
        ).json()["token"]
        berit = {"authorization": f"Bearer {token}"}
        assert api.get(f"/api/v1/families/{haddad.family_id}", headers=berit).status_code == 200

        card.get_by_role("link", name=f"Withdraw consent… ({unit})").tap()
        tap_and_wait(page, dialog.get_by_role("button", name="Withdraw the consent"))

        expect_message(page, "The consent is withdrawn.")
        expect(card).to_contain_text("Withdrawn")
        expect(card.get_by_role("link", name=re.compile("Withdraw"))).to_have_count(0)
        # berit's unit, on its next request: nothing there.
        assert api.get(f"/api/v1/families/{haddad.family_id}", headers=berit).status_code == 404

"""A follow-up meeting on the tablet (issue 13): kari records the family's scores, what was
said about the change and the next review; the reading's history, "My families" and her inbox
then tell of it, and each of those pages passes axe-core on a portrait tablet (bokmål). Its own
module, so the demo database the other modules read keeps its dates.
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from app.kit.i18n import local_today
from tests.browser.conftest import DemoFamily
from tests.browser.helpers import check_tablet_page, send_for_answer, watch_of

NOTE = "Amal: Barna gruer seg mindre til skolen nå, men fukten på badet er der fortsatt."


def _form(kari_page: Page, haddad: DemoFamily) -> None:
    kari_page.goto(f"/families/{haddad.family_id}/readings/new")
    domain = kari_page.locator("#domain-bolig")
    family_score = domain.get_by_role("group", name="Familiens skår")
    family_score.get_by_role("radio", name=re.compile(r"^5\b")).tap()
    kari_page.get_by_label("Det familien og du sa om endringen (valgfritt)").fill(NOTE)


def test_a_follow_up_with_a_next_review_reaches_the_history_the_list_and_the_inbox(
    kari_page: Page, haddad: DemoFamily
) -> None:
    today = local_today()
    in_three_days = today + timedelta(days=3)

    # First a date on the meeting's own day: refused beside the field, nothing lost.
    _form(kari_page, haddad)
    kari_page.get_by_label("Neste gjennomgang (valgfritt)").fill(today.isoformat())
    response = send_for_answer(kari_page, kari_page.get_by_role("button", name="Lagre målingen"))
    assert response.status == 422
    field = kari_page.get_by_label("Neste gjennomgang (valgfritt)")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(kari_page.locator("#next_review_date-error")).to_contain_text("en dato etter møtet")
    expect(kari_page.get_by_label("Det familien og du sa om endringen (valgfritt)")).to_have_value(
        NOTE
    )
    watch_of(kari_page).allow_console_error(r"status of 422")
    check_tablet_page(kari_page, "follow-up-errors-nb")

    field.fill(in_three_days.isoformat())
    with kari_page.expect_navigation():
        kari_page.get_by_role("button", name="Lagre målingen").tap()

    kari_page.goto(f"/families/{haddad.family_id}/readings")
    newest = kari_page.locator("article.reading-entry").first
    expect(newest.locator("blockquote.reading-note")).to_have_text(NOTE)
    expect(newest.locator(".reading-next-review")).to_have_text(
        f"Neste gjennomgang satt til {in_three_days.strftime('%d.%m.%Y')}"
    )
    check_tablet_page(kari_page, "follow-up-history-nb")

    kari_page.goto("/")
    first = kari_page.locator("#family-list li").first
    expect(first.locator(".card-title")).to_have_text("Familien Haddad")
    expect(first.locator(".card-review")).to_contain_text("om 3 dager")
    check_tablet_page(kari_page, "follow-up-home-nb")

    kari_page.goto("/inbox")
    reminder = kari_page.locator('section[aria-labelledby="inbox-review_due_soon"] li')
    expect(reminder).to_have_count(1)
    expect(reminder.locator(".inbox-text")).to_contain_text("Oppfølging om 3 dager")
    check_tablet_page(kari_page, "follow-up-inbox-nb")
    with kari_page.expect_navigation():
        reminder.get_by_role("link").tap()
    assert kari_page.url.endswith(f"/families/{haddad.family_id}")

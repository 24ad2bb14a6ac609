"""Every main page on the tablet (issue 3, "Done when"; DESIGN §5 and §9): axe-core finds no
WCAG 2.1 A/AA violation in bokmål or English, every target is at least 44×44 px, the page
fits a portrait tablet at 200% zoom, and each is photographed in portrait and landscape
(tests/.artifacts/screenshots/). The pages are those of the demo municipality, seen by kari,
the caseworker who leads the families' plans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DemoFamily, TabletFactory
from tests.browser.helpers import check_tablet_page, page_lang, send_for_answer, watch_of


@dataclass(frozen=True)
class MainPage:
    family: str  # the fixture of the demo family whose page it is
    path: Callable[[DemoFamily], str]
    # The plan speaks the family's language (Haddad's is English), whatever the interface's:
    # "plan" within a page in the user's language, "whole" for the printed copy.
    in_family_language: str = ""


PAGES: dict[str, MainPage] = {
    "home": MainPage("haddad", lambda f: "/"),
    "family": MainPage("haddad", lambda f: f"/families/{f.family_id}"),
    "readings": MainPage("haddad", lambda f: f"/families/{f.family_id}/readings"),
    "new-conversation": MainPage("haddad", lambda f: f"/families/{f.family_id}/canvases/new"),
    "canvas": MainPage("haddad", lambda f: f"/canvases/{f.canvas_id}"),
    "canvas-just-started": MainPage("berg", lambda f: f"/canvases/{f.canvas_id}"),
    "domain": MainPage("haddad", lambda f: f"/canvases/{f.canvas_id}/domains/bolig"),
    "domain-empty": MainPage("berg", lambda f: f"/canvases/{f.canvas_id}/domains/bolig"),
    "needs": MainPage("haddad", lambda f: f"/canvases/{f.canvas_id}/needs"),
    "suggestions": MainPage("haddad", lambda f: f"/needs/{f.need_id}/suggestions"),
    "goals": MainPage("haddad", lambda f: f"/canvases/{f.canvas_id}/goals"),
    "actions": MainPage("haddad", lambda f: f"/canvases/{f.canvas_id}/actions"),
    "plan-preview": MainPage("haddad", lambda f: f"/canvases/{f.canvas_id}/plan", "plan"),
    "plan": MainPage("haddad", lambda f: f"/plans/{f.plan_id}", "plan"),
    "plan-print": MainPage("haddad", lambda f: f"/plans/{f.plan_id}/print", "whole"),
    # Corrections (issue 13): correcting each kind of item, and one entered in error.
    "need-correct": MainPage("haddad", lambda f: f"/needs/{f.need_id}/correct"),
    "need-entered-in-error": MainPage("haddad", lambda f: f"/needs/{f.need_id}/entered-in-error"),
    "referral-correct": MainPage("haddad", lambda f: f"/referrals/{f.referral_id}/correct"),
    "goal-correct": MainPage("haddad", lambda f: f"/goals/{f.goal_id}/correct"),
    "goal-entered-in-error": MainPage("haddad", lambda f: f"/goals/{f.goal_id}/entered-in-error"),
    "action-correct": MainPage("haddad", lambda f: f"/actions/{f.action_id}/correct"),
    "action-entered-in-error": MainPage(
        "haddad", lambda f: f"/actions/{f.action_id}/entered-in-error"
    ),
    "consents": MainPage("haddad", lambda f: f"/families/{f.family_id}/consents"),
    # The user's own notification settings (issue 15).
    "notification-settings": MainPage("haddad", lambda f: "/account/notifications"),
    # The question before withdrawing, as a page (the consents page asks it in a dialog).
    "consent-withdraw": MainPage(
        "haddad", lambda f: f"/families/{f.family_id}/consents/{f.consent_id}/withdraw"
    ),
}
HADDAD_LANGUAGE = "en"
STATES = {"nb": "kari_state", "en": "kari_state_en"}


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_main_page_is_accessible_on_a_tablet(
    open_tablet: TabletFactory, request: pytest.FixtureRequest, name: str, lang: str
) -> None:
    page = PAGES[name]
    path = page.path(request.getfixturevalue(page.family))
    # kari, signed in, with the interface language chosen in the header's language form.
    kari_page = open_tablet("portrait", request.getfixturevalue(STATES[lang]))

    response = kari_page.goto(path)

    assert response is not None
    assert response.status == 200, f"{name}: {path} answered {response.status}"
    assert urlsplit(kari_page.url).path == path
    assert page_lang(kari_page) == (HADDAD_LANGUAGE if page.in_family_language == "whole" else lang)
    if page.in_family_language == "plan":
        plan = kari_page.locator("article.plan-preview > div[lang]")
        expect(plan).to_have_attribute("lang", HADDAD_LANGUAGE)
    expect(kari_page.get_by_role("heading", level=1)).to_have_count(1)
    check_tablet_page(kari_page, f"{name}-{lang}")


# name -> (path of the page, the form's action): the form sent empty, as a hurried tap would.
FORMS: dict[str, tuple[Callable[[DemoFamily], str], Callable[[DemoFamily], str]]] = {
    "new-family": (lambda f: "/", lambda f: "/families"),
    "new-need": (
        lambda f: f"/canvases/{f.canvas_id}/needs",
        lambda f: f"/canvases/{f.canvas_id}/needs",
    ),
    "new-goal": (
        lambda f: f"/canvases/{f.canvas_id}/goals",
        lambda f: f"/canvases/{f.canvas_id}/goals",
    ),
    "new-action": (
        lambda f: f"/canvases/{f.canvas_id}/actions",
        lambda f: f"/canvases/{f.canvas_id}/actions",
    ),
    "new-consent": (
        lambda f: f"/families/{f.family_id}/consents",
        lambda f: f"/families/{f.family_id}/consents",
    ),
}


@pytest.mark.parametrize("name", list(FORMS))
def test_a_form_sent_empty_explains_itself_accessibly(
    kari_page: Page, haddad: DemoFamily, name: str
) -> None:
    page_path, action = (path(haddad) for path in FORMS[name])
    kari_page.goto(page_path)
    form = kari_page.locator(f"main form[action='{action}']")

    # The page's script sends the form and draws the answer in place (static/app.js).
    with kari_page.expect_response(lambda r: r.request.method == "POST") as sent:
        form.locator("button[type=submit]").last.tap()

    response = sent.value
    assert response.status == 422, f"{name}: the empty form answered {response.status}"
    invalid = kari_page.locator("main [aria-invalid='true']")
    expect(invalid.first).to_be_visible()
    for field in invalid.all():
        described_by = field.get_attribute("aria-describedby")
        assert described_by, f"{name}: an invalid field does not say why"
        for message_id in described_by.split():
            expect(kari_page.locator(f"[id='{message_id}']")).to_have_count(1)
    # The browser logs the 422 of the form post: that is the answer, not a fault.
    watch_of(kari_page).allow_console_error(r"status of 422")
    check_tablet_page(kari_page, f"{name}-errors-nb")


def test_goal_progress_is_recorded_at_follow_up_accessibly(
    kari_page: Page, haddad: DemoFamily
) -> None:
    """At a follow-up, kari opens a goal's "How is it going?", marks it completed without
    saying how it ended (the page explains, accessibly), then says it was achieved. Her
    interface is in bokmål."""
    kari_page.goto(f"/canvases/{haddad.canvas_id}/goals")
    goal = kari_page.locator("main .goal-card").first
    goal.locator("summary", has_text="Hvordan går det?").tap()
    goal.get_by_role("radio", name="Ikke sagt ennå").check()
    goal.get_by_role("radio", name="Fullført").check()
    check_tablet_page(kari_page, "goal-progress-open-nb")

    with kari_page.expect_response(lambda r: r.request.method == "POST") as sent:
        goal.get_by_role("button", name="Lagre hvordan det går").tap()

    assert sent.value.status == 422
    goal = kari_page.locator("main .goal-card").first
    invalid = goal.locator("[aria-invalid='true']")
    expect(invalid).to_have_count(1)
    described_by = invalid.get_attribute("aria-describedby") or ""
    expect(kari_page.locator(f"[id='{described_by.split()[0]}']")).to_contain_text("nådd")
    watch_of(kari_page).allow_console_error(r"status of 422")
    check_tablet_page(kari_page, "goal-progress-errors-nb")

    goal.get_by_role("radio", name="Nådd", exact=True).check()
    with kari_page.expect_navigation():
        goal.get_by_role("button", name="Lagre hvordan det går").tap()

    expect(kari_page.get_by_text("Hvordan det går med målet, er lagret.")).to_be_visible()
    state = kari_page.locator("main .goal-card").first.get_by_test_id("goal-state")
    expect(state).to_contain_text("Nådd")
    expect(state).to_contain_text("Fullført")


@pytest.mark.parametrize(
    ("name", "path", "field"),
    [
        ("need", lambda f: f"/needs/{f.need_id}/correct", "text"),
        ("goal", lambda f: f"/goals/{f.goal_id}/correct", "text"),
        ("action", lambda f: f"/actions/{f.action_id}/correct", "text"),
    ],
)
def test_a_correction_with_its_words_wiped_explains_itself_accessibly(
    kari_page: Page,
    haddad: DemoFamily,
    name: str,
    path: Callable[[DemoFamily], str],
    field: str,
) -> None:
    """A correction sent with the family's words wiped out (a slip of the finger) is refused
    beside the field, accessibly, and nothing is changed."""
    kari_page.goto(path(haddad))
    form = kari_page.locator("main form[action$='/correct']")
    form.locator(f"[name='{field}']").fill("")

    response = send_for_answer(kari_page, form.locator("button[type=submit]"))

    assert response.status == 422, f"{name}: the wiped form answered {response.status}"
    invalid = kari_page.locator(f"main [name='{field}'][aria-invalid='true']")
    expect(invalid).to_have_count(1)
    described_by = invalid.get_attribute("aria-describedby") or ""
    expect(kari_page.locator(f"[id='{described_by.split()[0]}']")).to_have_class("field-error")
    watch_of(kari_page).allow_console_error(r"status of 422")
    check_tablet_page(kari_page, f"{name}-correct-errors-nb")

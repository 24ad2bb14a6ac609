"""Issue 4, "Done when", in the browser: three services review a family's plan with the
family's consent, each person on their own tablet; and every page of the review flow and of the
family's side of the case passes the accessibility checks in bokmål and English.

The scenario is the API one (tests/plans/test_review_scenario.py) seen through the pages. The
plan lead works in a family team; the plan holds actions for NAV, the child welfare service
and the school, each with its own reviewer. The canvas is written through the JSON API to keep
the test short; everything after that is tapped and typed: the consents, the refusal that names
the school, the submission, the reviews, the plan lead's change and version 2 with what changed,
the family's approval, the child welfare service's report on its action, and the withdrawal of
its consent, after which that service finds nothing, neither the plan nor anything to review.

The units and people are added the way an operator adds them (``duk unit add`` and
``duk user add``); the accessibility checks use the demo family Haddad (kari is its plan lead,
berit reviews for the child welfare service), with a second version of its plan in review.
The interface is driven in English (the translations change under our feet).
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final
from urllib.parse import urlsplit

import httpx2
import pytest
from playwright.sync_api import Browser, Locator, Page, StorageState, expect
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.db import make_engine
from app.demo import DEMO_PASSWORD
from app.kit.i18n import local_today
from app.models.enums import Role, UnitLevel
from tests.browser.conftest import DemoFamily, TabletFactory
from tests.browser.helpers import (
    KARI,
    Person,
    check_tablet_page,
    expect_message,
    page_lang,
    screenshot,
    send_for_answer,
    signed_in_state,
    tap_and_wait,
    watch_of,
)

PASSWORD: Final = "gressvik-samarbeid-2026"
TODAY: Final = local_today()
FAMILY_MEMBER: Final = "Amina"


@dataclass(frozen=True)
class Post:
    """A unit (``duk unit add``) and the one person in it (``duk user add``)."""

    slug: str
    unit: str
    level: str
    username: str
    name: str
    role: str

    @property
    def person(self) -> Person:
        return Person(self.username, PASSWORD)


STAFF: Final = {
    "lead": Post(
        "gressvik-familieteam",
        "Familieteamet Gressvik",
        "municipal",
        "tove",
        "Tove Tangen",
        "caseworker",
    ),
    "nav": Post("nav-gressvik", "NAV Gressvik", "state", "nils", "Nils Nav", "caseworker"),
    "barnevern": Post(
        "gressvik-barnevern",
        "Barneverntjenesten Gressvik",
        "municipal",
        "bente",
        "Bente Bakke",
        "reviewer",
    ),
    "skole": Post(
        "gressvik-skole", "Gressvik skole", "municipal", "sindre", "Sindre Sol", "reviewer"
    ),
}
ACTIONS: Final = {
    "nav": "NAV hjelper med søknad om bostøtte.",
    "barnevern": "Barnevernet tilbyr foreldreveiledning.",
    "skole": "Skolen gir leksehjelp to dager i uka.",
}
SCHOOL_COMMENT: Final = "Leksehjelp passer best fra januar, og da tre dager i uka."
NEW_SCHOOL_ACTION: Final = "Skolen gir leksehjelp tre dager i uka fra januar."


@pytest.fixture(scope="module")
def staff(demo_database_url: str) -> dict[str, Post]:
    """The family team, NAV, the child welfare service and the school, one person in each,
    added through the accounts service as ``duk unit add`` and ``duk user add`` add them (the
    commands themselves run as processes in tests/cli; here eight of them cost half a minute)."""
    engine = make_engine(demo_database_url)
    try:
        with Session(engine) as session:
            for post in STAFF.values():
                unit = account_service.add_unit(
                    session,
                    slug=post.slug,
                    name=post.unit,
                    level=UnitLevel(post.level),
                    municipality_code="3107",
                )
                account_service.add_user(
                    session,
                    username=post.username,
                    role=Role(post.role),
                    units=[unit],
                    password=PASSWORD,
                    display_name=post.name,
                )
            session.commit()
    finally:
        engine.dispose()
    return STAFF


@pytest.fixture(scope="module")
def staff_states(
    browser: Browser, base_url: str, staff: dict[str, Post]
) -> dict[str, StorageState]:
    """Each of them signed in once through the form, with the interface in English."""
    return {
        key: signed_in_state(browser, base_url, post.person, lang="en")
        for key, post in staff.items()
    }


@contextlib.contextmanager
def api_as(base_url: str, person: Person) -> Iterator[httpx2.Client]:
    """The JSON API with a bearer token of ``person``'s, as an integration would use it."""
    answer = httpx2.post(
        f"{base_url}/api/v1/tokens", json={"username": person.username, "password": person.password}
    )
    assert answer.status_code == 201, answer.text
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    with httpx2.Client(base_url=f"{base_url}/api/v1", headers=headers) as client:
        yield client


def call(api: httpx2.Client, method: str, path: str, status: int, **kwargs: Any) -> Any:
    response = api.request(method, path, **kwargs)
    assert response.status_code == status, f"{method} {path}: {response.text}"
    return response.json() if response.content else None


@dataclass(frozen=True)
class Case:
    family_id: str
    family_name: str
    canvas_id: str
    need_text: str


def write_canvas(api: httpx2.Client, unit_ids: dict[str, str]) -> Case:
    """The tablet conversation, through the API: a family (reading its plan in English), its
    canvas, a need, a goal and one action for each of the three services."""
    name = f"Familien Amini {uuid.uuid4().hex[:4]}"
    family = call(
        api,
        "POST",
        "/families",
        201,
        json={
            "display_name": name,
            "municipality_code": "3107",
            "language": "en",
            "household": {"adults": 1, "children_birth_years": [2015], "single_parent": True},
        },
    )
    created = api.post(f"/families/{family['id']}/canvases", json={"template_key": "familie"})
    assert created.status_code == 201, created.text
    canvas = created.json()
    call(
        api,
        "PATCH",
        f"/canvases/{canvas['id']}",
        200,
        headers={"If-Match": created.headers["etag"]},
        json={
            "centre": {"what_matters": "At barna har det godt."},
            "domains": {"bolig": {"strengths": "Vi står sammen."}},
            "participants": [
                {"name": FAMILY_MEMBER, "role": "family_member"},
                {"name": STAFF["lead"].name, "role": "plan_lead"},
            ],
            "period": {"from": TODAY.isoformat(), "to": (TODAY + timedelta(days=90)).isoformat()},
            "next_review_date": (TODAY + timedelta(days=30)).isoformat(),
        },
    )
    need_text = "Vi trenger en større bolig."
    need = call(
        api,
        "POST",
        f"/canvases/{canvas['id']}/needs",
        201,
        json={"domain": "bolig", "text": need_text, "priority": 1},
    )
    call(
        api,
        "POST",
        f"/canvases/{canvas['id']}/goals",
        201,
        json={"horizon": "short", "text": "Søke kommunal bolig.", "domains": ["bolig"]},
    )
    for key, text in ACTIONS.items():
        call(
            api,
            "POST",
            f"/canvases/{canvas['id']}/actions",
            201,
            json={
                "text": text,
                "responsible": {"kind": "unit", "unit_id": unit_ids[key]},
                "due": (TODAY + timedelta(days=14)).isoformat(),
                "need_ids": [need["id"]],
            },
        )
    return Case(family["id"], name, canvas["id"], need_text)


# --- what the people do on their tablets -----------------------------------------------------


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def consent_card(page: Page, unit_name: str) -> Locator:
    return page.locator(".consent-card").filter(
        has=page.get_by_role("heading", name=unit_name, exact=True)
    )


def record_consent(page: Page, *unit_names: str) -> None:
    """On the consents page, with the family: the services, who gives consent, one year; then
    the statement for those services, read with the family, and their yes."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Consent to share the plan")
    for unit_name in unit_names:
        page.get_by_label(unit_name, exact=True).check()
    page.get_by_label("Given by (the family member's name)").fill(FAMILY_MEMBER)
    send_for_answer(page, page.get_by_role("button", name="Show the statement to the family"))
    statement = page.get_by_test_id("consent-statement")
    for unit_name in unit_names:
        expect(statement.get_by_role("listitem").filter(has_text=unit_name)).to_have_count(1)
    tap_and_wait(page, page.get_by_role("button", name=re.compile("^The family agrees")))
    expect_message(page, "Recorded: the services the family chose")
    for unit_name in unit_names:
        expect(consent_card(page, unit_name)).to_contain_text("Active")


def open_from_queue(page: Page, case: Case, number: int) -> None:
    """The reviewer's "Plans to review": the family's plan is there, and only it."""
    page.goto("/")
    tap_and_wait(page, page.get_by_role("link", name="Plans to review"))
    queue = page.get_by_test_id("review-queue")
    expect(queue.get_by_role("listitem")).to_have_count(1)
    tap_and_wait(page, queue.get_by_role("link", name=f"{case.family_name}: plan {number}"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Review plan {number}")


def answer(page: Page, decision: str, comment: str = "") -> None:
    page.get_by_role("radio", name=decision).tap()
    if comment:
        page.get_by_label("Comment (needed when you ask for changes)").fill(comment)
    tap_and_wait(page, page.get_by_role("button", name="Send the answer"))
    expect_message(page, "Your unit's answer is saved.")


def expect_empty_queue(page: Page) -> None:
    page.goto("/review-queue")
    expect(page.get_by_test_id("review-queue-empty")).to_be_visible()
    expect(page.get_by_test_id("review-queue")).to_have_count(0)


def review_of(page: Page, unit_name: str) -> Locator:
    """One service's line under "Reviews" on the plan page."""
    return page.get_by_test_id("plan-reviews").get_by_role("listitem").filter(has_text=unit_name)


def plan_fact(page: Page, term: str) -> Locator:
    """One fact about the plan version beside the plan ("Status", "Submitted", ...)."""
    facts = page.get_by_role("complementary").locator(".plan-facts > div")
    return facts.filter(has=page.locator("dt").get_by_text(term, exact=True)).locator("dd")


def submit_from_preview(page: Page, case: Case) -> str:
    """The preview says the plan is ready; submitting it opens the new version's page."""
    page.goto(f"/canvases/{case.canvas_id}/plan")
    expect(page.get_by_role("heading", name="The plan is ready")).to_be_visible()
    tap_and_wait(page, page.get_by_role("button", name="Submit the plan"))
    assert path_of(page).startswith("/plans/"), page.url
    expect(plan_fact(page, "Status")).to_have_text("In review")
    return path_of(page).removeprefix("/plans/")


# --- 1. the scenario ---------------------------------------------------------------------------


def test_three_services_review_the_plan_with_the_familys_consent_in_the_browser(
    open_tablet: TabletFactory,
    staff: dict[str, Post],
    staff_states: dict[str, StorageState],
    base_url: str,
) -> None:
    nav, barnevern, skole = staff["nav"], staff["barnevern"], staff["skole"]
    lead = open_tablet("portrait", staff_states["lead"])
    reviewers = {
        key: open_tablet("landscape", staff_states[key]) for key in ("nav", "barnevern", "skole")
    }
    with api_as(base_url, staff["lead"].person) as api:
        unit_ids = {u["name"]: u["id"] for u in call(api, "GET", "/units", 200)}
        case = write_canvas(api, {key: unit_ids[w.unit] for key, w in staff.items()})

    # Consent for NAV and the child welfare service, in the room with the family.
    lead.goto(f"/families/{case.family_id}")
    tap_and_wait(lead, lead.get_by_role("link", name="Consents", exact=True))
    record_consent(lead, nav.unit, barnevern.unit)

    # The plan cannot go: the list says the school lacks the family's consent, and only that.
    lead.goto(f"/canvases/{case.canvas_id}/plan")
    expect(lead.get_by_role("heading", name="What the plan still needs")).to_be_visible()
    missing = lead.get_by_test_id("plan-missing").get_by_role("listitem")
    expect(missing).to_have_text([f"The family's consent to share the plan with {skole.unit}"])
    submit = lead.get_by_role("button", name="Submit the plan")
    expect(submit).to_be_disabled()
    expect(submit).to_have_accessible_description(
        "You can submit the plan when nothing is missing from the list above."
    )
    screenshot(lead, "review-scenario-01-refused")
    with api_as(base_url, staff["lead"].person) as api:
        assert call(api, "GET", f"/families/{case.family_id}/plans", 200) == []

    # The list leads to the consents page: consent for the school, and the plan is submitted.
    tap_and_wait(lead, missing.get_by_role("link"))
    record_consent(lead, skole.unit)
    first_plan = submit_from_preview(lead, case)
    for unit in (nav, barnevern, skole):
        expect(review_of(lead, unit.unit)).to_contain_text("Waiting")

    # Each service finds the plan in its queue; NAV approves, the school asks for changes.
    for page in reviewers.values():
        open_from_queue(page, case, 1)
    answer(reviewers["nav"], "Approve the plan")
    answer(reviewers["skole"], "Ask for changes", SCHOOL_COMMENT)
    screenshot(reviewers["skole"], "review-scenario-02-changes-requested")

    # The plan lead sees it on the plan page and in the inbox.
    lead.reload()
    school = review_of(lead, skole.unit)
    expect(school).to_contain_text("Asks for changes")
    expect(school).to_contain_text(SCHOOL_COMMENT)
    expect(school).to_contain_text(f"Decided by {skole.name}")
    expect(review_of(lead, nav.unit)).to_contain_text("Approved")
    tap_and_wait(lead, lead.get_by_role("link", name="Inbox"))
    changes = lead.get_by_role("region", name=re.compile(r"^Changes requested"))
    item = changes.get_by_role("link").filter(has_text=case.family_name)
    expect(item).to_contain_text(SCHOOL_COMMENT)
    tap_and_wait(lead, item)
    assert path_of(lead) == f"/plans/{first_plan}"

    # The plan lead changes the school's action as asked and submits version 2.
    lead.goto(f"/canvases/{case.canvas_id}/actions")
    old = lead.locator("li.action-card").filter(
        has=lead.get_by_role("heading", name=ACTIONS["skole"])
    )
    old.get_by_text("Change the status").tap()
    old.get_by_role("radio", name="Cancelled").tap()
    old.get_by_label("Reason (needed when the action is cancelled)").fill("Skolen ba om januar.")
    tap_and_wait(lead, old.get_by_role("button", name="Save the status"))
    lead.get_by_label("What will be done?").fill(NEW_SCHOOL_ACTION)
    lead.get_by_role("radio", name="A service").tap()
    lead.get_by_label("If a service: which one?").select_option(label=skole.unit)
    lead.get_by_label("By when?").fill((TODAY + timedelta(days=45)).isoformat())
    lead.get_by_role("checkbox", name=case.need_text).tap()
    tap_and_wait(lead, lead.get_by_role("button", name="Save the action"))
    expect(lead.get_by_role("heading", name=NEW_SCHOOL_ACTION)).to_be_visible()
    second_plan = submit_from_preview(lead, case)
    assert second_plan != first_plan
    expect(lead.get_by_role("heading", name="Plan 2")).to_be_visible()

    # What changed: the new action, and the old one cancelled.
    tap_and_wait(lead, lead.get_by_role("link", name="What changed since version 1"))
    expect(lead.get_by_role("heading", level=1)).to_contain_text("What changed in plan 2")
    actions = lead.get_by_role("region", name="Actions: who does what, by when")
    expect(actions.locator(".diff-added")).to_have_text(re.compile(NEW_SCHOOL_ACTION))
    cancelled = actions.locator(".diff-changed").filter(has_text=ACTIONS["skole"])
    expect(cancelled).to_contain_text("Cancelled")  # in words, not the code
    expect(cancelled).to_contain_text("Skolen ba om januar.")
    for region in ("Goals", "Needs", "Who takes part"):
        expect(lead.get_by_role("region", name=region, exact=True)).to_have_count(0)
    screenshot(lead, "review-scenario-03-diff")

    # All three approve version 2; it leaves their queues.
    for page in reviewers.values():
        open_from_queue(page, case, 2)
        answer(page, "Approve the plan")
        expect_empty_queue(page)

    # The family approves, in the room with the plan lead: the plan is in force.
    lead.goto(f"/plans/{second_plan}")
    for unit in (nav, barnevern, skole):
        expect(review_of(lead, unit.unit)).to_contain_text("Approved")
    expect(plan_fact(lead, "Status")).to_have_text("In review")
    lead.get_by_label("Name of the family member who approved the plan").fill(FAMILY_MEMBER)
    tap_and_wait(lead, lead.get_by_role("button", name="Record the family's approval"))
    expect_message(lead, "The family's approval is recorded.")
    expect(plan_fact(lead, "Status")).to_have_text("Active")
    expect(plan_fact(lead, "Approved by the family")).to_contain_text(FAMILY_MEMBER)
    screenshot(lead, "review-scenario-04-active")

    # The child welfare service reports on its own action from the review page.
    welfare = reviewers["barnevern"]
    welfare.goto(f"/plans/{second_plan}/review")
    own = welfare.get_by_role("region", name="Your unit's part")
    card = own.get_by_role("listitem").filter(has_text=ACTIONS["barnevern"])
    expect(own.get_by_role("listitem")).to_have_count(1)
    card.get_by_role("radio", name="Under way").tap()
    tap_and_wait(welfare, card.get_by_role("button", name="Save the status"))
    expect_message(welfare, "The status is saved.")
    expect(card).to_contain_text("Status now: Under way")
    screenshot(welfare, "review-scenario-05-action-under-way")

    # The plan lead sees who changed it, and when.
    lead.reload()
    expect(lead.get_by_role("article")).to_contain_text(
        f"Under way – {barnevern.name}, {barnevern.unit}"
    )

    lead.goto(f"/families/{case.family_id}")
    tap_and_wait(lead, lead.get_by_role("link", name="Timeline"))
    entry = lead.locator(".timeline-entry").filter(has_text=ACTIONS["barnevern"]).first
    expect(entry).to_contain_text(f"By {barnevern.name}, {barnevern.unit}")

    # The family withdraws the child welfare service's consent: the tablet asks first.
    lead.goto(f"/families/{case.family_id}/consents")
    lead.get_by_role("link", name=f"Withdraw consent… ({barnevern.unit})").tap()
    asked = lead.get_by_role("dialog", name=f"Withdraw the consent for {barnevern.unit}?")
    tap_and_wait(lead, asked.get_by_role("button", name="Withdraw the consent"))
    expect_message(lead, "The consent is withdrawn.")
    expect(consent_card(lead, barnevern.unit)).to_contain_text("Withdrawn")

    # On its next request the service finds nothing: not the plan, not the queue.
    watch_of(welfare).allow_console_error(r"status of 404")
    gone = welfare.reload()
    assert gone is not None
    assert gone.status == 404
    expect(welfare.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    expect(welfare.get_by_text(ACTIONS["barnevern"])).to_have_count(0)
    expect(welfare.get_by_text(case.family_name)).to_have_count(0)
    screenshot(welfare, "review-scenario-06-consent-withdrawn")
    expect_empty_queue(welfare)
    welfare.goto("/inbox")
    expect(welfare.get_by_text(case.family_name)).to_have_count(0)

    # The others still read the plan.
    still = reviewers["nav"].goto(f"/plans/{second_plan}/review")
    assert still is not None
    assert still.status == 200
    expect(reviewers["nav"].get_by_role("article")).to_contain_text(ACTIONS["nav"])


# --- 2. accessibility of the review flow's and the family side's pages -------------------------

BERIT: Final = Person("berit", DEMO_PASSWORD)  # app/demo.py: reviews for the child welfare service
HADDAD_LANGUAGE: Final = "en"


@dataclass(frozen=True)
class HaddadCase:
    """The demo family Haddad with version 2 of its plan in review (berit has yet to answer)."""

    family_id: str
    canvas_id: str
    plan_id: str
    consent_id: str
    unit_id: str


@pytest.fixture(scope="module")
def haddad_case(base_url: str, haddad: DemoFamily) -> HaddadCase:
    """kari moves the school's meeting a week on and submits version 2 of Haddad's plan."""
    with api_as(base_url, KARI) as api:
        units = {u["slug"]: u["id"] for u in call(api, "GET", "/units", 200)}
        canvas = call(api, "GET", f"/canvases/{haddad.canvas_id}", 200)
        [school] = [
            a
            for a in canvas["actions"]
            if a["responsible"].get("unit_id") == units["fredrikstad-skole"]
        ]
        call(
            api,
            "PATCH",
            f"/actions/{school['id']}",
            200,
            headers={"If-Match": f'"{school["version"]}"'},
            json={"due": (TODAY + timedelta(days=28)).isoformat()},
        )
        plan = call(api, "POST", f"/canvases/{haddad.canvas_id}/plans", 201)
        assert plan["number"] == 2
        consents = call(api, "GET", f"/families/{haddad.family_id}/consents", 200)
        [welfare] = [c for c in consents if c["unit_id"] == units["fredrikstad-barnevern"]]
    return HaddadCase(
        str(haddad.family_id), str(haddad.canvas_id), plan["id"], welfare["id"], welfare["unit_id"]
    )


@dataclass(frozen=True)
class CasePage:
    who: str  # "kari" (the plan lead) or "berit" (a reviewer)
    path: Callable[[HaddadCase], str]
    # Printed for the family, or the plan itself: in the family's language.
    in_family_language: str = ""  # "plan": the plan within the page; "whole": all of it


CASE_PAGES: Final[dict[str, CasePage]] = {
    "review-queue": CasePage("berit", lambda c: "/review-queue"),
    "review-queue-empty": CasePage("kari", lambda c: "/review-queue"),
    "review": CasePage("berit", lambda c: f"/plans/{c.plan_id}/review"),
    "review-lead-side": CasePage("kari", lambda c: f"/plans/{c.plan_id}/review"),
    # What the consent shares with berit's unit: the family's shared page and the plan.
    "family-shared": CasePage("berit", lambda c: f"/families/{c.family_id}"),
    "plan-shared": CasePage("berit", lambda c: f"/plans/{c.plan_id}", "plan"),
    "plan-in-review": CasePage("kari", lambda c: f"/plans/{c.plan_id}", "plan"),
    "plan-close": CasePage("kari", lambda c: f"/plans/{c.plan_id}/close"),
    "plan-diff": CasePage("kari", lambda c: f"/plans/{c.plan_id}/diff?against=1"),
    "consents": CasePage("kari", lambda c: f"/families/{c.family_id}/consents"),
    "consent-statement": CasePage(
        "kari", lambda c: f"/families/{c.family_id}/consents/{c.consent_id}/statement", "whole"
    ),
    "consent-statement-draft": CasePage(
        "kari", lambda c: f"/families/{c.family_id}/consents/statement?unit={c.unit_id}", "whole"
    ),
    "audit": CasePage("kari", lambda c: f"/families/{c.family_id}/audit"),
    "audit-print": CasePage("kari", lambda c: f"/families/{c.family_id}/audit/print", "whole"),
    "timeline": CasePage("kari", lambda c: f"/families/{c.family_id}/timeline"),
    "handover": CasePage("kari", lambda c: f"/families/{c.family_id}/handover"),
    "erase": CasePage("kari", lambda c: f"/families/{c.family_id}/erase"),
    "inbox": CasePage("kari", lambda c: "/inbox"),
    "inbox-reviewer": CasePage("berit", lambda c: "/inbox"),
    "reading-new": CasePage("kari", lambda c: f"/families/{c.family_id}/readings/new"),
    "barriers": CasePage("kari", lambda c: "/barriers"),
    "barriers-for-family": CasePage("kari", lambda c: f"/barriers?family={c.family_id}"),
}


@pytest.fixture(scope="module")
def berit_states(browser: Browser, base_url: str) -> dict[str, StorageState]:
    return {lang: signed_in_state(browser, base_url, BERIT, lang=lang) for lang in ("nb", "en")}


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("name", list(CASE_PAGES))
def test_review_and_case_page_is_accessible_on_a_tablet(
    open_tablet: TabletFactory,
    request: pytest.FixtureRequest,
    haddad_case: HaddadCase,
    berit_states: dict[str, StorageState],
    name: str,
    lang: str,
) -> None:
    spec = CASE_PAGES[name]
    path = spec.path(haddad_case)
    if spec.who == "kari":
        state = request.getfixturevalue("kari_state" if lang == "nb" else "kari_state_en")
    else:
        state = berit_states[lang]
    page = open_tablet("portrait", state)

    response = page.goto(path)

    assert response is not None
    assert response.status == 200, f"{name}: {path} answered {response.status}"
    assert urlsplit(page.url).path == urlsplit(path).path
    assert page_lang(page) == (HADDAD_LANGUAGE if spec.in_family_language == "whole" else lang)
    if spec.in_family_language == "plan":
        plan = page.locator("article.plan-preview > div[lang]")
        expect(plan).to_have_attribute("lang", HADDAD_LANGUAGE)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    check_tablet_page(page, f"issue4-{name}-{lang}")

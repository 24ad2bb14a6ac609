"""The tablet conversation from first words to a submitted plan (issue 3, "Done when"; DESIGN §5).

A caseworker sits with a family, tablet on the table: signs in, starts a new family, writes
what matters, goes through a domain (the family's words, both scores, an indicator, strengths),
adds a need and maps a service to it, agrees a goal and actions, lists who takes part and the
plan period, and submits the plan; the PDF holds the family's words with æøå. Once by tapping
only, once by keyboard only. Then what must never lose text: two tablets editing one domain,
and a network that drops while the worker types. And the bar of DESIGN §9: the canvas page of
a full conversation is under 60 KB over the wire and asks nothing of any other origin.

The interface is driven in English (the translations change under our feet), elements are
found by role and accessible name.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import httpx2
import pytest
from playwright.sync_api import Browser, Dialog, Page, StorageState, expect
from pypdf import PdfReader

from app.demo import DEMO_PASSWORD
from app.kit.i18n import local_today, long_date
from tests.browser.conftest import DemoFamily, TabletFactory
from tests.browser.helpers import (
    KARI,
    Person,
    assert_same_origin,
    choose_language,
    drafts,
    expect_message,
    expect_save_state,
    go_offline,
    go_online,
    save_state,
    sign_in,
    signed_in_state,
    tab_to,
    tap_and_wait,
    watch_of,
)

# The README's picture of the duk. Written with the other screenshots to the ignored folder, so
# a test run never changes a tracked file; docs/screenshots/ holds the copy README.md shows
# (copy a new one there by hand when the canvas page changes).
README_SHOTS: Final = Path(__file__).resolve().parents[2] / "tests" / ".artifacts" / "readme"
README_SHOT_MAX_BYTES: Final = 300 * 1024
PAGE_BUDGET_BYTES: Final = 60 * 1024
# From ``duk demo``: a caseworker in NAV Fredrikstad, kari's unit.
OLA: Final = Person("ola", DEMO_PASSWORD)
TODAY: Final = local_today()


@pytest.fixture
def kari_en(open_tablet: TabletFactory, kari_state_en: StorageState) -> Page:
    """A portrait tablet with kari signed in and the interface in English."""
    return open_tablet("portrait", kari_state_en)


@pytest.fixture(scope="module")
def kari_token(base_url: str) -> str:
    answer = httpx2.post(
        f"{base_url}/api/v1/tokens", json={"username": KARI.username, "password": KARI.password}
    )
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["token"]
    return token


@pytest.fixture
def api(base_url: str, kari_token: str) -> Iterator[httpx2.Client]:
    with httpx2.Client(
        base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {kari_token}"}
    ) as client:
        yield client


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def press_and_wait(page: Page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def canvas_id_of(page: Page) -> str:
    match = re.fullmatch(r"/canvases/([0-9a-f-]{36})", path_of(page))
    assert match, f"not on a canvas page: {page.url}"
    return match.group(1)


def stored_canvas(api: httpx2.Client, canvas_id: str) -> dict[str, Any]:
    answer = api.get(f"/canvases/{canvas_id}")
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def readme_screenshot(page: Page, orientation: str) -> Path:
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    path = README_SHOTS / f"canvas-{orientation}.png"
    page.screenshot(path=str(path), animations="disabled", scale="css")
    return path


# --- 1. the whole conversation by tapping ---------------------------------------------------


def test_a_whole_conversation_by_tapping_ends_in_a_submitted_plan_and_its_pdf(
    open_tablet: TabletFactory, api: httpx2.Client, tmp_path: Path
) -> None:
    page = open_tablet("portrait")
    sign_in(page, KARI.username, KARI.password)
    choose_language(page, "en")
    run = uuid.uuid4().hex[:6]
    words = {
        "name": "Familien Ødegård",
        "centre": "At vi får bo sammen, og at barna får være trygge på skolen – særlig Åse.",
        "situation": "Vi bor trangt i en toroms på Østsiden; fuktflekker på badet.",
        "strengths": "Bestemor på Ørje hjelper til, og Jørn er flink med lekser.",
        "need": "En større og tørr leilighet nær skolen på Gålå.",
        "goal": f"Før jul bor vi nærmere skolen, med eget rom til Åse ({run}).",
        "family_action": f"Søke om startlån sammen med Bjørn Ærø ({run}).",
        "unit_action": f"NAV går gjennom økonomien og søknaden om bostøtte ({run}).",
        "money": "Pengene strekker ikke til; vi skylder for strøm og må få orden på gjelda.",
        "member": "Bjørn Ærø",
        "participant": "Åse Ødegård",
    }

    # Home: start a new family, in English for the plan.
    new_family = page.get_by_role("region", name="Start with a new family")
    new_family.get_by_label("What the family wants to be called").fill(words["name"])
    new_family.get_by_role("radio", name="English").tap()
    tap_and_wait(page, new_family.get_by_role("button", name="Start"))
    expect(page.get_by_role("heading", level=1)).to_have_text(words["name"])

    tap_and_wait(page, page.get_by_role("button", name="Start the conversation"))
    canvas_id = canvas_id_of(page)

    # The centre: what matters, saved as it is typed.
    page.get_by_label("What matters to the family, in their own words").fill(words["centre"])
    expect_save_state(page, "centre.what_matters", "saved")

    # A domain: the family's words, both scores, an indicator, the strengths.
    tap_and_wait(page, page.get_by_role("link", name="Housing", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Housing")
    page.get_by_label("Today, in the family's own words").fill(words["situation"])
    expect_save_state(page, "domains.bolig.situation", "saved")
    family_score = page.get_by_role("group", name="The family's score")
    family_score.get_by_role("radio", name=re.compile(r"^4\b")).tap()
    expect_save_state(page, "domains.bolig.family_score", "saved")
    worker_score = page.get_by_role("group", name="Your score as a worker (optional)")
    worker_score.get_by_role("radio", name=re.compile(r"^3\b")).tap()
    expect_save_state(page, "domains.bolig.worker_score", "saved")
    page.get_by_role("checkbox", name="Crowded home").tap()
    expect_save_state(page, "domains.bolig.indicators", "saved")
    bolig = stored_canvas(api, canvas_id)["domains"]["bolig"]
    assert bolig["situation"] == words["situation"]
    assert (bolig["family_score"], bolig["worker_score"]) == (4, 3)
    assert bolig["indicators"] == ["bolig.trangbodd"]

    # A need from that domain, and a suggested service mapped with one tap.
    tap_and_wait(page, page.get_by_role("link", name="Add a need in this domain"))
    expect(page.get_by_label("Life domain")).to_have_value("bolig")
    page.get_by_label("What the family needs, in its own words").fill(words["need"])
    page.get_by_role("radio", name="High priority").tap()
    tap_and_wait(page, page.get_by_role("button", name="Save the need and find services"))
    suggestions = page.get_by_role("button", name=re.compile(r"^Map to this service"))
    expect(suggestions.first).to_be_visible()
    tap_and_wait(page, suggestions.first)
    expect_message(page, "The need is mapped to the service.")

    # A goal.
    tap_and_wait(page, page.get_by_role("link", name="Goals", exact=True))
    page.get_by_role("radio", name="A short-term goal").tap()
    page.get_by_label("In the family's own words").fill(words["goal"])
    page.get_by_role("checkbox", name="Housing").tap()
    tap_and_wait(page, page.get_by_role("button", name="Save the goal"))
    expect_message(page, "The goal is saved.")
    expect(page.get_by_text(words["goal"])).to_be_visible()

    # Two actions: one for the family (who, by when), one for kari's own unit.
    family_due = TODAY + timedelta(days=45)
    unit_due = TODAY + timedelta(days=30)
    tap_and_wait(page, page.get_by_role("link", name="Actions", exact=True))
    page.get_by_label("What will be done?").fill(words["family_action"])
    page.get_by_role("radio", name="The family itself").tap()
    page.get_by_label("If the family: who in the family? (optional)").fill(words["member"])
    page.get_by_label("By when?").fill(family_due.isoformat())
    page.get_by_role("checkbox", name=words["need"]).tap()
    page.get_by_role("checkbox", name=words["goal"]).tap()
    tap_and_wait(page, page.get_by_role("button", name="Save the action"))
    expect_message(page, "The action is saved.")
    page.get_by_label("What will be done?").fill(words["unit_action"])
    page.get_by_role("radio", name="A service").tap()
    page.get_by_label("If a service: which one?").select_option(label="NAV Fredrikstad")
    page.get_by_label("By when?").fill(unit_due.isoformat())
    tap_and_wait(page, page.get_by_role("button", name="Save the action"))
    expect(page.get_by_role("heading", name=words["unit_action"])).to_be_visible()

    # Back on the canvas: who takes part, and the plan's dates.
    tap_and_wait(page, page.get_by_role("link", name="The canvas"))
    rows = page.get_by_role("group", name="New person")
    rows.nth(0).get_by_label("Name").fill(words["participant"])
    rows.nth(0).get_by_label("Role").select_option(label="Family member")
    page.get_by_role("button", name="Add a person").tap()  # a row more, no page load
    rows.nth(1).get_by_label("Name").fill("Kari Nordmann")
    rows.nth(1).get_by_label("Role").select_option(label="Contact person (plan lead)")
    tap_and_wait(page, page.get_by_role("button", name="Save who takes part"))
    expect(page.get_by_test_id("participant-list")).to_contain_text(words["participant"])
    page.get_by_label("From", exact=True).fill(TODAY.isoformat())
    page.get_by_label("To", exact=True).fill((TODAY + timedelta(days=365)).isoformat())
    page.get_by_label("Next review", exact=True).fill((TODAY + timedelta(days=90)).isoformat())
    tap_and_wait(page, page.get_by_role("button", name="Save the dates"))
    expect_message(page, "Saved: the plan period")

    # Another domain: the family's words, a score, and their strengths; saved with the button.
    tap_and_wait(page, page.get_by_role("link", name="Money and debt", exact=True))
    page.get_by_label("Today, in the family's own words").fill(words["money"])
    page.get_by_role("group", name="The family's score").get_by_role(
        "radio", name=re.compile(r"^6\b")
    ).tap()
    page.get_by_label("Strengths and resources").fill(words["strengths"])
    tap_and_wait(page, page.get_by_role("button", name="Save and go back to the canvas"))
    expect_message(page, "Saved: Money and debt")
    okonomi = stored_canvas(api, canvas_id)["domains"]["okonomi"]
    assert (okonomi["situation"], okonomi["strengths"]) == (words["money"], words["strengths"])
    assert okonomi["family_score"] == 6

    # The README's picture: the filled duk as the tablet shows it, portrait and landscape.
    expect(page.locator(".duk-ring")).to_contain_text("Housing")
    page.evaluate("window.scrollTo(0, 0)")
    for orientation, size in (("portrait", (820, 1180)), ("landscape", (1180, 820))):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        shot = readme_screenshot(page, orientation)
        assert shot.read_bytes().startswith(b"\x89PNG")
        assert shot.stat().st_size <= README_SHOT_MAX_BYTES, f"{shot} is too big"
    page.set_viewport_size({"width": 820, "height": 1180})

    # The preview: nothing missing; submit; the plan and its PDF.
    tap_and_wait(page, page.get_by_role("link", name="The plan", exact=True))
    expect(page.get_by_role("heading", name="The plan is ready")).to_be_visible()
    tap_and_wait(page, page.get_by_role("button", name="Submit the plan"))
    assert re.fullmatch(r"/plans/[0-9a-f-]{36}", path_of(page)), page.url
    expect(page.get_by_role("article")).to_contain_text(words["goal"])
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("link", name="Download PDF").tap()
    pdf = tmp_path / "plan.pdf"
    download_info.value.save_as(pdf)
    text = pdf_text(pdf.read_bytes())
    for expected in (
        words["goal"],
        words["family_action"],
        words["unit_action"],
        words["member"],
        "NAV Fredrikstad",
        long_date(family_due, "en"),
        long_date(unit_due, "en"),
    ):
        assert expected in text, f"the PDF lacks {expected!r}:\n{text}"
    assert set("æøåÆØÅ") <= set(text), "the PDF lost Norwegian letters"


# --- 2. the same by keyboard ----------------------------------------------------------------


def unambiguous_dates(count: int) -> list[date]:
    """The next ``count`` dates after today whose day and month are the same number (12.12.,
    1.1., 2.2., ...): typed digit by digit they come out the same whether the date field asks
    for the day or the month first, which depends on the browser's locale data."""
    found: list[date] = []
    day = TODAY
    while len(found) < count:
        day += timedelta(days=1)
        if day.day == day.month:
            found.append(day)
    return found


def type_date(page: Page, day: date) -> None:
    page.keyboard.type(day.strftime("%d%m%Y"))


def shift_tab_to(page: Page, selector: str, *, max_presses: int = 40) -> None:
    """Press Shift+Tab until ``selector`` has the focus (the way back up a page)."""
    for _ in range(max_presses):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Shift+Tab never reached {selector}")


def test_the_same_conversation_by_keyboard_only(
    open_tablet: TabletFactory, api: httpx2.Client
) -> None:
    page = open_tablet("portrait")
    run = uuid.uuid4().hex[:6]
    name = f"Familien Løkkeberg {run}"
    goal = f"Å få en fast og rolig hverdag ({run})."
    action = f"Mor søker barnehageplass til Pål ({run})."

    # Sign in, and English in the header's language form.
    page.goto("/login")
    tab_to(page, "#username")
    page.keyboard.type(KARI.username)
    tab_to(page, "#password", max_presses=1)
    page.keyboard.type(KARI.password)
    press_and_wait(page)
    assert path_of(page) == "/"
    tab_to(page, "#language-select")
    page.keyboard.type("English")
    tab_to(page, "form.language-form button", max_presses=1)
    press_and_wait(page)
    assert page.locator("html").get_attribute("lang") == "en"

    # A new family whose plan is in English (arrow keys in the radio group).
    tab_to(page, "#display_name", max_presses=60)
    page.keyboard.type(name)
    tab_to(page, "input[name=language]:checked")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="English")).to_be_checked()
    tab_to(page, "form[action='/families'] button[type=submit]")
    press_and_wait(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    tab_to(page, "form.start-form button")
    press_and_wait(page)
    canvas_id = canvas_id_of(page)

    # The centre, then a domain: words, a score by arrow keys, an indicator by Space.
    tab_to(page, "#what-matters")
    page.keyboard.type("Å være sammen – og ha råd til det.")
    tab_to(page, "a.duk-domain-link[href$='/domains/bolig']")
    expect_save_state(page, "centre.what_matters", "saved")
    press_and_wait(page)
    tab_to(page, "#situation")
    page.keyboard.type("Leiligheten er for liten for fem.")
    tab_to(page, "input[name=family_score]:checked")
    page.keyboard.press("ArrowRight")  # from "Not scored" round to 1
    page.keyboard.press("ArrowRight")  # 2
    expect(
        page.get_by_role("group", name="The family's score").locator("input:checked")
    ).to_have_value("2")
    expect_save_state(page, "domains.bolig.family_score", "saved")
    tab_to(page, "input[name=indicators][value='bolig.trangbodd']")
    page.keyboard.press("Space")
    expect_save_state(page, "domains.bolig.indicators", "saved")
    tab_to(page, "#strengths")
    page.keyboard.type("Naboene stiller opp når det trengs.")
    tab_to(page, ".domain-form button[type=submit]")
    expect_save_state(page, "domains.bolig.strengths", "saved")
    expect_save_state(page, "domains.bolig.situation", "saved")
    shift_tab_to(page, "a[href$='/needs?domain=bolig']")
    press_and_wait(page)

    # A need (typed, the domain already chosen), then the first suggestion mapped.
    tab_to(page, "#need-text", max_presses=60)
    page.keyboard.type("Et sted å bo med plass til alle.")
    tab_to(page, "input[name=priority]:checked")
    page.keyboard.press("ArrowLeft")  # medium -> high
    tab_to(page, "form[action$='/needs'] button[type=submit]")
    press_and_wait(page)
    tab_to(page, "li.suggestion button[type=submit]", max_presses=80)
    press_and_wait(page)
    expect_message(page, "The need is mapped to the service.")

    # A goal (Space picks the first kind: a dream).
    shift_tab_to(page, "nav.planning-nav a[href$='/goals']")  # the page opened at the need
    press_and_wait(page)
    tab_to(page, "input[name=horizon]", max_presses=60)
    page.keyboard.press("Space")
    tab_to(page, "#goal-text")
    page.keyboard.type(goal)
    tab_to(page, "form[action$='/goals'] button[type=submit]")
    press_and_wait(page)
    expect_message(page, "The goal is saved.")

    # An action for the family: who, by when (typed into the date field), which need and goal.
    due, start, review, end = unambiguous_dates(4)
    tab_to(page, "nav.planning-nav a[href$='/actions']")
    press_and_wait(page)
    tab_to(page, "#action-text", max_presses=60)
    page.keyboard.type(action)
    tab_to(page, "input[name=kind][value=family]")
    page.keyboard.press("Space")
    tab_to(page, "#action-member")
    page.keyboard.type("Mor")
    tab_to(page, "#action-due")
    type_date(page, due)
    expect(page.locator("#action-due")).to_have_value(due.isoformat())
    tab_to(page, "input[name=need_ids]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=goal_ids]")
    page.keyboard.press("Space")
    tab_to(page, "form[action$='/actions'] button[type=submit]")
    press_and_wait(page)
    expect_message(page, "The action is saved.")

    # Who takes part and the plan's dates, on the canvas.
    tab_to(page, "nav.planning-nav a[href='/canvases/" + canvas_id + "']")
    press_and_wait(page)
    tab_to(page, "#participant-0-name", max_presses=80)
    page.keyboard.type("Mor Løkkeberg")
    tab_to(page, "#participant-0-role", max_presses=1)
    page.keyboard.type("Family")
    tab_to(page, "[data-add-participant]")  # "Add a person": the new row takes the focus
    page.keyboard.press("Enter")
    expect(page.locator("#participant-1-name")).to_be_focused()
    page.keyboard.type("Kari Nordmann")
    tab_to(page, "#participant-1-role", max_presses=1)
    page.keyboard.type("Contact")
    tab_to(page, ".participant-form button[type=submit]")
    press_and_wait(page)
    expect(page.get_by_test_id("participant-list")).to_contain_text("Mor Løkkeberg")
    for selector, day in (
        ("#period-from", start),
        ("#period-to", end),
        ("#next-review", review),
    ):
        tab_to(page, selector, max_presses=80)
        type_date(page, day)
        expect(page.locator(selector)).to_have_value(day.isoformat())
    tab_to(page, "form[action$='/period'] button[type=submit]")
    press_and_wait(page)
    expect_message(page, "Saved: the plan period")

    # The preview, and submitting.
    shift_tab_to(page, ".page-head a[href$='/plan']", max_presses=80)  # up from the dates
    press_and_wait(page)
    expect(page.get_by_role("heading", name="The plan is ready")).to_be_visible()
    tab_to(page, "form[action$='/plans'] button[type=submit]")
    press_and_wait(page)
    assert re.fullmatch(r"/plans/[0-9a-f-]{36}", path_of(page)), page.url
    expect(page.get_by_role("article")).to_contain_text(goal)
    expect(page.get_by_role("article")).to_contain_text(action)
    stored = stored_canvas(api, canvas_id)
    assert stored["domains"]["bolig"]["family_score"] == 2
    assert stored["domains"]["bolig"]["indicators"] == ["bolig.trangbodd"]


# --- 3. two tablets, one domain -------------------------------------------------------------


@pytest.fixture(scope="module")
def ola_state_en(browser: Browser, base_url: str) -> StorageState:
    """Ola, kari's colleague in NAV Fredrikstad (the same unit: he may edit her families)."""
    return signed_in_state(browser, base_url, OLA, lang="en")


@pytest.mark.parametrize("choice", ["Merge both", "Keep mine"])
def test_two_tablets_writing_in_one_domain_lose_neither_text(
    open_tablet: TabletFactory,
    kari_state_en: StorageState,
    ola_state_en: StorageState,
    berg: DemoFamily,
    api: httpx2.Client,
    choice: str,
) -> None:
    domain = f"/canvases/{berg.canvas_id}/domains/okonomi"
    karis = open_tablet("portrait", kari_state_en)
    olas = open_tablet("portrait", ola_state_en)
    karis.goto(domain)
    olas.goto(domain)
    field = "domains.okonomi.situation"
    run = uuid.uuid4().hex[:6]
    theirs = f"Strømregningen på 4 000 kr er ubetalt ({run}, skrevet av Kari)."
    mine = f"Vi får sosialhjelp, men det rekker ikke til mat i helgene ({run}, skrevet av Ola)."

    karis.get_by_label("Today, in the family's own words").fill(theirs)
    expect_save_state(karis, field, "saved")
    watch_of(olas).allow_console_error(r"status of 409")
    olas.get_by_label("Today, in the family's own words").fill(mine)
    expect_save_state(olas, field, "conflict")

    # Both texts side by side, before Ola chooses; nothing written over.
    conflict = olas.get_by_role(
        "group", name="Someone else changed this at the same time. Choose which text to keep."
    )
    expect(conflict).to_contain_text("Their text (saved)")
    expect(conflict).to_contain_text(theirs)
    expect(conflict).to_contain_text("Your text")
    expect(conflict).to_contain_text(mine)
    expect(olas.get_by_label("Today, in the family's own words")).to_have_value(mine)
    assert stored_canvas(api, str(berg.canvas_id))["domains"]["okonomi"]["situation"] == theirs

    conflict.get_by_role("button", name=choice).tap()
    expect(conflict).to_be_hidden()
    expect_save_state(olas, field, "saved")
    stored = stored_canvas(api, str(berg.canvas_id))["domains"]["okonomi"]["situation"]
    if choice == "Merge both":
        assert theirs in stored, stored
        assert mine in stored, stored
    else:
        assert stored == mine  # Ola saw Kari's text and chose his own
    karis.reload()
    expect(karis.get_by_label("Today, in the family's own words")).to_have_value(stored)


def test_two_tablets_changing_different_sentences_keep_both_changes_each_sentence_once(
    open_tablet: TabletFactory,
    kari_state_en: StorageState,
    ola_state_en: StorageState,
    berg: DemoFamily,
    api: httpx2.Client,
) -> None:
    domain = f"/canvases/{berg.canvas_id}/domains/helse"
    field = "domains.helse.situation"
    run = uuid.uuid4().hex[:6]
    first, second, third = (
        f"Mor har vondt i ryggen ({run}).",
        "Legen er langt unna.",
        "Barna er friske.",
    )
    karis = open_tablet("portrait", kari_state_en)
    karis.goto(domain)
    words = karis.get_by_label("Today, in the family's own words")
    words.fill(f"{first} {second} {third}")
    expect_save_state(karis, field, "saved")
    olas = open_tablet("portrait", ola_state_en)
    olas.goto(domain)  # both tablets now show the same three sentences

    karis_first = first.replace("vondt i ryggen", "sterke smerter i ryggen")
    words.fill(f"{karis_first} {second} {third}")
    expect_save_state(karis, field, "saved")
    olas_third = "Barna er friske, men Åse sover dårlig."
    olas.get_by_label("Today, in the family's own words").fill(f"{first} {second} {olas_third}")

    # No conflict to settle: Ola's tablet saves, and shows Kari's change beside his own.
    both = f"{karis_first} {second} {olas_third}"
    expect_save_state(olas, field, "saved")
    expect(olas.get_by_label("Today, in the family's own words")).to_have_value(both)
    stored = stored_canvas(api, str(berg.canvas_id))["domains"]["helse"]["situation"]
    assert stored == both
    assert stored.count(second) == 1
    karis.reload()
    expect(karis.get_by_label("Today, in the family's own words")).to_have_value(both)


# --- 4. the network drops while the worker types ---------------------------------------------


def test_text_typed_while_the_network_is_gone_is_kept_and_sent_when_it_returns(
    kari_en: Page, berg: DemoFamily, api: httpx2.Client
) -> None:
    page = kari_en
    page.goto(f"/canvases/{berg.canvas_id}")
    field = "centre.what_matters"
    centre = page.get_by_label("What matters to the family, in their own words")
    run = uuid.uuid4().hex[:6]
    before = f"At vi holder sammen ({run})"
    after = " – og at Søren får gå på fotball på Ås."

    centre.fill("")
    centre.press_sequentially(before)
    go_offline(page.context)  # before the pause in typing that would have saved it
    centre.press_sequentially(after)

    expect_save_state(page, field, "offline")
    expect(save_state(page, field)).to_contain_text("Not saved yet")
    expect(centre).to_have_value(before + after)
    kept = [d["value"] for key, d in drafts(page).items() if key.endswith(":" + field)]
    assert kept == [before + after]
    assert stored_canvas(api, str(berg.canvas_id))["centre"]["what_matters"] != before + after

    go_online(page.context)
    expect_save_state(page, field, "saved")
    assert stored_canvas(api, str(berg.canvas_id))["centre"]["what_matters"] == before + after
    assert not [key for key in drafts(page) if key.endswith(":" + field)]


def test_signing_out_with_unsaved_text_asks_first_and_then_leaves_nothing_on_the_tablet(
    open_tablet: TabletFactory, berg: DemoFamily
) -> None:
    """A shared tablet: what the worker typed but the server never got is kept in this tab
    only, and signing out asks before it is thrown away, and then throws it away."""
    page = open_tablet("portrait")
    sign_in(page, KARI.username, KARI.password)  # its own session: this test signs out
    choose_language(page, "en")
    page.goto(f"/canvases/{berg.canvas_id}")
    field = "centre.what_matters"
    centre = page.get_by_label("What matters to the family, in their own words")
    saves = page.locator("[data-autosave-url]").first.get_attribute("data-autosave-url")
    assert saves
    page.route(f"**{saves}", lambda route: route.abort())  # the server never hears of it
    watch_of(page).allow_console_error("Failed to load resource")
    typed = f"At vi kan bo her ({uuid.uuid4().hex[:6]})"
    centre.fill(typed)
    centre.blur()
    expect(save_state(page, field)).not_to_have_attribute("data-state", "saving")
    expect(save_state(page, field)).not_to_have_attribute("data-state", "saved")
    assert [d["value"] for d in drafts(page).values()] == [typed]
    assert page.evaluate("() => Object.keys(localStorage)") == [], "text left beyond the tab"

    sign_out = page.get_by_role("button", name="Sign out")
    asked: list[str] = []

    def stay(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()  # the worker chooses to stay: nothing is lost

    page.once("dialog", stay)
    sign_out.tap()  # returns once the question is answered
    assert len(asked) == 1, asked
    assert "has not been saved yet" in asked[0]
    expect(centre).to_have_value(typed)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert [d["value"] for d in drafts(page).values()] == [typed]

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        sign_out.tap()
    expect(page.locator("#username")).to_be_visible()
    assert drafts(page) == {}
    assert page.evaluate("() => Object.keys(sessionStorage)") == []


# --- 5. the size of the duk over the wire ----------------------------------------------------


def full_canvas(api: httpx2.Client) -> str:
    """A conversation as big as the bar of DESIGN §9: 8 domains written, 40 needs, 20 actions."""
    family = api.post(
        "/families",
        json={
            "display_name": f"Familien Størrelse {uuid.uuid4().hex[:6]}",
            "municipality_code": "3107",
            "language": "nb",
            "household": {"adults": 2, "children_birth_years": [2015, 2019]},
        },
    )
    assert family.status_code == 201, family.text
    canvas = api.post(f"/families/{family.json()['id']}/canvases", json={"template_key": "familie"})
    assert canvas.status_code == 201, canvas.text
    document = canvas.json()
    keys = list(document["domains"])
    assert len(keys) == 8
    story = "Vi har det travelt, men vi får det til når alle hjelper til litt hver dag. " * 3
    patched = api.patch(
        f"/canvases/{document['id']}",
        headers={"If-Match": canvas.headers["etag"]},
        json={
            "centre": {"what_matters": "At alle i familien har det godt – også bestemor."},
            "domains": {
                key: {"situation": story, "strengths": "Gode naboer.", "family_score": 5}
                for key in keys
            },
        },
    )
    assert patched.status_code == 200, patched.text
    needs = []
    for i in range(40):
        need = api.post(
            f"/canvases/{document['id']}/needs",
            json={
                "domain": keys[i % 8],
                "text": f"Behov nummer {i}: hjelp med hverdagen.",
                "priority": 1 + i % 3,
            },
        )
        assert need.status_code == 201, need.text
        needs.append(need.json()["id"])
    for i in range(20):
        action = api.post(
            f"/canvases/{document['id']}/actions",
            json={
                "text": f"Tiltak {i}: familien og NAV følger opp sammen.",
                "responsible": {"kind": "family", "member": "Mor"},
                "due": (TODAY + timedelta(days=30 + i)).isoformat(),
                "need_ids": [needs[i]],
            },
        )
        assert action.status_code == 201, action.text
    canvas_id: str = document["id"]
    return canvas_id


_TRANSFERRED: Final = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource")
    .filter((r) => ["link", "script", "css"].includes(r.initiatorType));
  return {
    html: nav.transferSize,
    encoded: nav.encodedBodySize,
    decoded: nav.decodedBodySize,
    resources: resources.map((r) => [r.name, r.transferSize, r.encodedBodySize, r.decodedBodySize]),
  };
}"""


def test_the_canvas_of_a_full_conversation_is_under_60_kb_and_stays_on_its_origin(
    open_tablet: TabletFactory, kari_state_en: StorageState, api: httpx2.Client, base_url: str
) -> None:
    canvas_id = full_canvas(api)
    page = open_tablet("portrait", kari_state_en)  # a new tablet: nothing cached

    response = page.goto(f"/canvases/{canvas_id}")
    page.wait_for_load_state("load")

    assert response is not None
    assert response.status == 200
    assert response.headers.get("content-encoding") == "gzip"
    expect(page.locator(".duk-domain")).to_have_count(8)
    expect(page.locator(".duk-counts").first).to_contain_text("5 needs")
    sizes = page.evaluate(_TRANSFERRED)
    paths = {urlsplit(name).path for name, *_ in sizes["resources"]}
    assert {"/static/app.css", "/static/app.js", "/static/vendor/htmx/htmx.min.js"} <= paths
    # Compressed on the wire: the page, its styles and scripts travelled smaller than they are.
    assert sizes["encoded"] < sizes["decoded"], sizes
    for name, transferred, encoded, decoded in sizes["resources"]:
        assert transferred > 0, f"{name} came from a cache on a new tablet"
        if urlsplit(name).path.endswith((".css", ".js")):
            assert encoded < decoded, f"{name} was sent uncompressed"
    total = sizes["html"] + sum(transferred for _, transferred, _, _ in sizes["resources"])
    assert total < PAGE_BUDGET_BYTES, f"the canvas page is {total} bytes over the wire: {sizes}"
    assert_same_origin(watch_of(page).requests, base_url)
    assert len(watch_of(page).requests) >= 4  # the page, its CSS, htmx and the app's script


# --- a second duk only when asked for (issue 13) ------------------------------------------


def test_a_new_duk_is_made_only_after_confirming(
    open_tablet: TabletFactory, kari_state_en: StorageState, api: httpx2.Client
) -> None:
    page = open_tablet("portrait", kari_state_en)
    page.goto("/")
    new_family = page.get_by_role("region", name="Start with a new family")
    new_family.get_by_label("What the family wants to be called").fill("Familien Ny-Start")
    tap_and_wait(page, new_family.get_by_role("button", name="Start"))
    family_path = path_of(page)
    tap_and_wait(page, page.get_by_role("button", name="Start the conversation"))
    first = canvas_id_of(page)

    # Back on the family page the way on is the duk in progress, not a new one.
    page.goto(family_path)
    expect(page.get_by_role("button", name="Start the conversation")).to_have_count(0)
    tap_and_wait(page, page.get_by_role("link", name="Continue the conversation"))
    assert canvas_id_of(page) == first

    # "Start a new conversation" asks first; continuing makes nothing new.
    page.goto(family_path)
    tap_and_wait(page, page.get_by_role("link", name="Start a new conversation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("A new conversation?")
    tap_and_wait(page, page.get_by_role("link", name="Continue the conversation"))
    assert canvas_id_of(page) == first

    # Only the yes makes a second, empty duk.
    page.goto(family_path)
    tap_and_wait(page, page.get_by_role("link", name="Start a new conversation"))
    tap_and_wait(page, page.get_by_role("button", name="Yes, start a new, empty conversation"))
    second = canvas_id_of(page)
    assert second != first
    family_id = family_path.rsplit("/", 1)[1]
    listed = page.goto(family_path)
    assert listed is not None
    expect(page.locator(".canvas-card")).to_have_count(2)
    assert stored_canvas(api, second)["family_id"] == family_id
    assert stored_canvas(api, second)["centre"]["what_matters"] == ""

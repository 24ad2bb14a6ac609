"""Corrections on the tablet (issue 13, "Done when"; DESIGN §3, Corrections): kari corrects a
need's words and a goal's words, and marks a need that was written by mistake as entered in
error, all by touch in Chromium at tablet size. The need written by mistake is then gone from
the plan page, its print view and its PDF, earlier version and new alike, and from the
coordinator's need-pattern report; the corrected words are in the new version, and the earlier
ones in the history.

The family is made through the API first, in a municipality of its own (Hvaler, where the demo
has no families), beside four other families there who also owe money: five families with a
money need in Hvaler, a number the report publishes exactly (a multiple of k), so one fewer
shows as hidden. The interface is driven in English.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, Final
from urllib.parse import urlsplit

import httpx2
import pytest
from playwright.sync_api import Browser, Page, StorageState, expect
from pypdf import PdfReader

from app.demo import DEMO_PASSWORD
from app.kit.i18n import local_today
from tests.browser.conftest import TabletFactory
from tests.browser.helpers import KARI, Person, check_tablet_page, signed_in_state, tap_and_wait

KIM: Final = Person("kim", DEMO_PASSWORD)
HVALER: Final = "3110"
TODAY: Final = local_today()

FLAT: Final = "We need a bigger flat."
FLAT_CORRECTED: Final = "We need a flat without damp."
DEBT: Final = "We owe the bank money."
GOAL: Final = "Move before summer."
GOAL_CORRECTED: Final = "Move before Christmas."


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx2.Client]:
    answer = httpx2.post(
        f"{base_url}/api/v1/tokens", json={"username": KARI.username, "password": KARI.password}
    )
    assert answer.status_code == 201, answer.text
    with httpx2.Client(
        base_url=f"{base_url}/api/v1",
        headers={"Authorization": f"Bearer {answer.json()['token']}"},
    ) as client:
        yield client


def made(answer: httpx2.Response) -> Any:
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def family_in_hvaler(api: httpx2.Client, name: str) -> tuple[str, str]:
    family = made(
        api.post(
            "/families",
            json={
                "display_name": name,
                "municipality_code": HVALER,
                "language": "en",
                "household": {"adults": 2, "children_birth_years": [2015], "single_parent": False},
            },
        )
    )
    canvas = made(api.post(f"/families/{family['id']}/canvases", json={"template_key": "familie"}))
    return family["id"], canvas["id"]


@pytest.fixture(scope="module")
def aas(api: httpx2.Client) -> dict[str, str]:
    """Familien Aas: two needs, a goal, an action and a submitted plan (version 1)."""
    family_id, canvas_id = family_in_hvaler(api, "Familien Aas")
    canvas = made(api.get(f"/canvases/{canvas_id}"))
    made(
        api.patch(
            f"/canvases/{canvas_id}",
            headers={"If-Match": f'"{canvas["version"]}"'},
            json={
                "centre": {"what_matters": "A safe home for the children."},
                "domains": {
                    "bolig": {"situation": "Damp walls.", "strengths": "We help each other."}
                },
                "participants": [
                    {"name": "Mother", "role": "family_member"},
                    {"name": "Kari", "role": "plan_lead"},
                ],
                "period": {
                    "from": TODAY.isoformat(),
                    "to": (TODAY + timedelta(days=90)).isoformat(),
                },
                "next_review_date": (TODAY + timedelta(days=30)).isoformat(),
            },
        )
    )
    flat = made(
        api.post(
            f"/canvases/{canvas_id}/needs", json={"domain": "bolig", "text": FLAT, "priority": 1}
        )
    )
    debt = made(
        api.post(
            f"/canvases/{canvas_id}/needs", json={"domain": "okonomi", "text": DEBT, "priority": 2}
        )
    )
    goal = made(api.post(f"/canvases/{canvas_id}/goals", json={"horizon": "short", "text": GOAL}))
    made(
        api.post(
            f"/canvases/{canvas_id}/actions",
            json={
                "text": "Mother calls the housing office.",
                "responsible": {"kind": "family", "member": "Mother"},
                "due": (TODAY + timedelta(days=14)).isoformat(),
                "need_ids": [flat["id"]],
                "goal_ids": [goal["id"]],
            },
        )
    )
    plan = made(api.post(f"/canvases/{canvas_id}/plans"))
    for n in range(4):
        _, other = family_in_hvaler(api, f"Familien Hvaler {n}")
        made(
            api.post(
                f"/canvases/{other}/needs",
                json={"domain": "okonomi", "text": "Debt.", "priority": 1},
            )
        )
    return {
        "family": family_id,
        "canvas": canvas_id,
        "flat": flat["id"],
        "debt": debt["id"],
        "goal": goal["id"],
        "plan": plan["id"],
    }


@pytest.fixture(scope="module")
def kim_state(browser: Browser, base_url: str) -> StorageState:
    return signed_in_state(browser, base_url, KIM, lang="en")


@pytest.fixture(scope="module")
def kari_state(browser: Browser, base_url: str) -> StorageState:
    return signed_in_state(browser, base_url, KARI, lang="en")


def money_in_hvaler(page: Page) -> str:
    """The report's families with a money need in Hvaler, as the coordinator reads it."""
    page.goto("/reports/needs?rows=municipality&columns=domain")
    text: str = page.evaluate(
        """() => {
          const table = document.querySelector("table.numbers");
          const columns = [...table.querySelectorAll("thead th")].map((th) => th.innerText.trim());
          const row = [...table.querySelectorAll("tbody tr")].find(
            (tr) => tr.querySelector("th").innerText.trim() === "Hvaler");
          if (!row) return "no row";
          if (columns.indexOf("Money and debt") < 0) return "no column: " + columns.join(", ");
          const cells = [...row.children];
          return cells[columns.indexOf("Money and debt")].innerText.trim();
        }"""
    )
    return text


def pdf_text(page: Page, plan_id: str) -> str:
    answer = page.request.get(f"/plans/{plan_id}.pdf")
    assert answer.status == 200
    reader = PdfReader(io.BytesIO(answer.body()))
    return " ".join(" ".join((sheet.extract_text() or "").split()) for sheet in reader.pages)


def test_a_need_and_a_goal_corrected_and_a_need_entered_in_error_leave_the_plan_and_report(
    open_tablet: TabletFactory,
    aas: dict[str, str],
    kari_state: StorageState,
    kim_state: StorageState,
) -> None:
    kim = open_tablet("landscape", kim_state)
    assert money_in_hvaler(kim) == "5"
    page = open_tablet("portrait", kari_state)
    needs = f"/canvases/{aas['canvas']}/needs"

    # 1. The need's words were not quite the family's: correct them.
    page.goto(needs)
    tap_and_wait(page, page.get_by_role("link", name=f"Correct: {FLAT}"))
    check_tablet_page(page, "need-correct-en")
    page.get_by_label("What the family needs, in its own words").fill(FLAT_CORRECTED)
    page.get_by_label("Why is it corrected? (optional)").fill("Mother put it better.")
    tap_and_wait(page, page.get_by_role("button", name="Save the correction"))
    assert urlsplit(page.url).path == needs
    expect(page.get_by_text("The correction is saved.")).to_be_visible()
    card = page.locator(f"#need-{aas['flat']}")
    expect(card.locator(".need-text")).to_have_text(FLAT_CORRECTED)
    card.locator(".history > summary").tap()
    expect(card.locator(".history-before")).to_have_text(FLAT)
    expect(card.locator(".history")).to_contain_text("Mother put it better.")

    # 2. And the goal's.
    page.goto(f"/canvases/{aas['canvas']}/goals")
    tap_and_wait(page, page.get_by_role("link", name=f"Correct: {GOAL}"))
    page.get_by_label("In the family's own words").fill(GOAL_CORRECTED)
    tap_and_wait(page, page.get_by_role("button", name="Save the correction"))
    expect(page.locator(f"#goal-{aas['goal']} .family-words")).to_have_text(GOAL_CORRECTED)

    # 3. The debt was another family's: entered in error, after the page says what it means.
    page.goto(needs)
    tap_and_wait(page, page.get_by_role("link", name=f"Entered in error: {DEBT}"))
    expect(page.get_by_role("heading", name="Was this written by mistake?")).to_be_visible()
    check_tablet_page(page, "need-entered-in-error-en")
    page.get_by_label("What was the mistake? (optional)").fill("Written on the wrong family.")
    tap_and_wait(page, page.get_by_role("button", name="Confirm: entered in error"))
    assert urlsplit(page.url).path == needs
    standing = page.locator("main section:not(#entered-in-error) .need-text", has_text=DEBT)
    expect(standing).to_have_count(0)
    expect(page.get_by_role("heading", name="Entered in error (1)")).to_be_visible()
    page.locator("#entered-in-error").get_by_text("Show them").tap()
    expect(page.locator("#entered-in-error")).to_contain_text(DEBT)
    check_tablet_page(page, "needs-with-one-in-error-en")

    # 4. Gone from every copy of the family's plan: the version agreed before, and the next.
    for path in (f"/plans/{aas['plan']}", f"/plans/{aas['plan']}/print"):
        page.goto(path)
        expect(page.locator("body")).not_to_contain_text(DEBT)
    assert DEBT not in pdf_text(page, aas["plan"])
    page.goto(f"/canvases/{aas['canvas']}/plan")
    tap_and_wait(page, page.get_by_role("button", name="Submit the plan"))
    assert re.fullmatch(r"/plans/[0-9a-f-]{36}", urlsplit(page.url).path), page.url
    plan = page.get_by_role("article")
    for words in (FLAT_CORRECTED, GOAL_CORRECTED):
        expect(plan).to_contain_text(words)
    for words in (DEBT, FLAT, GOAL):
        expect(plan).not_to_contain_text(words)
    second = urlsplit(page.url).path.rsplit("/", 1)[1]
    page.goto(f"/plans/{second}/print")
    expect(page.locator("body")).not_to_contain_text(DEBT)
    text = pdf_text(page, second)
    assert FLAT_CORRECTED in text
    assert GOAL_CORRECTED in text
    assert DEBT not in text

    # 5. And from the report: four families with a money need in Hvaler are too few to show.
    assert money_in_hvaler(kim).startswith("–")

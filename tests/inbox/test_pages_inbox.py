"""The inbox page and the home page's one-line summary, as a reviewer and a caseworker see them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_unit, make_user
from tests.html import page
from tests.inbox.conftest import Shared, in_days
from tests.pages import SignedIn


def test_a_reviewer_finds_the_plan_to_review_and_marks_the_inbox_read(
    shared: Shared, signed_in: SignedIn
) -> None:
    browser = signed_in(shared.reviewer, language="en")  # the texts below are the English ones

    home = page(browser.get("/"))
    assert home.one(".inbox-summary a[href='/inbox']").text == "1 new in your inbox"

    response = browser.get("/inbox")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    inbox = page(response)
    review = inbox.one('section[aria-labelledby="inbox-review_requested"]')
    assert review.one("h2").text == "Plans waiting for your review (1)"
    [item] = review.all("li.inbox-item")
    assert item.one(".card-title").text == "Familien Haddad"
    assert item.one(".inbox-text").text == (
        "Plan version 1 is waiting for review by Barnevernet Øst."
    )
    assert item.one("a")["href"] == f"/plans/{shared.plan_id}/review"
    assert item.one(".inbox-new").text == "New"

    marked = browser.submit("/inbox", "/inbox/seen")
    assert marked.status_code == 303
    assert marked.headers["location"] == "/inbox"

    again = page(browser.get("/inbox"))
    assert again.one(".inbox-count").text == "Nothing new since you last looked."
    assert not again.has(".inbox-new")
    assert again.has(f'a[href="/plans/{shared.plan_id}/review"]')
    assert page(browser.get("/")).one(".inbox-summary").text == "Nothing new in your inbox"


def test_a_caseworker_sees_overdue_actions_grouped_apart_from_those_due_soon(
    shared: Shared, signed_in: SignedIn
) -> None:
    shared.add_action("Mor søker bostøtte.", in_days(-3), {"kind": "family", "member": "Mor"})
    shared.add_action(
        "Barnevernet ringer mor.", in_days(2), {"kind": "unit", "unit_id": str(shared.unit_b.id)}
    )
    browser = signed_in(shared.lead, language="en")

    response = browser.get("/inbox")

    assert response.status_code == 200
    inbox = page(response)
    groups = {group.one("h2").text: group for group in inbox.all("section[aria-labelledby]")}
    overdue = groups["Overdue actions (1)"]
    due_soon = groups["Actions due within a week (1)"]
    assert "Mor søker bostøtte." in overdue.one(".inbox-text").text
    assert "Barnevernet ringer mor." in due_soon.one(".inbox-text").text
    assert list(groups).index("Overdue actions (1)") < list(groups).index(
        "Actions due within a week (1)"
    )
    assert overdue.one("a")["href"] == f"/canvases/{shared.canvas_id}/actions"
    assert inbox.form("/inbox/seen").one("button").text == "Mark all as read"
    assert inbox.one(".inbox-count").text == "2 new items"


def test_an_empty_inbox_says_what_will_show_up_there(signed_in: SignedIn, session: Session) -> None:
    caseworker = make_user(session, units=[make_unit(session)])
    session.commit()
    browser = signed_in(caseworker, language="en")

    response = browser.get("/inbox")

    assert response.status_code == 200
    assert "Your inbox is empty." in response.text
    assert "Mark all as read" not in response.text
    assert "Nothing new in your inbox" in browser.get("/").text


def test_the_inbox_page_asks_a_signed_out_visitor_to_sign_in(client: TestClient) -> None:
    response = client.get("/inbox", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/inbox"

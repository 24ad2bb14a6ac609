"""The inbox page and the home page's one-line summary, as a reviewer and a caseworker see them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from tests.accounts.test_pages import csrf_from, sign_in
from tests.factories import make_unit, make_user
from tests.inbox.conftest import Shared, in_days


def test_a_reviewer_finds_the_plan_to_review_and_marks_the_inbox_read(
    shared: Shared, client: TestClient
) -> None:
    client.cookies.set("duk_lang", "en")  # the texts asserted below are the English ones
    sign_in(client, shared.reviewer.username)

    home = client.get("/")
    assert "1 new in your inbox" in home.text
    assert 'href="/inbox"' in home.text

    page = client.get("/inbox")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert '<h2 id="inbox-review_requested">Plans waiting for your review' in page.text
    assert "Familien Haddad" in page.text
    assert "Plan version 1 is waiting for review by Barnevernet Øst." in page.text
    assert f'href="/plans/{shared.plan_id}/review"' in page.text
    assert '<span class="inbox-new">New</span>' in page.text

    marked = client.post(
        "/inbox/seen", data={"csrftoken": csrf_from(page.text)}, follow_redirects=False
    )
    assert marked.status_code == 303
    assert marked.headers["location"] == "/inbox"

    again = client.get("/inbox")
    assert "Nothing new since you last looked." in again.text
    assert '<span class="inbox-new">New</span>' not in again.text
    assert f'href="/plans/{shared.plan_id}/review"' in again.text
    assert "Nothing new in your inbox" in client.get("/").text


def test_a_caseworker_sees_overdue_actions_grouped_apart_from_those_due_soon(
    shared: Shared, client: TestClient
) -> None:
    client.cookies.set("duk_lang", "en")
    shared.add_action("Mor søker bostøtte.", in_days(-3), {"kind": "family", "member": "Mor"})
    shared.add_action(
        "Barnevernet ringer mor.", in_days(2), {"kind": "unit", "unit_id": str(shared.unit_b.id)}
    )
    sign_in(client, shared.lead.username)

    page = client.get("/inbox")

    assert page.status_code == 200
    overdue = page.text.index("Overdue actions")
    due_soon = page.text.index("Actions due within a week")
    assert overdue < page.text.index("Mor søker bostøtte.") < due_soon
    assert due_soon < page.text.index("Barnevernet ringer mor.")
    assert f'href="/canvases/{shared.canvas_id}/actions"' in page.text
    assert "Mark all as read" in page.text
    assert "2 new items" in page.text


def test_an_empty_inbox_says_what_will_show_up_there(
    client: TestClient, session: Session, settings: Settings
) -> None:
    client.cookies.set("duk_lang", "en")
    caseworker = make_user(session, units=[make_unit(session)])
    session.commit()
    sign_in(client, caseworker.username)

    page = client.get("/inbox")

    assert page.status_code == 200
    assert "Your inbox is empty." in page.text
    assert "Mark all as read" not in page.text
    assert "Nothing new in your inbox" in client.get("/").text


def test_the_inbox_page_asks_a_signed_out_visitor_to_sign_in(client: TestClient) -> None:
    response = client.get("/inbox", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/inbox"

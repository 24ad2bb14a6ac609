"""The plan lead's reminder of a family's next review (issue 13): "Oppfølging om N dager" from
seven days before the review (not eight), "forfalt" once it has passed and no follow-up has
held it, gone when one has. Every date is worked out from the municipality's today when the
test runs, never when the module is collected.

A follow-up reading holds the review when taken in the week before it or later, unless it is
the reading that set that very date; a new plan version holds it when submitted on the date or
later (the version that set the date was submitted before it).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today, long_date
from tests.factories import auth_headers, make_user
from tests.html import page
from tests.inbox.conftest import API, Json, Shared, created, fill_canvas
from tests.pages import SignedIn

SOON, OVERDUE = "review_due_soon", "review_overdue"


def _day(days: int) -> str:
    return (local_today() + timedelta(days=days)).isoformat()


def _set_review(shared: Shared, days: int, canvas_id: str | None = None) -> None:
    """The plan lead moves the next review on the canvas form, ``days`` from today."""
    url = f"{API}/canvases/{canvas_id or shared.canvas_id}"
    etag = shared.client.get(url, headers=shared.headers).headers["etag"]
    response = shared.client.patch(
        url,
        json={"next_review_date": _day(days)},
        headers={**shared.headers, "If-Match": etag},
    )
    assert response.status_code == 200, response.text


def _follow_up(shared: Shared, *, taken: int = 0, next_review: int | None = None) -> None:
    body: Json = {"taken_on": _day(taken), "scores": {"bolig": {"family": 5}}}
    if next_review is not None:
        body["next_review_date"] = _day(next_review)
    created(shared.client, f"/families/{shared.family_id}/readings", shared.headers, body)


def _reminders(shared: Shared, headers: dict[str, str] | None = None) -> list[Json]:
    items = shared.items(headers or shared.headers)
    return [i for i in items if i["kind"] in (SOON, OVERDUE)]


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (7, "Follow-up in 7 days: the plan's next review is {date}."),
        (1, "Follow-up in 1 day: the plan's next review is {date}."),
        (0, "Follow-up today: the plan's next review is {date}."),
    ],
)
def test_the_plan_lead_is_reminded_within_the_week_before_a_review(
    shared: Shared, days: int, text: str
) -> None:
    _set_review(shared, days)

    [item] = _reminders(shared)

    review_on = local_today() + timedelta(days=days)
    assert item["kind"] == SOON
    assert item["text"] == text.format(date=long_date(review_on, "en"))
    assert item["due"] == review_on.isoformat()
    assert item["family_id"] == shared.family_id
    assert item["family_name"] == "Familien Haddad"
    # The family's own page, by its opaque id: nothing of the family in the link.
    assert item["link"] == f"/families/{shared.family_id}"
    assert item["new"] is True


def test_eight_days_before_there_is_no_reminder_yet(shared: Shared) -> None:
    _set_review(shared, 8)
    assert _reminders(shared) == []
    _set_review(shared, 30)
    assert _reminders(shared) == []


def test_a_review_passed_and_not_held_is_overdue(shared: Shared) -> None:
    _set_review(shared, -3)

    [item] = _reminders(shared)

    assert item["kind"] == OVERDUE
    was = long_date(local_today() - timedelta(days=3), "en")
    assert item["text"] == (
        f"Follow-up overdue: the plan's next review was {was}. "
        "Record the follow-up meeting, or set a new date."
    )
    assert item["link"] == f"/families/{shared.family_id}"


def test_a_follow_up_in_the_week_before_holds_the_review(shared: Shared) -> None:
    _set_review(shared, 3)
    assert [i["kind"] for i in _reminders(shared)] == [SOON]

    _follow_up(shared, taken=0)  # the meeting was held early; no new date was set

    assert _reminders(shared) == []


def test_a_follow_up_after_an_overdue_review_holds_it(shared: Shared) -> None:
    _set_review(shared, -3)
    assert [i["kind"] for i in _reminders(shared)] == [OVERDUE]

    _follow_up(shared, taken=0)

    assert _reminders(shared) == []


def test_a_follow_up_long_before_the_review_does_not_hold_it(shared: Shared) -> None:
    _follow_up(shared, taken=-12)  # a meeting ten days before the review's week began
    _set_review(shared, -3)

    assert [i["kind"] for i in _reminders(shared)] == [OVERDUE]


def test_a_follow_up_that_moves_the_review_on_ends_the_reminder(shared: Shared) -> None:
    _set_review(shared, -3)

    _follow_up(shared, taken=0, next_review=60)

    assert _reminders(shared) == []


def test_the_meeting_that_set_a_near_review_is_not_that_review(shared: Shared) -> None:
    """A follow-up that agreed to meet again in five days is reminded of that meeting."""
    _follow_up(shared, taken=0, next_review=5)

    [item] = _reminders(shared)

    assert (item["kind"], item["due"]) == (SOON, _day(5))


def test_a_new_plan_version_on_or_after_the_date_holds_the_review(shared: Shared) -> None:
    _set_review(shared, -2)

    shared.submit_plan()  # version 2, on a day after the review

    assert _reminders(shared) == []


def test_a_new_plan_version_before_the_date_keeps_the_reminder(shared: Shared) -> None:
    """Revised three days before the review and the date kept: the review is still to come."""
    _set_review(shared, 3)

    shared.submit_plan()

    assert [i["kind"] for i in _reminders(shared)] == [SOON]


def test_only_the_plan_lead_is_reminded(
    shared: Shared, session: Session, settings: Settings
) -> None:
    colleague = make_user(session, units=[shared.unit_a])
    colleague_headers = auth_headers(session, colleague, settings)
    session.commit()
    _set_review(shared, 2)

    assert [i["kind"] for i in _reminders(shared)] == [SOON]
    assert _reminders(shared, colleague_headers) == []
    assert _reminders(shared, shared.reviewer_headers) == []


def test_a_closed_family_is_not_reminded(shared: Shared) -> None:
    _set_review(shared, -3)
    family = shared.client.get(f"{API}/families/{shared.family_id}", headers=shared.headers)
    closed = shared.client.patch(
        f"{API}/families/{shared.family_id}",
        json={"status": "closed"},
        headers={**shared.headers, "If-Match": family.headers["etag"]},
    )
    assert closed.status_code == 200, closed.text

    assert _reminders(shared) == []


def test_the_inbox_page_says_it_in_bokmal_and_the_home_page_counts_it(
    shared: Shared, signed_in: SignedIn
) -> None:
    _set_review(shared, 3)
    browser = signed_in(shared.lead, language="nb")

    inbox = page(browser.get("/inbox"))

    group = inbox.one('section[aria-labelledby="inbox-review_due_soon"]')
    assert group.one("h2").text == "Oppfølginger innen en uke (1)"
    [item] = group.all("li.inbox-item")
    assert item.one(".card-title").text == "Familien Haddad"
    assert item.one(".inbox-text").text.startswith("Oppfølging om 3 dager: neste gjennomgang")
    assert item.one("a")["href"] == f"/families/{shared.family_id}"
    home = page(browser.get("/"))
    assert home.one(".inbox-summary").text == "1 ny i innboksen din"

    _set_review(shared, -1)
    overdue = page(browser.get("/inbox")).one('section[aria-labelledby="inbox-review_overdue"]')
    assert overdue.one("h2").text == "Forfalte oppfølginger (1)"
    assert overdue.one(".inbox-text").text.startswith("Oppfølgingen er forfalt:")


def _family_due_soon(shared: Shared, client: TestClient, name: str) -> None:
    body = {
        "display_name": name,
        "municipality_code": "3107",
        "language": "nb",
        "household": {"adults": 1, "children_birth_years": [], "single_parent": False},
    }
    family = created(client, "/families", shared.headers, body)
    canvas = created(
        client, f"/families/{family['id']}/canvases", shared.headers, {"template_key": "familie"}
    )
    fill_canvas(client, shared.headers, canvas)
    _set_review(shared, 2, canvas["id"])


def test_the_reminders_cost_the_same_few_questions_for_many_families(
    shared: Shared, client: TestClient, statements: list[str]
) -> None:
    _set_review(shared, 2)
    statements.clear()
    assert len(_reminders(shared)) == 1
    with_one = [s for s in statements if s != "INSERT"]

    for name in ("Familien To", "Familien Tre", "Familien Fire"):
        _family_due_soon(shared, client, name)
    statements.clear()
    assert len(_reminders(shared)) == 4
    with_four = [s for s in statements if s != "INSERT"]

    assert len(with_four) == len(with_one)

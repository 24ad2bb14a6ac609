"""The review flow in the browser (issue 4, point 2): the review queue, the review page with the
unit's own actions and referrals, the plan page for the plan lead (reviews, the family's
approval, what changed, closing), the diff page and the close page.

The world's family is made to read English, and so is the signed-in worker, so the pages'
words here are the English source texts.
"""

from __future__ import annotations

from typing import TypeVar

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import Base
from app.models import Action, Family, Plan, PlanReview, Referral
from app.models.enums import (
    ActionStatus,
    FamilyStatus,
    Language,
    PlanStatus,
    ReferralStatus,
    ReviewStatus,
)
from tests.factories import World, build_world
from tests.html import page
from tests.pages import PageClient, SignedIn

API = "/api/v1"
M = TypeVar("M", bound=Base)


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    """The world, its family reading English."""
    world = build_world(session, settings)
    world.family.language = Language.en
    session.commit()
    return world


def fresh(session: Session, model: type[M], record_id: object) -> M:
    record = session.get(model, record_id)
    assert record is not None
    session.refresh(record)
    return record


def review_of(session: Session, world: World) -> PlanReview:
    review = session.scalars(select(PlanReview).where(PlanReview.plan_id == world.plan.id)).one()
    session.refresh(review)
    return review


def review_page(world: World) -> str:
    return f"/plans/{world.plan.id}/review"


def action_status_url(world: World) -> str:
    return f"{review_page(world)}/actions/{world.action.id}/status"


def referral_status_url(world: World) -> str:
    return f"{review_page(world)}/referrals/{world.referral.id}/status"


def post_action_status(browser: PageClient, world: World, data: dict[str, str]) -> httpx2.Response:
    """The status form of the world's action on the review page, filled in and sent."""
    return browser.submit(review_page(world), action_status_url(world), data)


def post_referral_status(
    browser: PageClient, world: World, data: dict[str, str]
) -> httpx2.Response:
    """The status form of the world's referral on the review page, filled in and sent."""
    return browser.submit(review_page(world), referral_status_url(world), data)


def review_through_api(client: TestClient, world: World, decision: dict[str, str]) -> None:
    """The consented unit answers the review through the API."""
    answered = client.post(
        f"{API}/plans/{world.plan.id}/reviews", json=decision, headers=world.headers["consented"]
    )
    assert answered.status_code == 200


# --- the review queue -----------------------------------------------------------------------


def test_the_review_queue_lists_the_plan_waiting_for_the_reviewers_unit(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.consented, language="en")

    response = browser.get("/review-queue")

    assert response.status_code == 200
    queue = page(response).one('[data-testid="review-queue"]')
    assert "Familien Test: plan 1" in queue.text
    assert "For Barnevern Test" in queue.text
    assert "Waiting" in queue.text
    assert "1 action for your unit" in queue.text
    assert queue.has(f'a[href="/plans/{world.plan.id}/review"]')


def test_an_empty_review_queue_says_so(signed_in: SignedIn, world: World) -> None:
    browser = signed_in(world.lead, language="en")

    response = browser.get("/review-queue")

    assert response.status_code == 200
    empty = page(response).one('[data-testid="review-queue-empty"]')
    assert "No plans wait for your units right now." in empty.text
    assert "Familien Test" not in response.text


def test_coordinators_have_no_review_queue(signed_in: SignedIn, world: World) -> None:
    browser = signed_in(world.coordinator, language="en")

    assert browser.get("/review-queue").status_code == 403


# --- the review page --------------------------------------------------------------------------


def test_the_review_page_shows_the_plan_and_marks_the_units_own_action(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.consented, language="en")

    response = browser.get(review_page(world))

    assert response.status_code == 200
    shown = page(response)
    assert "Review plan 1" in shown.text
    assert "What matters to us" in shown.text  # the plan itself, read-only
    # The unit's action, in the plan with a label (not colour alone) and in "your unit's part".
    own = shown.one(".plan-action-own")
    assert "Your unit" in own.text
    assert "Barnevernet tilbyr foreldreveiledning." in own.text
    part = shown.one('section[aria-labelledby="review-own-heading"]')
    assert part.has(f'form[action="{action_status_url(world)}"]')
    assert part.has(f'form[action="{referral_status_url(world)}"]')
    assert "Does your unit approve the plan?" in shown.text
    answer = shown.form(f"/plans/{world.plan.id}/reviews")
    assert answer.hidden_fields()["unit_id"] == str(world.unit_b.id)


def test_approving_on_the_review_page_stores_the_decision(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.consented, language="en")
    on = review_page(world)

    response = browser.submit(
        on, f"/plans/{world.plan.id}/reviews", {"decision": "approved", "comment": ""}
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"{on}?saved=review"
    review = review_of(session, world)
    assert (review.status, review.reviewer_id) == (ReviewStatus.approved, world.consented.id)
    shown = page(browser.get(response.headers["location"]))
    assert "Your unit's answer is saved." in shown.text
    answers = shown.one('[data-testid="plan-reviews"]')
    assert "Approved" in answers.text
    assert "Decided by Berit B" in answers.text


def test_asking_for_changes_without_a_comment_shows_the_form_again(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.consented, language="en")

    response = browser.submit(
        review_page(world),
        f"/plans/{world.plan.id}/reviews",
        {"decision": "changes_requested", "comment": " "},
    )

    assert response.status_code == 422
    assert page(response).field_error("comment") == "Write what should change in the plan."
    assert review_of(session, world).status is ReviewStatus.pending


def test_the_plan_lead_side_finds_no_review_form(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    response = browser.get(review_page(world))
    assert response.status_code == 200
    assert "Nobody approves their own plan" in response.text
    assert "Does your unit approve the plan?" not in response.text
    assert not page(response).has(f'form[action="/plans/{world.plan.id}/reviews"]')

    refused = browser.post_form(f"/plans/{world.plan.id}/reviews", {"decision": "approved"})
    assert refused.status_code == 403
    assert review_of(session, world).status is ReviewStatus.pending


@pytest.mark.parametrize("persona", ["other_unit", "withdrawn"])
def test_other_units_find_no_review_page(signed_in: SignedIn, world: World, persona: str) -> None:
    browser = signed_in(getattr(world, persona), language="en")

    for path in (
        f"/plans/{world.plan.id}/review",
        f"/plans/{world.plan.id}/diff?against=1",
        f"/plans/{world.plan.id}/close",
    ):
        assert browser.get(path).status_code == 404, path
    assert "Familien Test" not in browser.get("/review-queue").text


# --- the unit's own actions and referrals -----------------------------------------------------


def test_the_reviewer_starts_its_action_and_lands_on_the_review_page(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.consented, language="en")

    response = post_action_status(browser, world, {"status": "in_progress"})

    assert response.status_code == 303
    assert response.headers["location"] == (
        f"{review_page(world)}?saved=status#action-{world.action.id}"
    )
    assert fresh(session, Action, world.action.id).status is ActionStatus.in_progress
    assert "Status now: Under way" in page(browser.get(response.headers["location"])).text


def test_cancelling_an_action_needs_a_reason(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.consented, language="en")

    response = post_action_status(browser, world, {"status": "cancelled", "reason": ""})

    assert response.status_code == 422
    form = page(response).form(action_status_url(world))
    assert form.field_error("reason") == "Write why the action is cancelled."
    assert form.one("[name=reason]")["aria-describedby"] == f"action-{world.action.id}-reason-error"
    assert fresh(session, Action, world.action.id).status is ActionStatus.planned


def test_the_providing_unit_declines_a_referral_only_with_a_reason(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.consented, language="en")

    bare = post_referral_status(browser, world, {"status": "declined"})
    assert bare.status_code == 422
    reason = page(bare).form(referral_status_url(world)).field_error("reason")
    assert reason == "Write why the referral is declined."
    assert fresh(session, Referral, world.referral.id).status is ReferralStatus.sent

    declined = post_referral_status(
        browser, world, {"status": "declined", "reason": "Familien bor utenfor vårt område."}
    )
    assert declined.status_code == 303
    assert declined.headers["location"].endswith(f"#referral-{world.referral.id}")
    referral = fresh(session, Referral, world.referral.id)
    assert (referral.status, referral.reason) == (
        ReferralStatus.declined,
        "Familien bor utenfor vårt område.",
    )


def test_a_unit_cannot_report_on_another_units_action(
    client: TestClient, signed_in: SignedIn, session: Session, world: World
) -> None:
    consent = client.post(
        f"{API}/families/{world.family.id}/consents",
        json={"unit_id": str(world.unit_c.id), "given_by": "Mor"},
        headers=world.headers["lead"],
    )
    assert consent.status_code == 201
    # Unit C may read the plan, but the action is unit B's.
    browser = signed_in(world.other_unit, language="en")
    shown = browser.get(review_page(world))
    assert shown.status_code == 200
    assert not page(shown).has(f'form[action="{action_status_url(world)}"]')

    response = browser.post_form(
        action_status_url(world), {"status": "done", "version": str(world.action.version)}
    )

    assert response.status_code == 403
    assert fresh(session, Action, world.action.id).status is ActionStatus.planned


# --- the plan page for the plan lead ----------------------------------------------------------


def test_the_plan_lead_sees_each_units_answer_with_comment_and_who(
    client: TestClient, signed_in: SignedIn, world: World
) -> None:
    review_through_api(
        client, world, {"decision": "changes_requested", "comment": "Vi trenger en senere frist."}
    )
    browser = signed_in(world.lead, language="en")

    shown = page(browser.get(f"/plans/{world.plan.id}"))

    reviews = shown.one('[data-testid="plan-reviews"]')
    assert "Barnevern Test" in reviews.text
    assert "Asks for changes" in reviews.text
    assert "Vi trenger en senere frist." in reviews.text
    assert "Decided by Berit B" in reviews.text
    assert "In review" in shown.text
    assert "Record the family's approval" in shown.text
    assert shown.has(f'a[href="/plans/{world.plan.id}/close"]')
    assert "What changed since version" not in shown.text  # there is no earlier version


def test_recording_the_familys_approval_on_the_plan_page(
    client: TestClient, signed_in: SignedIn, session: Session, world: World
) -> None:
    review_through_api(client, world, {"decision": "approved"})
    browser = signed_in(world.lead, language="en")
    on = f"/plans/{world.plan.id}"

    empty = browser.submit(on, f"{on}/family-approval", {"approved_by": ""})
    assert empty.status_code == 422
    assert page(empty).field_error("approved_by") == (
        "Write the name of the family member who approved the plan."
    )

    response = browser.submit(on, f"{on}/family-approval", {"approved_by": "Amina"})

    assert response.status_code == 303
    assert response.headers["location"] == f"{on}?saved=family_approval"
    plan = fresh(session, Plan, world.plan.id)
    assert (plan.status, plan.family_approved_by) == (PlanStatus.active, "Amina")
    assert plan.family_approval_recorded_by_id == world.lead.id
    shown = page(browser.get(response.headers["location"])).text
    assert "The family's approval is recorded." in shown
    assert "Active" in shown
    assert "Record the family's approval" not in shown


def test_a_consented_unit_may_not_record_the_familys_approval(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.consented, language="en")
    on = f"/plans/{world.plan.id}"
    assert "Record the family's approval" not in browser.get(on).text

    response = browser.post_form(f"{on}/family-approval", {"approved_by": "Amina"})

    assert response.status_code == 403
    assert fresh(session, Plan, world.plan.id).family_approved_by is None


def test_version_two_links_to_what_changed_and_the_diff_page_says_it_plainly(
    client: TestClient, signed_in: SignedIn, world: World
) -> None:
    lead = world.headers["lead"]
    added = client.post(
        f"{API}/canvases/{world.canvas.id}/goals",
        json={"horizon": "long", "text": "Egen bolig med hage."},
        headers=lead,
    )
    assert added.status_code == 201
    plan_2 = client.post(f"{API}/canvases/{world.canvas.id}/plans", headers=lead).json()
    browser = signed_in(world.lead, language="en")

    plan_page = page(browser.get(f"/plans/{plan_2['id']}"))
    link = plan_page.one(f'a[href="/plans/{plan_2["id"]}/diff?against=1"]')
    assert "What changed since version 1" in link.text

    diff = browser.get(f"/plans/{plan_2['id']}/diff?against=1")

    assert diff.status_code == 200
    assert "What changed in plan 2" in page(diff).text
    added_goal = page(diff).by_text(".diff-added", "Egen bolig med hage.")
    assert added_goal.one(".diff-tag").text == "Added"
    assert browser.get(f"/plans/{plan_2['id']}/diff?against=9").status_code == 404
    assert browser.get(f"/plans/{plan_2['id']}/diff?against=one").status_code == 422


def test_a_diff_against_the_same_version_says_nothing_changed(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.consented, language="en")

    response = browser.get(f"/plans/{world.plan.id}/diff?against=1")

    assert response.status_code == 200
    unchanged = page(response).one('[data-testid="diff-unchanged"]')
    assert unchanged.text == "Nothing changed between the two versions."


# --- closing the plan -------------------------------------------------------------------------


def test_closing_the_plan_with_an_outcome_in_plain_words(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    close = f"/plans/{world.plan.id}/close"

    form = browser.get(close)
    assert form.status_code == 200
    outcomes = page(form).form(close)
    assert "The family reached some of its goals" in outcomes.text
    assert outcomes.has('input[name=outcome][value="partly_reached"]')

    missing = browser.submit(close, close, {"note": "Kort om det."})
    assert missing.status_code == 422
    assert page(missing).field_error("outcome") == "Choose how the follow-up ended."
    assert page(missing).value("note") == "Kort om det."  # what was written is kept
    assert fresh(session, Plan, world.plan.id).status is PlanStatus.in_review

    response = browser.submit(close, close, {"outcome": "partly_reached", "note": "Kort om det."})

    assert response.status_code == 303
    assert response.headers["location"] == f"/plans/{world.plan.id}?saved=closed"
    plan = fresh(session, Plan, world.plan.id)
    assert (plan.status, plan.outcome, plan.outcome_note) == (
        PlanStatus.closed,
        "partly_reached",
        "Kort om det.",
    )
    assert fresh(session, Family, world.family.id).status is FamilyStatus.closed
    shown = page(browser.get(response.headers["location"])).text
    assert "The family reached some of its goals" in shown
    assert "Close the plan" not in shown


def test_a_consented_unit_may_not_close_the_plan(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.consented, language="en")

    assert browser.get(f"/plans/{world.plan.id}/close").status_code == 403
    refused = browser.post_form(f"/plans/{world.plan.id}/close", {"outcome": "goals_reached"})
    assert refused.status_code == 403
    assert fresh(session, Plan, world.plan.id).status is PlanStatus.in_review

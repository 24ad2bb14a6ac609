"""The review flow in the browser (issue 4, point 2): the review queue, the review page with the
unit's own actions and referrals, the plan page for the plan lead (reviews, the family's
approval, what changed, closing), the diff page and the close page.

The world's family is made to read English, and so is the signed-in worker, so the pages'
words here are the English source texts.
"""

from __future__ import annotations

import html
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
from tests.accounts.test_pages import csrf_from, sign_in
from tests.factories import World, build_world

API = "/api/v1"
M = TypeVar("M", bound=Base)


def english_world(session: Session, settings: Settings) -> World:
    world = build_world(session, settings)
    world.family.language = Language.en
    session.commit()
    return world


def sign_in_as(client: TestClient, world: World, persona: str) -> None:
    client.headers["Accept-Language"] = "en"
    sign_in(client, getattr(world, persona).username)


def signed_in(client: TestClient, session: Session, settings: Settings, persona: str) -> World:
    """The English world, with ``persona`` signed in to the browser."""
    world = english_world(session, settings)
    sign_in_as(client, world, persona)
    return world


def post_form(client: TestClient, page: str, action: str, data: dict[str, str]) -> httpx2.Response:
    """Open ``page``, then send a form to ``action`` with the page's CSRF token."""
    token = csrf_from(client.get(page).text)
    return client.post(action, data={"csrftoken": token, **data}, follow_redirects=False)


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


def post_action_status(client: TestClient, world: World, data: dict[str, str]) -> httpx2.Response:
    """Send the status form of the world's action from the review page, at its version."""
    page = review_page(world)
    url = f"{page}/actions/{world.action.id}/status"
    return post_form(client, page, url, {"version": str(world.action.version), **data})


def post_referral_status(client: TestClient, world: World, data: dict[str, str]) -> httpx2.Response:
    """Send the status form of the world's referral from the review page, at its version."""
    page = review_page(world)
    url = f"{page}/referrals/{world.referral.id}/status"
    return post_form(client, page, url, {"version": str(world.referral.version), **data})


def review_through_api(client: TestClient, world: World, decision: dict[str, str]) -> None:
    """The consented unit answers the review through the API."""
    answered = client.post(
        f"{API}/plans/{world.plan.id}/reviews", json=decision, headers=world.headers["consented"]
    )
    assert answered.status_code == 200


def text_of(response: httpx2.Response) -> str:
    return html.unescape(response.text)


# --- the review queue -----------------------------------------------------------------------


def test_the_review_queue_lists_the_plan_waiting_for_the_reviewers_unit(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = signed_in(client, session, settings, "consented")

    page = client.get("/review-queue")

    assert page.status_code == 200
    queue = text_of(page).split('data-testid="review-queue"')[1].split("</ul>")[0]
    assert "Familien Test: plan 1" in queue
    assert "For Barnevern Test" in queue
    assert "Waiting" in queue
    assert "1 action for your unit" in queue
    assert f'href="/plans/{world.plan.id}/review"' in queue


def test_an_empty_review_queue_says_so(
    client: TestClient, session: Session, settings: Settings
) -> None:
    signed_in(client, session, settings, "lead")

    page = client.get("/review-queue")

    assert page.status_code == 200
    assert 'data-testid="review-queue-empty"' in page.text
    assert "No plans wait for your units right now." in page.text
    assert "Familien Test" not in page.text


def test_coordinators_have_no_review_queue(
    client: TestClient, session: Session, settings: Settings
) -> None:
    signed_in(client, session, settings, "coordinator")

    assert client.get("/review-queue").status_code == 403


# --- the review page --------------------------------------------------------------------------


def test_the_review_page_shows_the_plan_and_marks_the_units_own_action(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = signed_in(client, session, settings, "consented")

    page = client.get(review_page(world))

    assert page.status_code == 200
    text = text_of(page)
    assert "Review plan 1" in text
    assert "What matters to us" in text  # the plan itself, read-only
    # The unit's action, in the plan with a label (not colour alone) and in "your unit's part".
    own = text.split('class="plan-action plan-action-own"')[1].split("</li>")[0]
    assert "Your unit" in own
    assert "Barnevernet tilbyr foreldreveiledning." in own
    part = text.split('id="review-own-heading"')[1].split("</section>")[0]
    assert f'action="/plans/{world.plan.id}/review/actions/{world.action.id}/status"' in part
    assert f'action="/plans/{world.plan.id}/review/referrals/{world.referral.id}/status"' in part
    assert "Does your unit approve the plan?" in text
    assert f'name="unit_id" value="{world.unit_b.id}"' in text


def test_approving_on_the_review_page_stores_the_decision(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = signed_in(client, session, settings, "consented")
    page = review_page(world)

    response = post_form(
        client, page, f"/plans/{world.plan.id}/reviews", {"decision": "approved", "comment": ""}
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"{page}?saved=review"
    review = review_of(session, world)
    assert (review.status, review.reviewer_id) == (ReviewStatus.approved, world.consented.id)
    shown = text_of(client.get(response.headers["location"]))
    assert "Your unit's answer is saved." in shown
    answers = shown.split('data-testid="plan-reviews"')[1].split("</ul>")[0]
    assert "Approved" in answers
    assert "Decided by Berit B" in answers


def test_asking_for_changes_without_a_comment_shows_the_form_again(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = signed_in(client, session, settings, "consented")

    response = post_form(
        client,
        f"/plans/{world.plan.id}/review",
        f"/plans/{world.plan.id}/reviews",
        {"decision": "changes_requested", "comment": " "},
    )

    assert response.status_code == 422
    assert 'aria-describedby="comment-error"' in response.text
    assert "Write what should change in the plan." in response.text
    assert review_of(session, world).status is ReviewStatus.pending


def test_the_plan_lead_side_finds_no_review_form(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = signed_in(client, session, settings, "lead")

    page = client.get(review_page(world))
    assert page.status_code == 200
    assert "Nobody approves their own plan" in page.text
    assert "Does your unit approve the plan?" not in page.text

    refused = post_form(
        client,
        f"/plans/{world.plan.id}",
        f"/plans/{world.plan.id}/reviews",
        {"decision": "approved"},
    )
    assert refused.status_code == 403
    assert review_of(session, world).status is ReviewStatus.pending


@pytest.mark.parametrize("persona", ["other_unit", "withdrawn"])
def test_other_units_find_no_review_page(
    client: TestClient, session: Session, settings: Settings, persona: str
) -> None:
    world = signed_in(client, session, settings, persona)

    for path in (
        f"/plans/{world.plan.id}/review",
        f"/plans/{world.plan.id}/diff?against=1",
        f"/plans/{world.plan.id}/close",
    ):
        assert client.get(path).status_code == 404, path
    assert "Familien Test" not in client.get("/review-queue").text


# --- the unit's own actions and referrals -----------------------------------------------------


def test_the_reviewer_starts_its_action_and_lands_on_the_review_page(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = signed_in(client, session, settings, "consented")
    page = review_page(world)

    response = post_action_status(client, world, {"status": "in_progress"})

    assert response.status_code == 303
    assert response.headers["location"] == f"{page}?saved=status#action-{world.action.id}"
    assert fresh(session, Action, world.action.id).status is ActionStatus.in_progress
    assert "Status now: Under way" in text_of(client.get(response.headers["location"]))


def test_cancelling_an_action_needs_a_reason(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = signed_in(client, session, settings, "consented")

    response = post_action_status(client, world, {"status": "cancelled", "reason": ""})

    assert response.status_code == 422
    assert "Write why the action is cancelled." in response.text
    assert f'aria-describedby="action-{world.action.id}-reason-error"' in response.text
    assert fresh(session, Action, world.action.id).status is ActionStatus.planned


def test_the_providing_unit_declines_a_referral_only_with_a_reason(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = signed_in(client, session, settings, "consented")

    bare = post_referral_status(client, world, {"status": "declined"})
    assert bare.status_code == 422
    assert "Write why the referral is declined." in bare.text
    assert fresh(session, Referral, world.referral.id).status is ReferralStatus.sent

    declined = post_referral_status(
        client, world, {"status": "declined", "reason": "Familien bor utenfor vårt område."}
    )
    assert declined.status_code == 303
    assert declined.headers["location"].endswith(f"#referral-{world.referral.id}")
    referral = fresh(session, Referral, world.referral.id)
    assert (referral.status, referral.reason) == (
        ReferralStatus.declined,
        "Familien bor utenfor vårt område.",
    )


def test_a_unit_cannot_report_on_another_units_action(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = english_world(session, settings)
    consent = client.post(
        f"{API}/families/{world.family.id}/consents",
        json={"unit_id": str(world.unit_c.id), "given_by": "Mor"},
        headers=world.headers["lead"],
    )
    assert consent.status_code == 201
    sign_in_as(client, world, "other_unit")  # unit C may read, but the action is unit B's

    response = post_action_status(client, world, {"status": "done"})

    assert response.status_code == 403
    assert fresh(session, Action, world.action.id).status is ActionStatus.planned


# --- the plan page for the plan lead ----------------------------------------------------------


def test_the_plan_lead_sees_each_units_answer_with_comment_and_who(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = english_world(session, settings)
    review_through_api(
        client, world, {"decision": "changes_requested", "comment": "Vi trenger en senere frist."}
    )
    sign_in_as(client, world, "lead")

    page = text_of(client.get(f"/plans/{world.plan.id}"))

    reviews = page.split('data-testid="plan-reviews"')[1].split("</ul>")[0]
    assert "Barnevern Test" in reviews
    assert "Asks for changes" in reviews
    assert "Vi trenger en senere frist." in reviews
    assert "Decided by Berit B" in reviews
    assert "In review" in page
    assert "Record the family's approval" in page
    assert f'href="/plans/{world.plan.id}/close"' in page
    assert "What changed since version" not in page  # there is no earlier version


def test_recording_the_familys_approval_on_the_plan_page(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = english_world(session, settings)
    review_through_api(client, world, {"decision": "approved"})
    sign_in_as(client, world, "lead")
    page = f"/plans/{world.plan.id}"

    empty = post_form(client, page, f"{page}/family-approval", {"approved_by": ""})
    assert empty.status_code == 422
    assert 'aria-describedby="approved_by-error"' in empty.text
    assert "Write the name of the family member who approved the plan." in empty.text

    response = post_form(client, page, f"{page}/family-approval", {"approved_by": "Amina"})

    assert response.status_code == 303
    assert response.headers["location"] == f"{page}?saved=family_approval"
    plan = fresh(session, Plan, world.plan.id)
    assert (plan.status, plan.family_approved_by) == (PlanStatus.active, "Amina")
    assert plan.family_approval_recorded_by_id == world.lead.id
    shown = text_of(client.get(response.headers["location"]))
    assert "The family's approval is recorded." in shown
    assert "Active" in shown
    assert "Record the family's approval" not in shown


def test_a_consented_unit_may_not_record_the_familys_approval(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = signed_in(client, session, settings, "consented")
    page = f"/plans/{world.plan.id}"
    assert "Record the family's approval" not in client.get(page).text

    response = post_form(client, page, f"{page}/family-approval", {"approved_by": "Amina"})

    assert response.status_code == 403
    assert fresh(session, Plan, world.plan.id).family_approved_by is None


def test_version_two_links_to_what_changed_and_the_diff_page_says_it_plainly(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = english_world(session, settings)
    lead = world.headers["lead"]
    added = client.post(
        f"{API}/canvases/{world.canvas.id}/goals",
        json={"horizon": "long", "text": "Egen bolig med hage."},
        headers=lead,
    )
    assert added.status_code == 201
    plan_2 = client.post(f"{API}/canvases/{world.canvas.id}/plans", headers=lead).json()
    sign_in_as(client, world, "lead")

    plan_page = client.get(f"/plans/{plan_2['id']}").text
    link = f'href="/plans/{plan_2["id"]}/diff?against=1"'
    assert link in plan_page
    assert "What changed since version 1" in plan_page

    diff = client.get(f"/plans/{plan_2['id']}/diff?against=1")

    assert diff.status_code == 200
    text = text_of(diff)
    assert "What changed in plan 2" in text
    added_goal = text.split('class="diff-added"')[1].split("</li>")[0]
    assert "Added" in added_goal
    assert "Egen bolig med hage." in added_goal
    assert client.get(f"/plans/{plan_2['id']}/diff?against=9").status_code == 404
    assert client.get(f"/plans/{plan_2['id']}/diff?against=one").status_code == 422


def test_a_diff_against_the_same_version_says_nothing_changed(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = signed_in(client, session, settings, "consented")

    page = client.get(f"/plans/{world.plan.id}/diff?against=1")

    assert page.status_code == 200
    assert "Nothing changed between the two versions." in page.text


# --- closing the plan -------------------------------------------------------------------------


def test_closing_the_plan_with_an_outcome_in_plain_words(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = signed_in(client, session, settings, "lead")
    page = f"/plans/{world.plan.id}/close"

    form = client.get(page)
    assert form.status_code == 200
    assert "The family reached some of its goals" in text_of(form)
    assert 'value="partly_reached"' in form.text

    missing = post_form(client, page, page, {"note": "Kort om det."})
    assert missing.status_code == 422
    assert "Choose how the follow-up ended." in missing.text
    assert "Kort om det." in missing.text  # what was written is kept
    assert fresh(session, Plan, world.plan.id).status is PlanStatus.in_review

    response = post_form(client, page, page, {"outcome": "partly_reached", "note": "Kort om det."})

    assert response.status_code == 303
    assert response.headers["location"] == f"/plans/{world.plan.id}?saved=closed"
    plan = fresh(session, Plan, world.plan.id)
    assert (plan.status, plan.outcome, plan.outcome_note) == (
        PlanStatus.closed,
        "partly_reached",
        "Kort om det.",
    )
    assert fresh(session, Family, world.family.id).status is FamilyStatus.closed
    shown = text_of(client.get(response.headers["location"]))
    assert "The family reached some of its goals" in shown
    assert "Close the plan" not in shown


def test_a_consented_unit_may_not_close_the_plan(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = signed_in(client, session, settings, "consented")

    assert client.get(f"/plans/{world.plan.id}/close").status_code == 403
    refused = post_form(
        client,
        f"/plans/{world.plan.id}",
        f"/plans/{world.plan.id}/close",
        {"outcome": "goals_reached"},
    )
    assert refused.status_code == 403
    assert fresh(session, Plan, world.plan.id).status is PlanStatus.in_review

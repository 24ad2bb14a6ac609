"""Page forms sent by static/app.js (issue 13): a form sent again after its answer was lost is
stored once, and the script can read every answer (a redirect, the sign-in page, a stale CSRF
token) without following it.

The script sends each page form with fetch, a ``Duk-Fetch: form`` header and an
``Idempotency-Key``; when the network or the session drops it sends the same form again under
the same key. Every POST page honours that key (app/web/deps.py), whatever room it is in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx2
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Goal, IdempotentRequest
from app.web.idempotency import page_fingerprint
from tests.factories import World, build_world
from tests.pages import PageClient, SignedIn

GOAL: dict[str, str | Sequence[str]] = {
    "horizon": "short",
    "text": "Vi vil ha faste leggetider.",
    "domains": ["bolig"],
}
FETCH = {"Duk-Fetch": "form"}


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


@pytest.fixture
def lead(signed_in: SignedIn, world: World) -> PageClient:
    return signed_in(world.lead, language="en")


def goals_url(world: World) -> str:
    return f"/canvases/{world.canvas.id}/goals"


def goals(session: Session, world: World) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Goal.text).where(Goal.canvas_id == world.canvas.id)))


def kept_answers(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(IdempotentRequest)) or 0


def send_goal(
    browser: PageClient,
    world: World,
    key: str | None,
    data: Mapping[str, str | Sequence[str]] = GOAL,
) -> httpx2.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return browser.post_form(goals_url(world), data, headers=headers)


# --- the same form twice under one key ----------------------------------------------------------


def test_a_goal_sent_again_under_its_key_is_stored_once(
    lead: PageClient, world: World, session: Session
) -> None:
    before = goals(session, world)

    first = send_goal(lead, world, "form-1")
    again = send_goal(lead, world, "form-1")

    assert first.status_code == 303, first.text
    assert again.status_code == 303, again.text
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert goals(session, world) == [*before, GOAL["text"]]


def test_without_a_key_a_page_form_is_answered_as_before(
    lead: PageClient, world: World, session: Session
) -> None:
    before = goals(session, world)

    assert send_goal(lead, world, None).status_code == 303
    assert send_goal(lead, world, None).status_code == 303

    assert goals(session, world) == [*before, GOAL["text"], GOAL["text"]]
    assert kept_answers(session) == 0


def test_the_key_stands_for_what_the_form_asks_not_for_its_csrf_token(
    lead: PageClient, world: World, session: Session
) -> None:
    """Signed in anew while the form waited, the script sends it with a fresh CSRF token: it
    is the same form, and it is not stored twice."""
    before = goals(session, world)
    assert send_goal(lead, world, "form-2").status_code == 303
    lead.http.cookies.delete("csrftoken")  # a new token, as after a new sign-in

    again = send_goal(lead, world, "form-2")

    assert again.status_code == 303, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert goals(session, world) == [*before, GOAL["text"]]


def test_a_key_used_for_another_form_is_refused_and_stores_nothing(
    lead: PageClient, world: World, session: Session
) -> None:
    before = goals(session, world)
    assert send_goal(lead, world, "form-3").status_code == 303

    other = send_goal(lead, world, "form-3", {**GOAL, "text": "Noe annet."})

    assert other.status_code == 422
    assert goals(session, world) == [*before, GOAL["text"]]


def test_keys_belong_to_their_user(
    lead: PageClient, signed_in: SignedIn, world: World, session: Session
) -> None:
    colleague = signed_in(world.same_unit, language="en")
    before = goals(session, world)

    assert send_goal(lead, world, "form-4").status_code == 303
    theirs = send_goal(colleague, world, "form-4")

    assert theirs.status_code == 303
    assert "idempotent-replayed" not in theirs.headers
    assert goals(session, world) == [*before, GOAL["text"], GOAL["text"]]


def test_a_refused_form_is_not_kept_so_its_correction_is_looked_at_anew(
    lead: PageClient, world: World, session: Session
) -> None:
    empty = {"horizon": "short", "text": ""}

    assert send_goal(lead, world, "form-5", empty).status_code == 422
    assert send_goal(lead, world, "form-5", empty).status_code == 422

    assert kept_answers(session) == 0


def test_a_malformed_key_is_a_bad_request(lead: PageClient, world: World, session: Session) -> None:
    before = goals(session, world)

    answer = send_goal(lead, world, "not a key/")

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert goals(session, world) == before


def test_the_fingerprint_leaves_out_only_the_csrf_token() -> None:
    form = [("csrftoken", "a"), ("text", "x"), ("domains", "bolig"), ("domains", "helse")]
    same = [("csrftoken", "b"), ("text", "x"), ("domains", "bolig"), ("domains", "helse")]
    reordered = [("csrftoken", "a"), ("text", "x"), ("domains", "helse"), ("domains", "bolig")]

    assert page_fingerprint("POST", "/p", form) == page_fingerprint("POST", "/p", same)
    assert page_fingerprint("POST", "/p", form) != page_fingerprint("POST", "/p", reordered)
    assert page_fingerprint("POST", "/p", form) != page_fingerprint("POST", "/q", form)


# --- answers the script can read ----------------------------------------------------------------


def test_a_redirect_is_told_to_the_script_without_being_followed(
    lead: PageClient, world: World
) -> None:
    plain = send_goal(lead, world, None)
    fetched = lead.post_form(goals_url(world), GOAL, headers=FETCH)

    assert plain.status_code == 303
    assert fetched.status_code == 204
    assert fetched.content == b""
    assert "location" not in fetched.headers
    assert fetched.headers["duk-location"] == plain.headers["location"]
    assert fetched.headers["cache-control"] == "no-store"


def test_a_refused_form_is_the_page_with_its_messages_for_the_script_too(
    lead: PageClient, world: World
) -> None:
    answer = lead.post_form(goals_url(world), {"horizon": "short", "text": ""}, headers=FETCH)

    assert answer.status_code == 422
    assert "duk-location" not in answer.headers
    assert 'aria-invalid="true"' in answer.text


def test_an_ended_session_is_told_as_the_sign_in_page(
    lead: PageClient, world: World, session: Session
) -> None:
    before = goals(session, world)
    assert lead.post_form("/logout").status_code == 303

    answer = lead.post_form(goals_url(world), GOAL, headers={**FETCH, "Idempotency-Key": "k"})

    assert answer.status_code == 204
    assert answer.headers["duk-location"] == f"/login?next={goals_url(world)}"
    assert answer.headers["duk-problem"] == "signed-out"
    assert goals(session, world) == before
    token = lead.get("/form-token", headers=FETCH, follow_redirects=False)
    assert token.status_code == 204
    assert token.headers["duk-location"] == "/login?next=/form-token"


def test_a_form_that_leads_to_the_sign_in_page_is_not_a_signed_out_user(
    lead: PageClient,
) -> None:
    """The language menu on the sign-in page leads back to it: that is its answer, not the
    session ending."""
    answer = lead.post_form("/language", {"language": "nn", "next": "/login"}, headers=FETCH)

    assert answer.status_code == 204
    assert answer.headers["duk-location"] == "/login"
    assert "duk-problem" not in answer.headers
    assert answer.cookies.get("duk_lang") == "nn"


def test_a_stale_csrf_token_is_told_apart_from_a_refusal(lead: PageClient, world: World) -> None:
    answer = lead.http.post(goals_url(world), data={**GOAL, "csrftoken": "stale"}, headers=FETCH)

    assert answer.status_code == 403
    assert answer.headers["duk-problem"] == "csrf"


def test_a_fresh_csrf_token_for_a_signed_in_tab(lead: PageClient, world: World) -> None:
    token = lead.get("/form-token", headers=FETCH)

    assert token.status_code == 200
    assert token.json() == {"csrf_token": lead.csrf_token}
    sent = lead.http.post(
        goals_url(world), data={**GOAL, "csrftoken": token.json()["csrf_token"]}, headers=FETCH
    )
    assert sent.status_code == 204


# --- the kept answer and the family it was about ------------------------------------------------


def test_a_kept_answer_goes_with_the_family_when_it_is_erased(
    lead: PageClient, world: World, session: Session
) -> None:
    """The answer kept under a key points at the family's pages; erasing the family (itself a
    form sent under a key) erases it too."""
    assert send_goal(lead, world, "form-6").status_code == 303
    session.expire_all()
    kept = session.scalars(select(IdempotentRequest)).one()
    assert kept.family_id == world.family.id

    erased = lead.submit(
        f"/families/{world.family.id}/erase",
        f"/families/{world.family.id}/erase",
        {"reason": "family_request", "confirm": "yes"},
        headers={"Idempotency-Key": "erase-1"},
    )

    assert erased.status_code == 303, erased.text
    session.expire_all()
    left = session.scalars(select(IdempotentRequest)).all()
    assert [(a.key, a.family_id, a.location) for a in left] == [("erase-1", None, "/?done=erased")]

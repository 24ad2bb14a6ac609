"""The barrier register in the browser: a caseworker records a barrier from the canvas or the
plan; a coordinator approves or rejects each text."""

from __future__ import annotations

from datetime import timedelta

import httpx2
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.barriers import pages as barrier_pages
from app.config import Settings
from app.db import utcnow
from app.models import Barrier
from app.models.enums import BarrierCategory, BarrierStatus, ResponsibleLevel
from tests.factories import World, build_world
from tests.html import page
from tests.pages import PageClient, SignedIn

TEXT = "Bostøtteregelverket tar ikke hensyn til barn som bor hos begge foreldrene."


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def _barriers(session: Session) -> list[Barrier]:
    session.expire_all()
    return list(session.scalars(select(Barrier).order_by(Barrier.created_at)))


def _record(browser: PageClient, path: str, **fields: str) -> httpx2.Response:
    """The form on ``path`` filled in and sent (with the family it carries, if any)."""
    data = {
        "category": "regulation",
        "domain": "bolig",
        "responsible_level": "national",
        "text": TEXT,
        **fields,
    }
    return browser.submit(path, "/barriers", data)


def test_the_canvas_and_the_plan_link_to_the_form_with_the_family(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    link = f'a[href="/barriers?family={world.family.id}"]'

    assert page(browser.get(f"/canvases/{world.canvas.id}")).has(link)
    assert page(browser.get(f"/plans/{world.plan.id}")).has(link)
    form = page(browser.get(f"/barriers?family={world.family.id}"))
    assert form.one("#record-heading").text == "Record a barrier"
    assert form.one("#barrier-text-hint").text == (
        "Write for the system level, no names or numbers that identify anyone."
    )
    assert form.form("/barriers").hidden_fields()["family"] == str(world.family.id)


def test_a_caseworker_records_a_barrier_and_sees_it_waiting(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    response = _record(browser, f"/barriers?family={world.family.id}")

    assert response.status_code == 303
    stored = _barriers(session)
    assert [(b.text, b.status) for b in stored] == [(TEXT, BarrierStatus.pending)]
    shown = page(browser.get(response.headers["location"]))
    assert "The barrier is recorded." in shown.one('[role="status"]').text
    [mine] = shown.all('section[aria-labelledby="mine-heading"] .barrier-card')
    assert mine.one(".barrier-text").text == TEXT
    assert mine.one(".barrier-status").text == "Waiting for approval"


def test_personal_data_is_refused_and_the_text_stays_in_the_form(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    text = "Familien Test fikk avslag; ring 987 65 432."

    response = _record(browser, f"/barriers?family={world.family.id}", text=text)

    assert response.status_code == 422
    form = page(response).form("/barriers")
    assert "seems to hold a phone number" in form.field_error("text")
    assert "holds a name from the family" in form.field_error("text")
    assert form.invalid("text")
    assert form.value("text") == text
    assert form.hidden_fields()["family"] == str(world.family.id)
    assert _barriers(session) == []


def test_a_missing_choice_is_marked_next_to_its_group(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    response = _record(browser, "/barriers", category="", domain="hagearbeid")

    assert response.status_code == 422
    form = page(response).form("/barriers")
    assert form.field_error("category") == "Choose what kind of barrier this is."
    assert form.field_error("domain") == "Choose the part of life it concerns."
    assert form.value("text") == TEXT
    assert _barriers(session) == []


def test_a_family_outside_the_caseworkers_reach_is_404(signed_in: SignedIn, world: World) -> None:
    browser = signed_in(world.other_unit)

    assert browser.get(f"/barriers?family={world.family.id}").status_code == 404


def test_the_coordinator_approves_a_tidied_text_and_the_writer_sees_it(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    writer = signed_in(world.lead, language="en")
    _record(writer, "/barriers")
    barrier = _barriers(session)[0]
    coordinator = signed_in(world.coordinator, language="en")
    queue = page(coordinator.get("/barriers"))
    assert queue.one("#pending-heading").text == "Waiting for approval (1)"
    assert queue.form(f"/barriers/{barrier.id}/decision").value("text") == TEXT
    tidied = "Bostøtten tar ikke hensyn til delt bosted."

    response = coordinator.submit(
        "/barriers",
        f"/barriers/{barrier.id}/decision",
        {"decision": "approved", "text": tidied},
    )

    assert response.status_code == 303
    after = page(coordinator.get(response.headers["location"]))
    assert after.one('[role="status"]').text == "Approved: the text can now appear in reports."
    assert after.one("#pending-heading").text == "Waiting for approval (0)"
    approved = after.one('section[aria-labelledby="approved-heading"]')
    assert approved.texts(".barrier-text") == [tidied]
    stored = _barriers(session)[0]
    assert (stored.status, stored.text) == (BarrierStatus.approved, tidied)
    assert tidied in writer.get("/barriers").text


def test_rejecting_without_a_comment_is_refused(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    _record(signed_in(world.lead), "/barriers")
    barrier = _barriers(session)[0]
    coordinator = signed_in(world.coordinator, language="en")
    decision = f"/barriers/{barrier.id}/decision"

    refused = coordinator.submit("/barriers", decision, {"decision": "rejected", "comment": ""})
    rejected = coordinator.submit(
        "/barriers", decision, {"decision": "rejected", "comment": "Hvilken regel?"}
    )

    assert refused.status_code == 422
    assert "Say why the text is rejected" in page(refused).form(decision).field_error("comment")
    assert rejected.status_code == 303
    assert _barriers(session)[0].decision_comment == "Hvilken regel?"


@pytest.mark.parametrize("persona", ["consented", "admin"])
def test_reviewers_and_admins_have_no_barrier_page(
    signed_in: SignedIn, world: World, persona: str
) -> None:
    browser = signed_in(getattr(world, persona))

    assert browser.get("/barriers").status_code == 403


def _approved_barriers(session: Session, world: World, count: int) -> list[str]:
    """``count`` approved barriers, a day apart; their texts, newest first."""
    start = utcnow() - timedelta(days=count)
    texts = [f"Regel nummer {n} står i veien for familiene." for n in range(1, count + 1)]
    for n, text in enumerate(texts):
        session.add(
            Barrier(
                category=BarrierCategory.regulation,
                domain="bolig",
                responsible_level=ResponsibleLevel.national,
                text=text,
                status=BarrierStatus.approved,
                created_by_id=world.lead.id,
                created_at=start + timedelta(days=n),
                decided_by_id=world.coordinator.id,
                decided_at=start + timedelta(days=n, hours=1),
            )
        )
    session.commit()
    return texts[::-1]


def test_the_coordinator_pages_through_a_long_list_newest_first(
    signed_in: SignedIn, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(barrier_pages, "LIST_SIZE", 2)
    texts = _approved_barriers(session, world, 5)
    browser = signed_in(world.coordinator, language="en")

    approved = 'section[aria-labelledby="approved-heading"]'
    pages = [page(browser.get("/barriers")).one(approved)]
    while older := [a for a in pages[-1].all(".paging a") if a.text == "Show older ones"]:
        assert older[0]["href"].startswith("/barriers?approved_from=")
        pages.append(page(browser.get(older[0]["href"])).one(approved))

    assert len(pages) == 3
    assert pages[0].one("h2").text == "Approved barriers (5)"
    assert [section.texts(".barrier-text") for section in pages] == [
        texts[0:2],
        texts[2:4],
        texts[4:5],
    ]
    assert "Showing 1–2 of 5, newest first." in pages[0].text
    assert "Showing 5–5 of 5, newest first." in pages[2].text
    assert "Back to the newest" not in pages[0].text
    assert pages[2].by_text(".paging a", "Back to the newest")["href"] == (
        "/barriers?approved_from=0#approved-heading"
    )


def test_a_list_start_that_is_not_a_number_is_refused(signed_in: SignedIn, world: World) -> None:
    browser = signed_in(world.coordinator, language="en")

    assert browser.get("/barriers?approved_from=-1").status_code == 422
    assert browser.get("/barriers?pending_from=many").status_code == 422
    beyond = browser.get("/barriers?approved_from=1000")
    assert beyond.status_code == 200
    assert "Back to the newest" in beyond.text

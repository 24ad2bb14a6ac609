"""The barrier register in the browser: a caseworker records a barrier from the canvas or the
plan; a coordinator approves or rejects each text."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.barriers import pages as barrier_pages
from app.config import Settings
from app.db import utcnow
from app.models import Barrier
from app.models.enums import BarrierCategory, BarrierStatus, ResponsibleLevel
from tests.accounts.test_pages import csrf_from, sign_in
from tests.factories import World, build_world

TEXT = "Bostøtteregelverket tar ikke hensyn til barn som bor hos begge foreldrene."


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def _barriers(session: Session) -> list[Barrier]:
    session.expire_all()
    return list(session.scalars(select(Barrier).order_by(Barrier.created_at)))


def _record(client: TestClient, path: str, **fields: str) -> httpx2.Response:
    page = client.get(path)
    assert page.status_code == 200, page.text
    family = re.search(r'name="family" value="([^"]+)"', page.text)
    data = {
        "csrftoken": csrf_from(page.text),
        "category": "regulation",
        "domain": "bolig",
        "responsible_level": "national",
        "text": TEXT,
        **({"family": family.group(1)} if family else {}),
        **fields,
    }
    return client.post("/barriers", data=data, follow_redirects=False)


def test_the_canvas_and_the_plan_link_to_the_form_with_the_family(
    client: TestClient, world: World
) -> None:
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.lead.username)
    link = f'href="/barriers?family={world.family.id}"'

    assert link in client.get(f"/canvases/{world.canvas.id}").text
    assert link in client.get(f"/plans/{world.plan.id}").text
    form = client.get(f"/barriers?family={world.family.id}").text
    assert "Record a barrier" in form
    assert "Write for the system level, no names or numbers that identify anyone." in form
    assert f'name="family" value="{world.family.id}"' in form


def test_a_caseworker_records_a_barrier_and_sees_it_waiting(
    client: TestClient, session: Session, world: World
) -> None:
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.lead.username)

    response = _record(client, f"/barriers?family={world.family.id}")

    assert response.status_code == 303
    stored = _barriers(session)
    assert [(b.text, b.status) for b in stored] == [(TEXT, BarrierStatus.pending)]
    page = client.get(response.headers["location"]).text
    assert "The barrier is recorded." in page
    assert TEXT in page
    assert "Waiting for approval" in page


def test_personal_data_is_refused_and_the_text_stays_in_the_form(
    client: TestClient, session: Session, world: World
) -> None:
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.lead.username)
    text = "Familien Test fikk avslag; ring 987 65 432."

    response = _record(client, f"/barriers?family={world.family.id}", text=text)

    assert response.status_code == 422
    html = response.text
    assert "seems to hold a phone number" in html
    assert "holds a name from the family" in html
    assert 'aria-invalid="true"' in html
    assert f">{text}</textarea>" in html
    assert f'name="family" value="{world.family.id}"' in html
    assert _barriers(session) == []


def test_a_missing_choice_is_marked_next_to_its_group(
    client: TestClient, session: Session, world: World
) -> None:
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.lead.username)

    response = _record(client, "/barriers", category="", domain="hagearbeid")

    assert response.status_code == 422
    html = response.text
    assert "Choose what kind of barrier this is." in html
    assert "Choose the part of life it concerns." in html
    assert f">{TEXT}</textarea>" in html
    assert _barriers(session) == []


def test_a_family_outside_the_caseworkers_reach_is_404(client: TestClient, world: World) -> None:
    sign_in(client, world.other_unit.username)

    assert client.get(f"/barriers?family={world.family.id}").status_code == 404


def test_the_coordinator_approves_a_tidied_text_and_the_writer_sees_it(
    client: TestClient, session: Session, world: World
) -> None:
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.lead.username)
    _record(client, "/barriers")
    barrier = _barriers(session)[0]
    client.post("/logout", data={"csrftoken": csrf_from(client.get("/barriers").text)})
    sign_in(client, world.coordinator.username)
    queue = client.get("/barriers")
    assert "Waiting for approval (1)" in queue.text
    assert TEXT in queue.text
    tidied = "Bostøtten tar ikke hensyn til delt bosted."

    response = client.post(
        f"/barriers/{barrier.id}/decision",
        data={"csrftoken": csrf_from(queue.text), "decision": "approved", "text": tidied},
        follow_redirects=False,
    )

    assert response.status_code == 303
    after = client.get(response.headers["location"]).text
    assert "Approved: the text can now appear in reports." in after
    assert "Waiting for approval (0)" in after
    assert tidied in after
    stored = _barriers(session)[0]
    assert (stored.status, stored.text) == (BarrierStatus.approved, tidied)


def test_rejecting_without_a_comment_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.lead.username)
    _record(client, "/barriers")
    barrier = _barriers(session)[0]
    client.cookies.clear()
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.coordinator.username)
    queue = client.get("/barriers").text

    refused = client.post(
        f"/barriers/{barrier.id}/decision",
        data={"csrftoken": csrf_from(queue), "decision": "rejected", "comment": ""},
    )
    rejected = client.post(
        f"/barriers/{barrier.id}/decision",
        data={"csrftoken": csrf_from(queue), "decision": "rejected", "comment": "Hvilken regel?"},
        follow_redirects=False,
    )

    assert refused.status_code == 422
    assert "Say why the text is rejected" in refused.text
    assert rejected.status_code == 303
    assert _barriers(session)[0].decision_comment == "Hvilken regel?"


def test_reviewers_and_admins_have_no_barrier_page(client: TestClient, world: World) -> None:
    for persona in (world.consented, world.admin):
        client.cookies.clear()
        sign_in(client, persona.username)
        assert client.get("/barriers").status_code == 403, persona.username


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
    client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(barrier_pages, "LIST_SIZE", 2)
    texts = _approved_barriers(session, world, 5)
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.coordinator.username)

    older = re.compile(r'href="(/barriers\?approved_from=\d+)#approved-heading">Show older ones<')
    pages = [client.get("/barriers").text]
    while next_page := older.search(pages[-1]):
        pages.append(client.get(next_page.group(1)).text)

    assert len(pages) == 3
    assert "Approved barriers (5)" in pages[0]
    shown = [[t for t in texts if t in page] for page in pages]
    assert shown == [texts[0:2], texts[2:4], texts[4:5]]
    assert "Showing 1–2 of 5, newest first." in pages[0]
    assert "Showing 5–5 of 5, newest first." in pages[2]
    assert "Back to the newest" not in pages[0]
    assert 'href="/barriers?approved_from=0#approved-heading"' in pages[2]


def test_a_list_start_that_is_not_a_number_is_refused(client: TestClient, world: World) -> None:
    client.cookies.set("duk_lang", "en")
    sign_in(client, world.coordinator.username)

    assert client.get("/barriers?approved_from=-1").status_code == 422
    assert client.get("/barriers?pending_from=many").status_code == 422
    beyond = client.get("/barriers?approved_from=1000")
    assert beyond.status_code == 200
    assert "Back to the newest" in beyond.text

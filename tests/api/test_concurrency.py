"""No lost update (DESIGN §8, §9): two tablets save the same canvas from the same version at the
same moment; one save wins, the other gets 412, and the stored text is the winner's.

This needs real commits on separate connections, so the app runs on a database of its own
with the engine its lifespan makes, and the two saves come from two threads, each with its own
client, released together by a barrier. The race is run many times so both orders happen.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx2
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import make_engine, make_session_factory
from app.main import create_app
from tests.conftest import prepare_database
from tests.factories import auth_headers, make_canvas, make_family, make_unit, make_user

ROUNDS = 20


@dataclass(frozen=True)
class Tablets:
    canvas_url: str
    # Two caseworkers of the plan lead's unit, each on a tablet of their own.
    headers: tuple[dict[str, str], dict[str, str]]


@pytest.fixture
def tablets(fresh_settings: Settings) -> Tablets:
    settings = fresh_settings
    engine = make_engine(settings.database_url)
    try:
        prepare_database(engine)
        with make_session_factory(engine)() as session:
            unit = make_unit(session, name="NAV Samtidig")
            lead = make_user(session, units=[unit])
            colleague = make_user(session, units=[unit])
            family = make_family(session, lead, settings, display_name="Familien Samtidig")
            canvas = make_canvas(session, lead, family)
            headers = (
                auth_headers(session, lead, settings),
                auth_headers(session, colleague, settings),
            )
            session.commit()
    finally:
        engine.dispose()
    return Tablets(canvas_url=f"/api/v1/canvases/{canvas.id}", headers=headers)


@pytest.fixture
def live_client(fresh_settings: Settings) -> Iterator[TestClient]:
    # No session factory: the app's lifespan makes its own engine and pool, as in production.
    with TestClient(create_app(fresh_settings)) as client:
        yield client


def race(live_client: TestClient, tablets: Tablets, etag: str, texts: list[str]) -> list[int]:
    """Send both saves at once, from two threads with a client each; the status codes."""
    barrier = threading.Barrier(2)
    statuses = [0, 0]
    failures: list[BaseException] = []

    def save(tablet: int) -> None:
        client = TestClient(live_client.app)
        try:
            barrier.wait(timeout=10)
            response = client.patch(
                tablets.canvas_url,
                json={"centre": {"what_matters": texts[tablet]}},
                headers={**tablets.headers[tablet], "If-Match": etag},
            )
            statuses[tablet] = response.status_code
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=save, args=(tablet,)) for tablet in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return statuses


def read_canvas(live_client: TestClient, tablets: Tablets) -> httpx2.Response:
    response = live_client.get(tablets.canvas_url, headers=tablets.headers[0])
    assert response.status_code == 200, response.text
    return response


def test_two_saves_from_the_same_version_one_wins_and_the_other_gets_412(
    live_client: TestClient, tablets: Tablets
) -> None:
    wins = [0, 0]
    for round_ in range(ROUNDS):
        before = read_canvas(live_client, tablets)
        texts = [
            f"Runde {round_}: tekst fra nettbrett {tablet} ({uuid.uuid4()})" for tablet in (0, 1)
        ]

        statuses = race(live_client, tablets, before.headers["etag"], texts)

        assert sorted(statuses) == [200, 412], f"round {round_}: {statuses}"
        winner = statuses.index(200)
        wins[winner] += 1
        after = read_canvas(live_client, tablets).json()
        assert after["centre"]["what_matters"] == texts[winner]
        assert after["version"] == before.json()["version"] + 1
    assert sum(wins) == ROUNDS

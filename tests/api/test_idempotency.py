"""A tablet that retries a create after a lost response makes the record once (DESIGN §9).

Covered for a family, a need and an action: the retry with the same Idempotency-Key gets the
first answer again and nothing new; the key is bound to its request and to its user; without a
key every request creates.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from fastapi import Response
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, make_session_factory, utcnow
from app.kit.errors import Conflict
from app.models import IdempotentRequest
from app.web.idempotency import begin_idempotent
from tests.conftest import prepare_database
from tests.factories import World, actor_of, build_world, make_user


@dataclass(frozen=True)
class Creating:
    url: Callable[[World], str]
    body: dict[str, Any]
    other_body: dict[str, Any]
    count: Callable[[TestClient, World], int]


def _families(client: TestClient, world: World) -> int:
    page = client.get("/api/v1/families", headers=world.headers["lead"])
    assert page.status_code == 200, page.text
    assert page.json()["next"] is None
    return len(page.json()["items"])


def _on_canvas(part: str) -> Callable[[TestClient, World], int]:
    def count(client: TestClient, world: World) -> int:
        canvas = client.get(f"/api/v1/canvases/{world.canvas.id}", headers=world.headers["lead"])
        assert canvas.status_code == 200, canvas.text
        return len(canvas.json()[part])

    return count


def _family(name: str) -> dict[str, Any]:
    return {
        "display_name": name,
        "municipality_code": "3107",
        "language": "nb",
        "household": {"adults": 1, "children_birth_years": [2016], "single_parent": True},
    }


def _need(priority: int) -> dict[str, Any]:
    return {
        "domain": "okonomi",
        "text": "Vi trenger hjelp med strømregningen.",
        "priority": priority,
        "indicators": ["okonomi.strom_restanse"],
    }


def _action(text: str) -> dict[str, Any]:
    return {
        "text": text,
        "responsible": {"kind": "family", "member": "Mor"},
        "due": "2030-01-31",
    }


CREATING = {
    "family": Creating(
        url=lambda world: "/api/v1/families",
        body=_family("Familien Nilsen"),
        other_body=_family("Familien Berg"),
        count=_families,
    ),
    "need": Creating(
        url=lambda world: f"/api/v1/canvases/{world.canvas.id}/needs",
        body=_need(priority=1),
        other_body=_need(priority=3),
        count=_on_canvas("needs"),
    ),
    "action": Creating(
        url=lambda world: f"/api/v1/canvases/{world.canvas.id}/actions",
        body=_action("Mor ringer NAV om strømstøtte."),
        other_body=_action("Far ringer NAV om strømstøtte."),
        count=_on_canvas("actions"),
    ),
}
RECORDS = pytest.mark.parametrize("record", list(CREATING))


def post(
    client: TestClient, world: World, creating: Creating, body: dict[str, Any], **headers: str
) -> httpx2.Response:
    return client.post(creating.url(world), json=body, headers={**world.headers["lead"], **headers})


@RECORDS
def test_retry_with_the_same_key_creates_once_and_replays_the_first_answer(
    client: TestClient, session: Session, settings: Settings, record: str
) -> None:
    world = build_world(session, settings)
    creating = CREATING[record]
    before = creating.count(client, world)
    key = f"retry-{uuid.uuid4()}"

    first = post(client, world, creating, creating.body, **{"Idempotency-Key": key})
    retry = post(client, world, creating, creating.body, **{"Idempotency-Key": key})

    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    assert creating.count(client, world) == before + 1


@RECORDS
def test_same_key_with_another_body_is_422_and_creates_nothing(
    client: TestClient, session: Session, settings: Settings, record: str
) -> None:
    world = build_world(session, settings)
    creating = CREATING[record]
    key = f"reused-{uuid.uuid4()}"
    first = post(client, world, creating, creating.body, **{"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    after_first = creating.count(client, world)

    reused = post(client, world, creating, creating.other_body, **{"Idempotency-Key": key})

    assert reused.status_code == 422, reused.text
    assert reused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in reused.json()["errors"]] == ["Idempotency-Key"]
    assert creating.count(client, world) == after_first


@RECORDS
def test_keys_belong_to_their_user(
    client: TestClient, session: Session, settings: Settings, record: str
) -> None:
    world = build_world(session, settings)
    creating = CREATING[record]
    before = creating.count(client, world)
    key = f"shared-{uuid.uuid4()}"

    mine = post(client, world, creating, creating.body, **{"Idempotency-Key": key})
    theirs = client.post(
        creating.url(world),
        json=creating.body,
        headers={**world.headers["same_unit"], "Idempotency-Key": key},
    )

    assert mine.status_code == 201, mine.text
    assert theirs.status_code == 201, theirs.text
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]
    assert creating.count(client, world) == before + 2


@RECORDS
def test_without_a_key_every_request_creates(
    client: TestClient, session: Session, settings: Settings, record: str
) -> None:
    world = build_world(session, settings)
    creating = CREATING[record]
    before = creating.count(client, world)

    first = post(client, world, creating, creating.body)
    second = post(client, world, creating, creating.body)

    assert first.status_code == 201, first.text
    assert second.status_code == 201, second.text
    assert second.json()["id"] != first.json()["id"]
    assert creating.count(client, world) == before + 2


# --- a stored answer is given again only to who may still have it, and only for a day ---------

NEED_TEXT = "Vi trenger hjelp med strømregningen."


def _add_need(client: TestClient, world: World, persona: str, key: str) -> httpx2.Response:
    return client.post(
        f"/api/v1/canvases/{world.canvas.id}/needs",
        json=_need(1),
        headers={**world.headers[persona], "Idempotency-Key": key},
    )


def test_a_replay_after_a_handover_gives_the_former_plan_lead_nothing(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    first = _add_need(client, world, "lead", "need-1")
    assert first.status_code == 201, first.text
    family = client.get(f"/api/v1/families/{world.family.id}", headers=world.headers["lead"])
    # The family moves to a caseworker of another unit; the former lead keeps no access.
    new_lead = world.other_unit
    moved = client.post(
        f"/api/v1/families/{world.family.id}/handover",
        json={"to_user_id": str(new_lead.id), "note": "Flytter til bydel Øst."},
        headers={**world.headers["lead"], "If-Match": family.headers["etag"]},
    )
    assert moved.status_code == 200, moved.text

    again = _add_need(client, world, "lead", "need-1")

    assert again.status_code == 404, again.text
    assert NEED_TEXT not in again.text
    assert "idempotent-replayed" not in again.headers


def test_a_replay_is_in_the_familys_trail(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    assert _add_need(client, world, "lead", "need-2").status_code == 201
    again = _add_need(client, world, "lead", "need-2")
    assert again.headers["idempotent-replayed"] == "true"

    trail = client.get(
        f"/api/v1/families/{world.family.id}/audit", headers=world.headers["lead"]
    ).json()["items"]

    assert ("read", "idempotent_replay") in {(e["action"], e["purpose"]) for e in trail}


def test_a_key_is_forgotten_after_a_day(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    first = _add_need(client, world, "lead", "need-3")
    assert first.status_code == 201, first.text
    session.execute(
        update(IdempotentRequest).values(created_at=utcnow() - timedelta(hours=24, minutes=1))
    )
    session.commit()

    later = _add_need(client, world, "lead", "need-3")

    assert later.status_code == 201, later.text
    assert "idempotent-replayed" not in later.headers
    assert later.json()["id"] != first.json()["id"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(IdempotentRequest)) == 1


class _Created(BaseModel):
    id: str
    version: int


@pytest.mark.postgres
def test_two_requests_racing_with_one_key_store_once_and_the_later_one_is_told_to_retry(
    fresh_database_url: str,
) -> None:
    """Issue 11: on PostgreSQL two requests with one key both found no stored answer, both
    created, and the second ended in a 500 at commit. Now the second meets the first at the
    unique key before its commit, and gets 409 (asking again gives the first one's answer)."""
    engine = make_engine(fresh_database_url)
    prepare_database(engine)
    factory = make_session_factory(engine)
    try:
        with factory() as setup:
            actor = actor_of(setup, make_user(setup))
            setup.commit()
        with factory() as first, factory() as second:
            a = begin_idempotent(first, actor, "race-1", "same-request", Response())
            b = begin_idempotent(second, actor, "race-1", "same-request", Response())
            a.store(201, _Created(id="a", version=1), family_id=None)
            first.commit()
            with pytest.raises(Conflict):
                b.store(201, _Created(id="b", version=1), family_id=None)
            second.rollback()
        with factory() as check:
            stored = check.scalars(select(IdempotentRequest.body)).all()
        assert stored == ['{"id":"a","version":1}']
    finally:
        engine.dispose()

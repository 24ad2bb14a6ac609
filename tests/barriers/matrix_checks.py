"""What the barrier rows of the access matrix (tests/access/test_matrix.py) check after each
cell. They live here so that the matrix needs only its rows below the issue-5 marker."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from app.barriers import service as barrier_service
from app.barriers.schemas import BarrierCreate
from tests.factories import World, actor_of

if TYPE_CHECKING:
    from tests.access.test_matrix import Call

API = "/api/v1"
TEXT = "Bostøtteregelverket tar ikke hensyn til barn med delt bosted."


def barrier_body(_world: object) -> dict[str, Any]:
    return {
        "category": "regulation",
        "domain": "bolig",
        "responsible_level": "national",
        "text": TEXT,
    }


def _list(call: Call, persona: str) -> list[dict[str, Any]]:
    response = call.client.get(f"{API}/barriers", headers=call.world.headers[persona])
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def pending_barrier(world: World) -> dict[str, uuid.UUID]:
    """A barrier the lead wrote, waiting for a coordinator (made in the test's own session)."""
    session = world.session
    assert session is not None
    barrier = barrier_service.record_barrier(
        session, actor_of(session, world.lead), BarrierCreate.model_validate(barrier_body(world))
    )
    session.commit()
    return {"barrier_id": barrier.id}


def check_record_barrier(call: Call) -> None:
    recorded = [b["text"] for b in _list(call, "coordinator")]
    assert recorded == ([TEXT] if call.allowed else [])
    if call.allowed:
        assert [b["id"] for b in _list(call, call.persona)] == [call.response.json()["id"]]


def check_list_barriers(call: Call) -> None:
    if not call.allowed:
        return
    assert call.response.json() == {"items": [], "next": None}
    written = call.client.post(
        f"{API}/barriers", json=barrier_body(call.world), headers=call.world.headers["lead"]
    ).json()
    # The coordinator sees every barrier; a caseworker only the ones they wrote.
    sees = call.persona in ("coordinator", "lead")
    assert [b["id"] for b in _list(call, call.persona)] == ([written["id"]] if sees else [])


def decision_body(_world: object) -> dict[str, Any]:
    return {"decision": "approved"}


def check_decide_barrier(call: Call) -> None:
    [barrier] = _list(call, "lead")
    assert barrier["status"] == ("approved" if call.allowed else "pending")

"""What the inbox rows of the access matrix (tests/access/test_matrix.py) check after each
cell. They live here so that the matrix needs only its rows: one edit below the inbox marker."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.access.test_matrix import Call

# Who may see the world's family (DESIGN §4.1), written from the World's docstring.
SEES_FAMILY = frozenset({"lead", "same_unit", "consented"})


def _inbox(call: Call) -> dict[str, Any]:
    response = call.client.get("/api/v1/inbox", headers=call.world.headers[call.persona])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def check_inbox(call: Call) -> None:
    """The consented reviewer is asked to review the world's plan; nobody else is; no one
    outside the family's circle hears of the family; coordinators and admins get nothing."""
    if not call.allowed:
        return
    body = call.response.json()
    items = body["items"]
    plan_id, family_id = str(call.world.plan.id), str(call.world.family.id)
    asked = [i for i in items if (i["kind"], i["plan_id"]) == ("review_requested", plan_id)]
    assert bool(asked) is (call.persona == "consented"), items
    if asked:
        assert asked[0]["link"] == f"/plans/{plan_id}/review"
        assert asked[0]["new"] is True
    if call.persona not in SEES_FAMILY:
        assert family_id not in {i["family_id"] for i in items}
    if call.persona in ("coordinator", "admin"):
        assert body == {"items": [], "unseen": 0}


def check_inbox_seen(call: Call) -> None:
    """Afterwards nothing in the caller's inbox is new, and the items are still there."""
    if not call.allowed:
        return
    body = _inbox(call)
    assert body["unseen"] == 0
    assert not any(i["new"] for i in body["items"])
    if call.persona == "consented":
        assert [i["plan_id"] for i in body["items"]] == [str(call.world.plan.id)]

"""What the review-flow rows of the access matrix (tests/access/test_matrix.py) check after each
cell: what the caller, or the plan lead afterwards, sees. They live here so that the matrix
needs only its rows: one edit below the review-flow marker.

The world's plan 1 is in review with one review asked, of unit B ("consented").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.access.test_matrix import Call


def _plan(call: Call) -> dict[str, Any]:
    body: dict[str, Any] = call.as_lead(f"/plans/{call.world.plan.id}")
    return body


def review_body(_world: object) -> dict[str, Any]:
    return {"decision": "approved", "comment": "Ser bra ut."}


def check_review(call: Call) -> None:
    [review] = _plan(call)["reviews"]
    assert review["status"] == ("approved" if call.allowed else "pending")
    if call.allowed:
        assert review["reviewer_id"] == str(call.world.consented.id)
        assert review["comment"] == "Ser bra ut."


def check_family_approval(call: Call) -> None:
    plan = _plan(call)
    assert plan["family_approved_by"] == ("Amina" if call.allowed else None)
    # Unit B has not answered yet: the plan stays in review either way.
    assert plan["status"] == "in_review"


def check_close(call: Call) -> None:
    plan = _plan(call)
    assert plan["status"] == ("closed" if call.allowed else "in_review")
    family = call.as_lead(f"/families/{call.world.family.id}")
    assert family["status"] == ("closed" if call.allowed else "active")
    if call.allowed:
        assert plan["outcome"] == "goals_reached"


def check_diff(call: Call) -> None:
    if call.allowed:
        diff = call.response.json()
        assert (diff["plan_id"], diff["against"]) == (str(call.world.plan.id), 1)
        assert diff["actions"] == {"added": [], "removed": [], "changed": []}


def check_review_queue(call: Call) -> None:
    if call.allowed:
        listed = [(i["plan_id"], i["unit_id"]) for i in call.response.json()]
        waiting = [(str(call.world.plan.id), str(call.world.unit_b.id))]
        assert listed == (waiting if call.persona == "consented" else [])


def check_family_plans(call: Call) -> None:
    if call.allowed:
        versions = [(p["id"], p["number"], p["status"]) for p in call.response.json()]
        assert versions == [(str(call.world.plan.id), 1, "in_review")]

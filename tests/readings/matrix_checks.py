"""What the readings rows of the access matrix (tests/access/test_matrix.py) check after each
cell. They live here so that the matrix needs only its rows below the issue-5 marker.

Submitting the world's plan made reading 1 from its canvas (housing: the family's score 3).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from app.kit.i18n import local_today

if TYPE_CHECKING:
    from tests.access.test_matrix import Call


NOTE = "Far: Vi sover bedre etter at fukten ble fikset."


def reading_body(_world: object) -> dict[str, Any]:
    """Worked out when the cell runs, not when the module is collected."""
    today = local_today()
    return {
        "taken_on": today.isoformat(),
        "scores": {"bolig": {"family": 6}},
        "note": NOTE,
        "next_review_date": (today + timedelta(days=60)).isoformat(),
    }


def _numbers_and_housing(readings: list[dict[str, Any]]) -> list[tuple[int, int | None]]:
    return [(r["number"], r["scores"]["bolig"]["family"]) for r in readings]


def check_add_reading(call: Call) -> None:
    """The reading with its note, and the canvas's next review it moved: both, or neither."""
    readings = call.as_lead(f"/families/{call.world.family.id}/readings")
    expected = [(1, 3), (2, 6)] if call.allowed else [(1, 3)]
    assert _numbers_and_housing(readings) == expected
    canvas = call.as_lead(f"/canvases/{call.world.canvas.id}")
    if call.allowed:
        assert call.response.json()["id"] == readings[1]["id"]
        assert readings[1]["note"] == NOTE
        assert canvas["next_review_date"] == readings[1]["next_review_date"]
    else:
        assert NOTE not in call.response.text
        assert canvas["next_review_date"] != reading_body(None)["next_review_date"]


def check_list_readings(call: Call) -> None:
    if call.allowed:
        assert _numbers_and_housing(call.response.json()) == [(1, 3)]

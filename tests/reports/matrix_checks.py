"""What a coordinator sees from each report endpoint in the access matrix
(tests/access/test_matrix.py): the world's one family is counted, but hidden as a small cell,
and none of its words appear."""

from __future__ import annotations

from typing import Any


def check_report(call: Any) -> None:
    if not call.allowed:
        return
    response = call.response
    assert call.world.need.text not in response.text
    assert call.world.family.display_name not in response.text
    if response.request.url.path.endswith(".csv"):
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.text.startswith("table,")
        return
    body = response.json()
    assert body["k"] == call.world.settings.report_min_cell
    if body["report"] == "needs":
        # One family with one need: fewer than k, so the total is hidden too.
        assert body["total"] == {"families": None, "needs": None, "suppressed": True}

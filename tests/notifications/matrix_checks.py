"""What the notification rows of the access matrix (tests/access/test_matrix.py) check after
each cell: every user reads and changes only their own choice, and nobody else's address."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.access.test_matrix import Call

URL = "/api/v1/me/notifications"


def _read(call: Call, persona: str) -> dict[str, Any]:
    response = call.client.get(URL, headers=call.world.headers[persona])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def check_read_settings(call: Call) -> None:
    """A user who never chose has no messages, and no one else's address is shown."""
    if call.allowed:
        assert call.response.json()["channel"] == "none"
        assert call.response.json()["email"] is None


def check_put_settings(call: Call) -> None:
    """The caller's own address is saved; the plan lead (or, for the lead, a colleague) still
    has none."""
    if not call.allowed:
        return
    assert _read(call, call.persona)["email"] == call.response.json()["email"]
    other = "same_unit" if call.persona == "lead" else "lead"
    assert _read(call, other)["email"] is None

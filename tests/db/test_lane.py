"""The SQLite lane (app/db.py): requests to one SQLite database take their turn one at a time,
brief ones on the event loop and the others on the lane's thread, and a request cancelled while
its work runs keeps its turn until the work is done."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from app.db import SQLiteLane


def _recorder(log: list[str], gate: threading.Event | None = None) -> Callable[..., str]:
    def work(name: str) -> str:
        log.append(f"{name} starts")
        if gate is not None:
            assert gate.wait(5), "the test never opened the gate"
        log.append(f"{name} ends")
        return name

    return work


def test_requests_take_their_turn_one_after_another() -> None:
    log: list[str] = []
    gate = threading.Event()
    lane = SQLiteLane()

    async def scenario() -> list[str]:
        slow = asyncio.create_task(lane.run(_recorder(log, gate), brief=False, name="page"))
        await asyncio.sleep(0)  # the page has its turn and runs on the lane's thread
        quick = asyncio.create_task(lane.run(_recorder(log), brief=True, name="autosave"))
        other = asyncio.create_task(lane.run(_recorder(log), brief=False, name="report"))
        while "page starts" not in log:
            await asyncio.sleep(0.001)
        # The event loop is free while the page runs, and nobody else has started.
        assert log == ["page starts"]
        gate.set()
        return list(await asyncio.gather(slow, quick, other))

    try:
        results = asyncio.run(scenario())
    finally:
        lane.close()

    assert results == ["page", "autosave", "report"]
    assert log == [
        "page starts",
        "page ends",
        "autosave starts",
        "autosave ends",
        "report starts",
        "report ends",
    ]


def test_a_brief_request_runs_on_the_event_loop_and_the_others_on_the_lanes_thread() -> None:
    lane = SQLiteLane()

    def where() -> str:
        return threading.current_thread().name

    async def scenario() -> tuple[str, str, str]:
        return (
            where(),
            await lane.run(where, brief=True),
            await lane.run(where, brief=False),
        )

    try:
        loop_thread, brief_thread, other_thread = asyncio.run(scenario())
    finally:
        lane.close()

    assert brief_thread == loop_thread
    assert other_thread.startswith("duk-sqlite")


def test_a_cancelled_request_keeps_its_turn_until_its_work_is_done() -> None:
    log: list[str] = []
    gate = threading.Event()
    lane = SQLiteLane()

    async def scenario() -> None:
        slow = asyncio.create_task(lane.run(_recorder(log, gate), brief=False, name="page"))
        while "page starts" not in log:
            await asyncio.sleep(0.001)
        slow.cancel()
        next_one = asyncio.create_task(lane.run(_recorder(log), brief=True, name="autosave"))
        await asyncio.sleep(0.05)
        # The page's caller is gone, but its transaction is still running on the thread.
        assert log == ["page starts"]
        gate.set()
        await next_one

    try:
        asyncio.run(scenario())
    finally:
        lane.close()

    assert log == ["page starts", "page ends", "autosave starts", "autosave ends"]


def test_a_request_the_executor_refuses_gives_its_turn_back() -> None:
    """Issue 11: a lane whose thread no longer takes work (the server shutting down) refuses a
    request; the turn it had taken must pass on, or every later request waits for ever."""
    log: list[str] = []
    lane = SQLiteLane()
    lane.close()  # the executor refuses new work from here on

    async def scenario() -> str:
        try:
            await lane.run(_recorder(log), brief=False, name="page")
        except RuntimeError:
            pass
        else:
            raise AssertionError("a closed lane ran the request")
        assert not lane._turn().locked(), "the refused request kept the turn"
        return await lane.run(_recorder(log), brief=True, name="autosave")

    assert asyncio.run(scenario()) == "autosave"
    assert log == ["autosave starts", "autosave ends"]

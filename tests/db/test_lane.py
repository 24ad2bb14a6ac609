"""The SQLite lane (app/db.py): requests to one SQLite database take their turn one at a time on
the lane's thread, never on the event loop, and a request cancelled while its work runs keeps
its turn until the work is done."""

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
        slow = asyncio.create_task(lane.run(_recorder(log, gate), name="page"))
        await asyncio.sleep(0)  # the page has its turn and runs on the lane's thread
        quick = asyncio.create_task(lane.run(_recorder(log), name="autosave"))
        other = asyncio.create_task(lane.run(_recorder(log), name="report"))
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


def test_every_request_runs_on_the_lanes_thread_not_the_event_loop() -> None:
    lane = SQLiteLane()

    def where() -> str:
        return threading.current_thread().name

    async def scenario() -> tuple[str, str]:
        return where(), await lane.run(where)

    try:
        loop_thread, lane_thread = asyncio.run(scenario())
    finally:
        lane.close()

    assert lane_thread != loop_thread
    assert lane_thread.startswith("duk-sqlite")


def test_a_cancelled_request_keeps_its_turn_until_its_work_is_done() -> None:
    log: list[str] = []
    gate = threading.Event()
    lane = SQLiteLane()

    async def scenario() -> None:
        slow = asyncio.create_task(lane.run(_recorder(log, gate), name="page"))
        while "page starts" not in log:
            await asyncio.sleep(0.001)
        slow.cancel()
        next_one = asyncio.create_task(lane.run(_recorder(log), name="autosave"))
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

    async def scenario() -> list[bool]:
        locked_after = []
        for _ in range(2):  # the second would wait for ever on a turn the first kept
            try:
                await lane.run(_recorder(log), name="page")
            except RuntimeError:
                pass
            else:
                raise AssertionError("a closed lane ran the request")
            locked_after.append(lane._turn().locked())
        return locked_after

    assert asyncio.run(scenario()) == [False, False]
    assert log == []

"""The worker that sends what the outbox holds, in the app's own processes when
``DUK_NOTIFY_WORKER`` is on: every ``DUK_NOTIFY_INTERVAL_SECONDS`` it sends what is due, and
once a day it runs the scan for what has come due (actions, consents). Both run in a thread,
never on the event loop, so no request waits for a mail server. Several processes may each
run one: a message is claimed before it is sent, and the scan queues each reminder once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import session_scope
from app.kit.i18n import local_today
from app.notifications import delivery

log = logging.getLogger("duk.notifications")

Scan = Callable[[Session], int]


def scan_once(factory: sessionmaker[Session], scan: Scan) -> int:
    for session in session_scope(factory):
        return scan(session)
    return 0  # pragma: no cover - session_scope always yields once


async def run(factory: sessionmaker[Session], settings: Settings, scan: Scan) -> None:
    scanned: date | None = None
    while True:
        try:
            if scanned != local_today():
                await asyncio.to_thread(scan_once, factory, scan)
                scanned = local_today()
            await asyncio.to_thread(delivery.send_due, factory, settings)
        except Exception as exc:  # the worker lives on; the next round tries again
            # The exception's type only: a database error's text may quote the values it held.
            log.error("notification round failed: %s", type(exc).__name__)
        await asyncio.sleep(settings.notify_interval_seconds)

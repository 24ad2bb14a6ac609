"""A real SMTP server for the tests (DESIGN §12): aiosmtpd (from the lock file) in a process of
its own on a loopback port, storing every message it accepts in a Maildir that the test reads.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import importlib.util
import mailbox
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from tests.cli.duk_process import free_port

STARTUP_TIMEOUT_S = 30.0


@dataclass
class SmtpServer:
    process: subprocess.Popen[bytes]
    port: int
    maildir: Path

    def messages(self) -> list[EmailMessage]:
        """Every message the server has accepted, oldest first."""
        box = mailbox.Maildir(self.maildir, create=False)
        found = []
        for key in box.keys():
            raw = box.get_bytes(key)
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
        return sorted(found, key=lambda m: str(m.get("Date", "")))

    def clear(self) -> None:
        box = mailbox.Maildir(self.maildir, create=False)
        for key in box.keys():
            box.remove(key)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def text_of(message: EmailMessage) -> str:
    """All a recipient reads of ``message``: its subject, its plain text and its HTML."""
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    return f"{message['Subject']}\n{plain.get_content()}\n{html.get_content()}"


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def start_server(maildir: Path, port: int | None = None) -> SmtpServer:
    """``python -m aiosmtpd`` with the Maildir handler; returns once it accepts connections."""
    # A venv made from a lock file without it (before this test's branch) fails here, plainly.
    assert importlib.util.find_spec("aiosmtpd"), "aiosmtpd is not installed: run `make venv`"
    port = port or free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],  # fmt: skip
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = SmtpServer(process, port, maildir)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not _listening(port):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise AssertionError("the SMTP server did not start")
        time.sleep(0.05)  # polling for readiness, not waiting for a result
    return server


@contextlib.contextmanager
def running_server(maildir: Path, port: int | None = None) -> Iterator[SmtpServer]:
    server = start_server(maildir, port)
    try:
        yield server
    finally:
        server.stop()

"""Run the installed ``duk`` command as a separate process, as an operator would."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx2

from tests.conftest import TEST_SECRET

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The console script installed next to the interpreter that runs the tests (.venv/bin/duk).
DUK = Path(sys.executable).parent / "duk"
STARTUP_TIMEOUT_S = 30.0


def duk_env(database_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without any DUK_* setting of its own, pointed at one database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DUK_")}
    env |= {"DUK_ENV": "test", "DUK_DATABASE_URL": database_url, "DUK_SECRET_KEY": TEST_SECRET}
    env |= dict(extra or {})
    return env


def run_duk(
    *args: str, database_url: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``duk ARGS`` with no terminal attached (stdin is /dev/null)."""
    return subprocess.run(
        [str(DUK), *args],
        env=duk_env(database_url, env),
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class DukServer:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        return "(no log)"

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no goodbye."""
        if self.process.poll() is None:
            # The server runs in its own process group (start_new_session), so this reaches
            # exactly the processes it started and nothing else.
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def _wait_until_healthy(server: DukServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if server.process.poll() is not None:
            raise AssertionError(
                f"duk serve exited with status {server.process.returncode}:\n{server.log_tail()}"
            )
        with contextlib.suppress(httpx2.TransportError):
            if httpx2.get(f"{server.base_url}/api/v1/health", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            server.stop()
            raise AssertionError(f"duk serve did not answer in time:\n{server.log_tail()}")
        time.sleep(0.05)  # polling for readiness, not waiting for a result


def start_server(
    database_url: str, log: Path, *extra: str, env: Mapping[str, str] | None = None
) -> DukServer:
    """``duk serve`` on a free loopback port, with ``env``'s settings besides the database's;
    returns once /api/v1/health answers 200."""
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(DUK), "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
            env=duk_env(database_url, env),
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = DukServer(process, f"http://127.0.0.1:{port}", log)
    _wait_until_healthy(server)
    return server


@contextlib.contextmanager
def serving(
    database_url: str, log: Path, *extra: str, env: Mapping[str, str] | None = None
) -> Iterator[DukServer]:
    server = start_server(database_url, log, *extra, env=env)
    try:
        yield server
    finally:
        server.stop()

"""What the benchmarks share: servers started as production starts them, CPU accounting from
/proc, a minimal HTTP/1.1 client, wrk and the report's figures."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import platform
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
# tests/ is not an installed package; the benchmarks borrow its factories and PostgreSQL helper.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.pg_server import temporary_postgres  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "postgres":
        with temporary_postgres() as url:
            yield url
        return
    # A real file on disk, not memory: every commit pays its fsync (synchronous=FULL), as in
    # production.
    with tempfile.TemporaryDirectory(prefix="duk-bench-") as workdir:
        yield f"sqlite:///{Path(workdir) / 'duk.db'}"


@dataclass(frozen=True)
class Server:
    base_url: str
    port: int
    pid: int
    log: Path
    db_pid: int | None

    def unhandled_errors(self) -> int:
        """Unhandled errors (500s) the server has logged so far."""
        return self.log.read_text(errors="replace").count("unhandled ")

    def settle(self, timeout: float = 30) -> None:
        """Wait until the server has finished what is still queued (a load generator stops
        sending at the end of a phase, but requests it sent may still be waiting), so one phase
        does not run into the next."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2 and time.monotonic() < deadline:
            before = _process_cpu(self.pid)
            time.sleep(0.25)
            quiet = quiet + 1 if _process_cpu(self.pid) - before < 0.02 else 0


_TICK = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds a running process has used so far (Linux /proc)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _tree_cpu(root: int) -> float:
    """CPU seconds of a process, its live children and the children it has reaped: the
    PostgreSQL postmaster and its backends."""
    total = 0
    for stat_path in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = stat_path.read_text()
        except OSError:  # the process is gone
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(stat_path.parent.name) == root:
            total += sum(int(f) for f in fields[11:15])
        elif int(fields[1]) == root:
            total += int(fields[11]) + int(fields[12])
    return total / _TICK


def postmaster_pid(url: str) -> int | None:
    """The PostgreSQL server listening on the URL's port, when it runs on this machine."""
    port = str(make_url(url).port or 5432).encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[0].endswith(b"/postgres") and any(
            a == b"-p" and b == port for a, b in itertools.pairwise(argv)
        ):
            return int(cmdline.parent.name)
    return None


def _machine_busy() -> float:
    """CPU seconds all processors have spent not idle since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / _TICK


def _own_cpu() -> float:
    """CPU seconds of this process and its finished children (wrk)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class CpuUse:
    """Where the machine's CPU went during one measurement."""

    wall_s: float
    server_s: float
    # PostgreSQL's processes (SQLite runs inside the server process).
    database_s: float
    # The load generator (this process or wrk) and, apart, everything else on the machine:
    # another program busy during a run makes its figures worse than the code deserves.
    client_s: float
    others_s: float


@contextlib.contextmanager
def metered(server: Server) -> Iterator[list[CpuUse]]:
    def database() -> float:
        return _tree_cpu(server.db_pid) if server.db_pid else 0.0

    box: list[CpuUse] = []
    wall, busy, own = time.monotonic(), _machine_busy(), _own_cpu()
    app, db = _process_cpu(server.pid), database()
    yield box
    wall = time.monotonic() - wall
    app, db = _process_cpu(server.pid) - app, database() - db
    own = _own_cpu() - own
    busy = _machine_busy() - busy
    box.append(CpuUse(wall, app, db, own, max(0.0, busy - app - db - own)))


@contextlib.contextmanager
def running_server(
    command: Sequence[str],
    env: dict[str, str],
    port: int,
    logfile: Path,
    ready_path: str,
    database_url: str | None = None,
) -> Iterator[Server]:
    """Start ``command`` (a server listening on ``port``), wait until ``ready_path`` answers
    200, and stop it afterwards."""
    with logfile.open("wb") as log:
        proc = subprocess.Popen(
            list(command), cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode}:\n{_tail(logfile)}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(base_url + ready_path, timeout=2) as answer:
                    if answer.status == 200:
                        break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not get ready:\n{_tail(logfile)}")
            time.sleep(0.1)
        yield Server(
            base_url=base_url,
            port=port,
            pid=proc.pid,
            log=logfile,
            db_pid=postmaster_pid(database_url) if database_url else None,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return "(no server log)"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    # name -> value of every Set-Cookie of the answer
    cookies: dict[str, str]

    @property
    def version(self) -> int | None:
        tag = self.headers.get("etag", "").strip().strip('"')
        return int(tag) if tag.isdigit() else None


class Browser:
    """One keep-alive HTTP/1.1 connection to the server, sending ``headers`` (header lines,
    each ending in CRLF: a session cookie, a CSRF header) with every request.

    Deliberately minimal: at 50 saves a second, a full HTTP client (httpx) costs a few tenths
    of a CPU core, taken from the server it measures on a 2-core machine; this costs a tenth of
    that. The server answers with Content-Length; chunked answers are read too.
    """

    def __init__(self, host: str, port: int, headers: str = "") -> None:
        self.host, self.port = host, port
        self.common = f"Host: {host}:{port}\r\n{headers}"
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: str = "",
        content_type: str = "application/json",
    ) -> Answer:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        if body:
            headers += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        head = f"{method} {path} HTTP/1.1\r\n{self.common}{headers}\r\n"
        try:
            writer.write(head.encode("latin-1") + body)
            raw = await reader.readuntil(b"\r\n\r\n")
            status_line, *lines = raw.decode("latin-1").rstrip("\r\n").split("\r\n")
            split = (line.partition(":") for line in lines)
            pairs = [(name.strip().lower(), value.strip()) for name, _, value in split]
            fields = dict(pairs)
            cookies = dict(
                v.split(";", 1)[0].split("=", 1) for n, v in pairs if n == "set-cookie" and "=" in v
            )
            status = int(status_line.split(" ", 2)[1])
            if status in (204, 304) or method == "HEAD":  # no body, by definition (RFC 9110)
                content = b""
            elif "content-length" in fields:
                content = await reader.readexactly(int(fields["content-length"]))
            else:
                content = await self._chunks(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            self.close()
            raise
        if fields.get("connection", "").lower() == "close":
            self.close()
        return Answer(status, fields, content, cookies)

    @staticmethod
    async def _chunks(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        return b"".join(parts)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# Other programs using more than this many cores during a measurement get a warning.
BUSY_MACHINE_CORES = 0.15


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "git_commit": commit,
    }


def cpu_per_request(cpu: CpuUse, requests: int) -> str:
    def ms(seconds: float) -> str:
        return f"{seconds / requests * 1000:.2f} ms" if requests else "-"

    if cpu.database_s:
        return f"server {ms(cpu.server_s)} + database {ms(cpu.database_s)}"
    return f"server {ms(cpu.server_s)}"


def cores(cpu: CpuUse) -> str:
    """How many CPU cores were busy, on average, and with what."""
    shares = [("server", cpu.server_s), ("database", cpu.database_s)]
    shares += [("load generator", cpu.client_s), ("other programs", cpu.others_s)]
    return "cores busy: " + ", ".join(
        f"{name} {seconds / cpu.wall_s:.2f}"
        for name, seconds in shares
        if name != "database" or seconds
    )


LUA_DONE = r"""
local threads = {}
function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local n = {n200 = 0, n412 = 0, nother = 0, nresync = 0}
  local statuses = ""
  for _, t in ipairs(threads) do
    for k, v in pairs(n) do n[k] = v + (t:get(k) or 0) end
    statuses = statuses .. (t:get("statuses") or "")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests":%d,"duration_us":%d,"ok":%d,"stale":%d,"other":%d,"resyncs":%d,'
    .. '"other_statuses":"%s","errors":{"connect":%d,"read":%d,"write":%d,"status":%d,'
    .. '"timeout":%d},"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, n.n200, n.n412, n.nother, n.nresync, statuses,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""

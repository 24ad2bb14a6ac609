"""Autosave benchmark behind the performance bars of DESIGN §9.

Starts its own server on loopback (uvicorn, one worker, as ``duk serve`` runs by default) over a
fresh database with 50 caseworkers, each the plan lead of one family with one canvas, then:

(a) typing: every caseworker PATCHes one field of their own canvas with If-Match once a second
    (the pace of a debounced autosave while typing) for 60 s. Latency is measured from the
    moment a save was due, so a save held up by a slow one before it counts its wait too.
    Target: p95 at most 15 ms.
(b) full speed: wrk drives autosave in a closed loop, interleaved with a bare endpoint returning
    a fixed string served by the same process (bench/_bench_app.py): bare, floor, autosave,
    bare, ... Target: the median autosave requests/s at least 25% of the median bare one. The
    "floor" is a yardstick route of autosave's exact shape (JSON body model, If-Match, 204 with
    ETag) with no database and no sign-in: what FastAPI alone allows a route like this.

    .venv/bin/python bench/autosave.py                   SQLite in a temporary directory
    .venv/bin/python bench/autosave.py --db postgres     a throwaway PostgreSQL (tests/pg_server)
    .venv/bin/python bench/autosave.py --quick           a smoke run of a few seconds

Prints a table with the targets (PASS/MISS; the exit status is 0 either way) and writes the raw
numbers to bench/results/. Needs ``wrk`` (Debian package ``wrk``; scripts/system-deps.sh).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import random
import resource
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
# tests/ is not an installed package; the benchmark borrows its factories and PostgreSQL helper.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import migrate  # noqa: E402
from app.accounts import service as account_service  # noqa: E402
from app.canvases import template_store  # noqa: E402
from app.catalogue import service as catalogue_service  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_session_factory, session_scope  # noqa: E402
from bench._bench_app import BARE_PATH, FLOOR_PREFIX  # noqa: E402
from tests.factories import make_canvas, make_family, make_unit, make_user  # noqa: E402
from tests.pg_server import temporary_postgres  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
APP_FACTORY = "bench._bench_app:create_bench_app"
TARGET_P95_MS = 15.0
TARGET_RATIO = 0.25
# What a caseworker types into the housing situation, a word per autosave.
TYPED = (
    "Familien bor i en treroms leilighet i andre etasje med to voksne og tre barn. Husleien er "
    "høy og det er fuktskader på badet. Eldste barn deler rom med to søsken og får ikke gjort "
    "lekser i fred. Mor ønsker å søke startlån, far er usikker på om økonomien tåler det. De "
    "vil helst bli boende nær skolen og fotballaget til mellomste barn."
).split()


# ----------------------------------------------------------------------------------------------
# Setup: a fresh database, 50 caseworkers with a family and a canvas each, and their tokens.


@dataclass(frozen=True)
class Seat:
    """One caseworker at their own family's canvas."""

    canvas_id: str
    token: str


def prepare(url: str, settings: Settings, clients: int) -> list[Seat]:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        for session in session_scope(factory):
            template_store.sync_templates(session)
            catalogue_service.sync_catalogue(session)
        seats: list[Seat] = []
        for session in session_scope(factory):
            unit = make_unit(session, slug="bench-nav", name="NAV Benk")
            for n in range(clients):
                user = make_user(session, units=[unit], username=f"bench{n:03d}")
                family = make_family(session, user, settings, display_name=f"Familien Benk {n}")
                canvas = make_canvas(session, user, family)
                secret, _ = account_service.issue_token(session, user, settings)
                seats.append(Seat(canvas_id=str(canvas.id), token=secret))
        return seats
    finally:
        engine.dispose()


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


# ----------------------------------------------------------------------------------------------
# The server under test.


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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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
def running_server(url: str, secret_key: str, logfile: Path) -> Iterator[Server]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUK_")}
    env |= {
        "DUK_ENV": "production",
        "DUK_DATABASE_URL": url,
        "DUK_SECRET_KEY": secret_key,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        APP_FACTORY,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with logfile.open("wb") as log:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode}:\n{_tail(logfile)}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{base_url}/api/v1/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not get healthy:\n{_tail(logfile)}")
            time.sleep(0.1)
        yield Server(
            base_url=base_url, port=port, pid=proc.pid, log=logfile, db_pid=postmaster_pid(url)
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return "(no server log)"


# ----------------------------------------------------------------------------------------------
# (a) 50 caseworkers typing: one autosave a second each, on absolute ticks.


@dataclass
class TypingResult:
    clients: int
    duration_s: float
    latencies_ms: list[float] = field(default_factory=list)
    # How late the client itself sent a save after it was due (client-side scheduling).
    send_lag_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    cpu: CpuUse | None = None
    server_errors: int = 0


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def version(self) -> int | None:
        tag = self.headers.get("etag", "").strip().strip('"')
        return int(tag) if tag.isdigit() else None


class Browser:
    """One caseworker's keep-alive HTTP/1.1 connection to the server.

    Deliberately minimal: at 50 saves a second, a full HTTP client (httpx) costs a few tenths
    of a CPU core, taken from the server it measures on a 2-core machine; this costs a tenth of
    that. The server answers with Content-Length; chunked answers are read too.
    """

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.common = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: bytes = b"", headers: str = "") -> Answer:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        if body:
            headers += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        head = f"{method} {path} HTTP/1.1\r\n{self.common}{headers}\r\n"
        try:
            writer.write(head.encode("latin-1") + body)
            raw = await reader.readuntil(b"\r\n\r\n")
            status_line, *lines = raw.decode("latin-1").rstrip("\r\n").split("\r\n")
            fields = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(":") for line in lines)
            }
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
        return Answer(status, fields, content)

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


async def _typist(
    browser: Browser,
    seat: Seat,
    version: int | None,
    due_first: float,
    until: float,
    result: TypingResult,
) -> None:
    loop = asyncio.get_running_loop()
    path = f"/api/v1/canvases/{seat.canvas_id}"
    words: list[str] = []
    tick = 0
    while (due := due_first + tick) < until:
        tick += 1
        await asyncio.sleep(max(0.0, due - loop.time()))
        words.append(TYPED[len(words) % len(TYPED)])
        if len(" ".join(words)) > 9000:  # the 10,000-character limit of a text field
            words = words[-1:]
        body = json.dumps({"domains": {"bolig": {"situation": " ".join(words)}}}).encode()
        try:
            if version is None:  # reload, as the page does after a failed save
                version = (await browser.request("GET", path)).version
            sent = loop.time()
            answer = await browser.request(
                "PATCH", path, body, f'If-Match: "{version}"\r\nPrefer: return=minimal\r\n'
            )
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            result.errors[type(exc).__name__] += 1
            version = None
            continue
        finished = loop.time()
        result.latencies_ms.append((finished - due) * 1000)
        result.send_lag_ms.append((sent - due) * 1000)
        if answer.status in (200, 204):  # 204: saved, as autosave asks (Prefer: return=minimal)
            version = answer.version
        else:
            result.errors[str(answer.status)] += 1
            version = None


async def _typing(server: Server, seats: list[Seat], duration: float, seed: int) -> TypingResult:
    loop = asyncio.get_running_loop()
    result = TypingResult(clients=len(seats), duration_s=duration)
    browsers = [Browser("127.0.0.1", server.port, seat.token) for seat in seats]
    try:
        # The page load: opens each connection and gives the version to edit. One after the
        # other: 50 requests arriving at the same instant is not what is measured here.
        pages = [
            await b.request("GET", f"/api/v1/canvases/{s.canvas_id}")
            for b, s in zip(browsers, seats, strict=True)
        ]
        if failed := [p.status for p in pages if p.status != 200]:
            raise RuntimeError(f"loading the canvases failed: {failed}")
        # Each caseworker types on their own rhythm: a fixed random offset within the second,
        # and saves on absolute ticks from there, so a slow save does not shift the next.
        rng = random.Random(seed)
        start = loop.time() + 0.5
        await asyncio.gather(
            *(
                _typist(b, s, page.version, start + rng.random(), start + duration, result)
                for b, s, page in zip(browsers, seats, pages, strict=True)
            )
        )
    finally:
        for b in browsers:
            b.close()
    return result


def run_typing(server: Server, seats: list[Seat], duration: float, seed: int) -> TypingResult:
    errors = server.unhandled_errors()
    with metered(server) as cpu:
        result = asyncio.run(_typing(server, seats, duration, seed))
    result.cpu = cpu[0]
    server.settle()
    result.server_errors = server.unhandled_errors() - errors
    return result


# ----------------------------------------------------------------------------------------------
# (b) full speed with wrk: autosave and the bare endpoint, interleaved.

# wrk runs one connection per thread (-t N -c N), so each Lua state has exactly one request in
# flight and knows which canvas a response belongs to: it keeps that canvas's version from the
# ETag, as the browser does. A canvas whose version is unknown (at the start, or after a failed
# save) is read first; those reads are counted apart and not as autosaves.
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

LUA_AUTOSAVE = r"""
local seats = {
%(seats)s
}
local nthreads = %(threads)d
local text = %(text)s
local patch_prefix = %(prefix)s
local start_version = %(start)s

n200, n412, nother, nresync, statuses = 0, 0, 0, 0, ""
local mine = {}
local cursor = 0
local current = nil
local reading = false
local counter = 0

function init(args)
  for i = index + 1, #seats, nthreads do
    local seat = {id = seats[i].id, token = seats[i].token, version = start_version}
    table.insert(mine, seat)
  end
end

function request()
  cursor = cursor %% #mine + 1
  current = mine[cursor]
  local headers = {["Authorization"] = "Bearer " .. current.token}
  if current.version == nil then
    reading = true
    return wrk.format("GET", "/api/v1/canvases/" .. current.id, headers)
  end
  reading = false
  counter = counter + 1
  headers["If-Match"] = '"' .. current.version .. '"'
  headers["Content-Type"] = "application/json"
  headers["Prefer"] = "return=minimal"
  local body = '{"domains":{"bolig":{"situation":"' .. text .. " " .. counter .. '"}}}'
  return wrk.format("PATCH", patch_prefix .. current.id, headers, body)
end

function response(status, headers, body)
  local etag = headers["etag"] or headers["ETag"]
  local version = etag and tonumber(string.match(etag, "%%d+"))
  if reading then
    nresync = nresync + 1
  elseif status == 200 or status == 204 then
    n200 = n200 + 1
  elseif status == 412 then
    n412 = n412 + 1
  else
    nother = nother + 1
    if #statuses < 200 then statuses = statuses .. status .. " " end
  end
  if status == 200 or status == 204 then current.version = version else current.version = nil end
end
"""


@dataclass
class WrkRun:
    kind: str  # "bare", "floor" or "autosave"
    round: int
    requests: int
    duration_s: float
    ok: int
    stale: int
    other: int
    resyncs: int
    other_statuses: str
    socket_errors: dict[str, int]
    latency_ms: dict[str, float]
    cpu: CpuUse
    # 500s in the server log from this phase, including requests still queued when wrk
    # stopped, whose answers wrk never saw.
    server_errors: int

    @property
    def ok_per_s(self) -> float:
        return self.ok / self.duration_s

    @property
    def failed(self) -> int:
        """Requests that got no 2xx answer: error statuses, timeouts, broken connections."""
        return self.stale + self.other + sum(self.socket_errors.values())


def _lua_string(value: str) -> str:
    # JSON string escapes are valid Lua escapes for this text (no control characters).
    return json.dumps(value, ensure_ascii=False)


def write_wrk_scripts(workdir: Path, seats: list[Seat], connections: int) -> dict[str, Path]:
    """One wrk script per kind: the bare yardstick, the framework floor and the autosave."""
    if connections > len(seats):
        raise SystemExit(f"--connections {connections}: at most one per canvas ({len(seats)})")
    rows = ",\n".join(
        f"  {{id = {_lua_string(s.canvas_id)}, token = {_lua_string(s.token)}}}" for s in seats
    )
    text = " ".join(TYPED)
    scripts = {"bare": workdir / "bare.lua"}
    scripts["bare"].write_text(LUA_DONE)
    # The floor route answers any If-Match n with ETag n+1, so its "canvases" start at version 1
    # and never need a read.
    for kind, prefix, start in (
        ("floor", FLOOR_PREFIX, "1"),
        ("autosave", "/api/v1/canvases/", "nil"),
    ):
        scripts[kind] = workdir / f"{kind}.lua"
        values = {
            "seats": rows,
            "threads": connections,
            "text": _lua_string(text),
            "prefix": _lua_string(prefix),
            "start": start,
        }
        scripts[kind].write_text(LUA_AUTOSAVE % values + LUA_DONE)
    return scripts


def run_wrk(
    wrk: str,
    server: Server,
    kind: str,
    script: Path,
    connections: int,
    seconds: int,
    round_: int,
) -> WrkRun:
    url = server.base_url + (BARE_PATH if kind == "bare" else "/")
    command = [wrk, "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", "5s", "-s", str(script), url]
    server_errors = server.unhandled_errors()
    with metered(server) as cpu:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    server.settle()
    server_errors = server.unhandled_errors() - server_errors
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw: dict[str, Any] = json.loads(line.removeprefix("BENCH-JSON "))
    errors: dict[str, int] = raw["errors"]
    ok = raw["ok"]
    if kind == "bare":  # no response() callback there; wrk counts statuses >= 400 itself
        ok = raw["requests"] - errors["status"]
    return WrkRun(
        kind=kind,
        round=round_,
        requests=raw["requests"],
        duration_s=raw["duration_us"] / 1e6,
        ok=ok,
        stale=raw["stale"],
        other=raw["other"] if kind != "bare" else errors["status"],
        resyncs=raw["resyncs"],
        other_statuses=raw["other_statuses"].strip(),
        socket_errors={k: v for k, v in errors.items() if k != "status"},
        latency_ms={k: v / 1000 for k, v in raw["latency_us"].items()},
        cpu=cpu[0],
        server_errors=server_errors,
    )


# ----------------------------------------------------------------------------------------------
# Report.


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


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


# Other programs using more than this many cores during a measurement get a warning.
BUSY_MACHINE_CORES = 0.15


def report(
    args: argparse.Namespace,
    typing: TypingResult,
    runs: list[WrkRun],
    info: dict[str, Any],
    unhandled: int,
    server_log: str,
) -> dict[str, Any]:
    lat = typing.latencies_ms
    saves = len(lat)
    p50, p95, p99 = (percentile(lat, p) for p in (50, 95, 99))
    worst = max(lat) if lat else float("nan")
    errors = sum(typing.errors.values())
    bare_median = statistics.median(r.ok_per_s for r in runs if r.kind == "bare")
    auto_median = statistics.median(r.ok_per_s for r in runs if r.kind == "autosave")
    ratio = auto_median / bare_median if bare_median else float("nan")
    floor_median = statistics.median(r.ok_per_s for r in runs if r.kind == "floor")
    floor_ratio = floor_median / bare_median if bare_median else float("nan")
    failed_saves = sum(r.failed for r in runs if r.kind == "autosave")
    failed_bare = sum(r.failed for r in runs if r.kind == "bare")
    stale = sum(r.stale for r in runs if r.kind == "autosave")
    assert typing.cpu is not None
    others = [typing.cpu.others_s / typing.cpu.wall_s] + [
        r.cpu.others_s / r.cpu.wall_s for r in runs
    ]

    db = "PostgreSQL" if args.db == "postgres" else "SQLite"
    print()
    print(f"Duk autosave benchmark, {db}, {info['cpus']} CPUs ({info['cpu_model']})")
    print()
    print(
        f"(a) {typing.clients} clients, one autosave a second each, for {typing.duration_s:g} s:"
        f" {saves} saves, {errors} failed"
        + (f" ({dict(typing.errors)})" if errors else "")
        + f", {typing.server_errors} server errors (500) logged"
    )
    print(f"    p50  {p50:7.2f} ms")
    print(
        f"    p95  {p95:7.2f} ms    target <= {TARGET_P95_MS:g} ms"
        f"   {_verdict(p95 <= TARGET_P95_MS)}"
    )
    print(f"    p99  {p99:7.2f} ms")
    print(f"    max  {worst:7.2f} ms")
    print(
        f"    (from when each save was due; the client itself was up to"
        f" {percentile(typing.send_lag_ms, 99):.2f} ms late sending, p99, included)"
    )
    print(f"    CPU per save: {_cpu_per_request(typing.cpu, saves)};", _cores(typing.cpu))
    print()
    print(
        f"(b) closed loop with wrk, {args.connections} connections,"
        f" {args.phase_seconds} s per phase, interleaved"
    )
    print("    round  kind        req/s  failed  500s   wrk p50   wrk p99   CPU per request")
    for r in runs:
        print(
            f"    {r.round:>5}  {r.kind:<8} {r.ok_per_s:8.0f} {r.failed:7d} {r.server_errors:5d}"
            f" {r.latency_ms['p50']:6.1f} ms {r.latency_ms['p99']:6.1f} ms"
            f"   {_cpu_per_request(r.cpu, r.requests)}"
        )
    print("    (failed: answers wrk saw that were not 2xx, timeouts, broken connections;")
    print("     500s: unhandled errors the server logged in the phase, answered or not)")
    for r in runs:
        print(f"    round {r.round} {r.kind:<8}", _cores(r.cpu))
    print(f"    median bare      {bare_median:8.0f} req/s")
    print(f"    median autosave  {auto_median:8.0f} req/s")
    print(
        f"    ratio            {ratio:8.1%}        target >= {TARGET_RATIO:.0%}"
        f"   {_verdict(ratio >= TARGET_RATIO)}"
    )
    print(
        f"    median floor     {floor_median:8.0f} req/s   ({floor_ratio:.1%} of bare: a route of"
        " autosave's shape with no database and no sign-in)"
    )
    print(
        f"    autosave/floor   {auto_median / floor_median:8.1%}"
        if floor_median
        else "    autosave/floor   n/a"
    )
    print(f"    failed autosaves {failed_saves} ({stale} stale, 412); failed bare {failed_bare}")
    print()
    if unhandled:
        print(f"server log: {unhandled} unhandled errors (500s); see {server_log}")
    if max(others) > BUSY_MACHINE_CORES:
        print(
            f"warning: other programs kept up to {max(others):.2f} CPU cores busy during the"
            " run; these figures are worse than an idle machine would give."
        )
    print()

    return {
        "benchmark": "autosave",
        "db": args.db,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": info,
        "server_unhandled_errors": unhandled,
        "server_log": server_log,
        "config": {
            "clients": args.clients,
            "duration_s": args.duration,
            "connections": args.connections,
            "phase_seconds": args.phase_seconds,
            "rounds": args.rounds,
            "seed": args.seed,
        },
        "typing": {
            "saves": saves,
            "errors": dict(typing.errors),
            "p50_ms": p50,
            "p95_ms": p95,
            "p99_ms": p99,
            "max_ms": worst,
            "send_lag_p99_ms": percentile(typing.send_lag_ms, 99),
            "cpu": asdict(typing.cpu),
            "target_p95_ms": TARGET_P95_MS,
            "pass": p95 <= TARGET_P95_MS,
            "latencies_ms": lat,
        },
        "full_speed": {
            "runs": [asdict(r) | {"ok_per_s": r.ok_per_s, "failed": r.failed} for r in runs],
            "bare_median_per_s": bare_median,
            "autosave_median_per_s": auto_median,
            "floor_median_per_s": floor_median,
            "ratio": ratio,
            "floor_ratio": floor_ratio,
            "failed_autosaves": failed_saves,
            "failed_bare": failed_bare,
            "target_ratio": TARGET_RATIO,
            "pass": ratio >= TARGET_RATIO,
        },
    }


def _cpu_per_request(cpu: CpuUse, requests: int) -> str:
    def ms(seconds: float) -> str:
        return f"{seconds / requests * 1000:.2f} ms" if requests else "-"

    if cpu.database_s:
        return f"server {ms(cpu.server_s)} + database {ms(cpu.database_s)}"
    return f"server {ms(cpu.server_s)}"


def _cores(cpu: CpuUse) -> str:
    """How many CPU cores were busy, on average, and with what."""
    shares = [("server", cpu.server_s), ("database", cpu.database_s)]
    shares += [("load generator", cpu.client_s), ("other programs", cpu.others_s)]
    return "cores busy: " + ", ".join(
        f"{name} {seconds / cpu.wall_s:.2f}"
        for name, seconds in shares
        if name != "database" or seconds
    )


# ----------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clients", type=int, default=50, help="typists in (a) (default 50)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of (a) (default 60)")
    parser.add_argument(
        "--phase-seconds", type=int, default=10, help="seconds of each wrk phase in (b)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="bare/autosave pairs in (b) (default 3)"
    )
    parser.add_argument(
        "--connections", type=int, default=8, help="wrk connections in (b) (default 8)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed for the typists' rhythm")
    parser.add_argument("--quick", action="store_true", help="smoke run: (a) 5 s, (b) 1 x 3 s")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.phase_seconds, args.rounds = 5.0, 3, 1
    return args


def main() -> int:
    args = parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "bench: wrk is missing; install the Debian package: apt-get install -y wrk"
            " (or run scripts/system-deps.sh as root)",
            file=sys.stderr,
        )
        return 2
    info = machine()
    secret_key = secrets.token_urlsafe(36)  # 48 characters; production refuses the dev default
    with database(args.db) as url, tempfile.TemporaryDirectory(prefix="duk-bench-run-") as tmp:
        workdir = Path(tmp)
        settings = Settings(env="production", database_url=url, secret_key=secret_key)
        print(f"==> preparing a fresh {args.db} database with {args.clients} caseworkers")
        seats = prepare(url, settings, args.clients)
        scripts = write_wrk_scripts(workdir, seats, args.connections)
        with running_server(url, secret_key, workdir / "server.log") as server:
            print(f"==> (a) {args.clients} typists for {args.duration:g} s")
            typing = run_typing(server, seats, args.duration, args.seed)
            runs: list[WrkRun] = []
            for round_ in range(1, args.rounds + 1):
                for kind in ("bare", "floor", "autosave"):
                    script = scripts[kind]
                    print(f"==> (b) round {round_}: {kind} for {args.phase_seconds} s")
                    runs.append(
                        run_wrk(
                            wrk, server, kind, script, args.connections, args.phase_seconds, round_
                        )
                    )
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = RESULTS_DIR / f"autosave-{args.db}-{stamp}.json"
        log = (workdir / "server.log").read_text(errors="replace")
        unhandled = log.count("unhandled ")
        kept_log = ""
        if log.strip():
            kept = out.with_suffix(".server.log")
            kept.write_text(log)
            kept_log = str(kept.relative_to(ROOT))
    results = report(args, typing, runs, info, unhandled, kept_log)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"raw numbers: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

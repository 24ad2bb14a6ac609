"""The tablet's paths against a bare FastAPI app: the performance bars of DESIGN §9.

Two servers run side by side on loopback, each as production starts it: Duk by ``duk serve``
(uvicorn, one worker, the app's access log to a file) over a fresh database, and the yardstick,
a bare FastAPI app with one route returning a fixed string (bench/bare_app.py), under the same
uvicorn settings in a process of its own. The database holds 50 caseworkers, each the plan lead
of one family whose duk is as full as §9's bar (8 domains written, 40 needs, 20 actions), each
signed in twice: a browser session (cookie and CSRF token, as the tablet holds them) and a bearer
token for the JSON API.

(a) typing: each caseworker saves one field a second through the route static/app.js calls
    (``PATCH /canvases/{id}/autosave``, cookie session, CSRF header), first alone, then while
    five people a second sign in through the login form (argon2 and all). Latency runs from the
    moment a save was due. Target: p95 at most 15 ms, with the sign-ins going on.
(b) full speed: wrk in a closed loop, interleaved for several rounds: the bare app, the tablet's
    autosave, the JSON API's autosave (``PATCH /api/v1/canvases/{id}``, ``Prefer:
    return=minimal``) and the canvas page (``GET /canvases/{id}``, gzip, its read audited).
    Targets: tablet autosave at least 25% of the bare app's requests/s on SQLite, 20% on
    PostgreSQL; the canvas page at least 10% on both.

    .venv/bin/python bench/tablet.py                   SQLite in a temporary directory
    .venv/bin/python bench/tablet.py --db postgres     a throwaway PostgreSQL (tests/pg_server)
    .venv/bin/python bench/tablet.py --quick           a smoke run of about a minute

Prints a table with the targets (PASS/MISS; the exit status is 0 either way) and writes the raw
numbers to bench/results/. Needs ``wrk`` (Debian package ``wrk``; scripts/system-deps.sh).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's packages are importable
    sys.path.insert(0, str(ROOT))

from app import migrate  # noqa: E402
from app.access.scope import scope_for  # noqa: E402
from app.accounts import service as account_service  # noqa: E402
from app.actions import service as action_service  # noqa: E402
from app.actions.schemas import ActionCreate  # noqa: E402
from app.canvases import service as canvas_service  # noqa: E402
from app.canvases.schemas import CanvasPatch  # noqa: E402
from app.catalogue import service as catalogue_service  # noqa: E402
from app.catalogue import template_store  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_session_factory, session_scope  # noqa: E402
from app.kit.i18n import local_today  # noqa: E402
from app.needs import service as need_service  # noqa: E402
from app.needs.schemas import NeedCreate  # noqa: E402
from bench.harness import (  # noqa: E402
    BUSY_MACHINE_CORES,
    LUA_DONE,
    RESULTS_DIR,
    Browser,
    CpuUse,
    Server,
    cores,
    cpu_per_request,
    database,
    free_port,
    machine,
    metered,
    percentile,
    running_server,
    verdict,
)
from tests.factories import PASSWORD, actor_of, make_canvas, make_family, make_unit, make_user  # noqa: E402

TARGET_P95_MS = 15.0
TARGET_TABLET = {"sqlite": 0.25, "postgres": 0.20}
TARGET_PAGE = 0.10
PAGE_BUDGET_BYTES = 60 * 1024
SESSION_COOKIE = "duk_session"  # the name on plain HTTP (app/web/deps.py)
FIELD = "domains.bolig.situation"
# What a caseworker types into the housing situation, a word per autosave.
TYPED = (
    "Familien bor i en treroms leilighet i andre etasje med to voksne og tre barn. Husleien er "
    "høy og det er fuktskader på badet. Eldste barn deler rom med to søsken og får ikke gjort "
    "lekser i fred. Mor ønsker å søke startlån, far er usikker på om økonomien tåler det. De "
    "vil helst bli boende nær skolen og fotballaget til mellomste barn."
).split()
KINDS = ("bare", "floor", "tablet", "api", "page")
LABELS = {
    "bare": "bare FastAPI app, one route returning a fixed string (own process)",
    "floor": "  (context) the same app, a route of autosave's shape, no database",
    "tablet": "PATCH /canvases/{id}/autosave, as static/app.js sends it",
    "api": "PATCH /api/v1/canvases/{id}, Prefer: return=minimal",
    "page": "GET /canvases/{id}, the full canvas page (gzip, audited)",
}


# ----------------------------------------------------------------------------------------------
# Setup: a fresh database, 50 caseworkers at their own family's full duk, and people to sign in.


@dataclass
class Seat:
    """One caseworker at their own family's duk."""

    canvas_id: str
    token: str  # bearer token, for the JSON API
    session: str  # browser session cookie
    csrf: str = ""  # the CSRF cookie the first page load set


def _fill(session: Any, settings: Settings, user: Any, family: Any, canvas: Any) -> None:
    """A duk as full as the bar of DESIGN §9: 8 domains written, 40 needs, 20 actions."""
    actor = actor_of(session, user)
    scope = scope_for(session, actor, family)
    keys = [d.key for d in template_store.template_of(session, canvas).domains]
    story = "Vi har det travelt, men vi får det til når alle hjelper til litt hver dag. " * 3
    patch = {
        "centre": {"what_matters": "At alle i familien har det godt – også bestemor."},
        "domains": {
            key: {"situation": story, "strengths": "Gode naboer.", "family_score": 5}
            for key in keys
        },
    }
    canvas_service.patch_canvas(
        session, actor, scope, canvas, CanvasPatch.model_validate(patch), canvas.version
    )
    needs = [
        need_service.add_need(
            session,
            actor,
            scope,
            canvas,
            NeedCreate(domain=keys[i % len(keys)], text=f"Behov nummer {i}.", priority=1 + i % 3),
        )
        for i in range(40)
    ]
    for i in range(20):
        data = {
            "text": f"Tiltak {i}: familien og NAV følger opp sammen.",
            "responsible": {"kind": "family", "member": "Mor"},
            "due": (local_today() + timedelta(days=30 + i)).isoformat(),
            "need_ids": [str(needs[i].id)],
        }
        action_service.add_action(session, actor, scope, canvas, ActionCreate.model_validate(data))


def prepare(
    url: str, settings: Settings, clients: int, signers: int
) -> tuple[list[Seat], list[str]]:
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
                _fill(session, settings, user, family, canvas)
                token, _ = account_service.issue_token(session, user, settings)
                cookie, _ = account_service.issue_token(session, user, settings, kind="session")
                seats.append(Seat(canvas_id=str(canvas.id), token=token, session=cookie))
            names = [f"signer{n:03d}" for n in range(signers)]
            for name in names:
                make_user(session, units=[unit], username=name)
        return seats, names
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------------------------
# The two servers, each as production starts it.


def duk_command(port: int) -> list[str]:
    duk = Path(sys.executable).with_name("duk")
    return [str(duk), "serve", "--host", "127.0.0.1", "--port", str(port)]


def bare_command(port: int) -> list[str]:
    # The settings ``duk serve`` gives uvicorn (app/cli.py): one worker, no uvicorn access log,
    # proxy headers, log level info.
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.bare_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--proxy-headers",
        "--log-level",
        "info",
    ]


def server_env(url: str, secret_key: str, data_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUK_")}
    env |= {
        "DUK_ENV": "production",
        "DUK_DATABASE_URL": url,
        "DUK_SECRET_KEY": secret_key,
        "DUK_DATA_KEY": data_key,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
    }
    return env


def _cookie_headers(seat: Seat) -> str:
    return (
        f"Cookie: {SESSION_COOKIE}={seat.session}; csrftoken={seat.csrf}\r\n"
        f"x-csrftoken: {seat.csrf}\r\n"
    )


@dataclass
class PageWeight:
    html_bytes: int
    assets_bytes: int

    @property
    def total(self) -> int:
        return self.html_bytes + self.assets_bytes


async def _open_pages(server: Server, seats: list[Seat]) -> PageWeight:
    """Each tablet opens its duk once, as the caseworker does: that sets the CSRF cookie the
    autosave sends back. The first page's weight over the wire (gzip) is measured too."""
    weight = PageWeight(0, 0)
    for n, seat in enumerate(seats):
        browser = Browser(
            "127.0.0.1",
            server.port,
            f"Cookie: {SESSION_COOKIE}={seat.session}\r\nAccept-Encoding: gzip\r\n",
        )
        try:
            page = await browser.request("GET", f"/canvases/{seat.canvas_id}")
            if page.status != 200 or "csrftoken" not in page.cookies:
                raise RuntimeError(f"opening the canvas page failed: {page.status}")
            seat.csrf = page.cookies["csrftoken"]
            if n == 0:
                weight.html_bytes = len(page.body)
                html = page.headers.get("content-encoding")
                if html != "gzip":
                    raise RuntimeError("the canvas page was not compressed")
                for asset in ("app.css", "app.js", "vendor/htmx/htmx.min.js"):
                    answer = await browser.request("GET", f"/static/{asset}")
                    weight.assets_bytes += len(answer.body)
        finally:
            browser.close()
    return weight


async def _current(server: Server, seat: Seat) -> tuple[int, str]:
    """The canvas's version and the text of the field the tablet types into."""
    browser = Browser("127.0.0.1", server.port, f"Authorization: Bearer {seat.token}\r\n")
    try:
        answer = await browser.request("GET", f"/api/v1/canvases/{seat.canvas_id}")
    finally:
        browser.close()
    if answer.status != 200 or answer.version is None:
        raise RuntimeError(f"reading a canvas failed: {answer.status}")
    text: str = json.loads(answer.body)["domains"]["bolig"]["situation"]
    return answer.version, text


# ----------------------------------------------------------------------------------------------
# (a) 50 caseworkers typing, one save a second each, with and without sign-ins going on.


@dataclass
class TypingResult:
    clients: int
    duration_s: float
    signins_per_s: float
    latencies_ms: list[float] = field(default_factory=list)
    # How late the client itself sent a save after it was due (client-side scheduling).
    send_lag_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    signin_ms: list[float] = field(default_factory=list)
    signin_errors: Counter[str] = field(default_factory=Counter)
    cpu: CpuUse | None = None
    server_errors: int = 0


async def _typist(
    server: Server, seat: Seat, due_first: float, until: float, result: TypingResult
) -> None:
    loop = asyncio.get_running_loop()
    path = f"/canvases/{seat.canvas_id}/autosave"
    browser = Browser("127.0.0.1", server.port, _cookie_headers(seat))
    version, base = await _current(server, seat)
    words: list[str] = []
    tick = 0
    try:
        while (due := due_first + tick) < until:
            tick += 1
            await asyncio.sleep(max(0.0, due - loop.time()))
            words.append(TYPED[len(words) % len(TYPED)])
            if len(" ".join(words)) > 9000:  # the 10,000-character limit of a text field
                words = words[-1:]
            value = " ".join(words)
            body = {"version": version, "field": FIELD, "value": value, "base": base}
            try:
                sent = loop.time()
                answer = await browser.request(
                    "PATCH",
                    path,
                    json.dumps(body, ensure_ascii=False).encode(),
                    "Accept: application/json\r\n",
                )
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                result.errors[type(exc).__name__] += 1
                version, base = await _current(server, seat)
                continue
            finished = loop.time()
            result.latencies_ms.append((finished - due) * 1000)
            result.send_lag_ms.append((sent - due) * 1000)
            if answer.status == 200:
                version, base = json.loads(answer.body)["version"], value
            else:
                result.errors[str(answer.status)] += 1
                version, base = await _current(server, seat)
    finally:
        browser.close()


async def _sign_in(server: Server, username: str, result: TypingResult) -> None:
    """One person signing in through the login form, as a browser does: the page, then the
    form post with the CSRF token the page set."""
    loop = asyncio.get_running_loop()
    browser = Browser("127.0.0.1", server.port)
    try:
        page = await browser.request("GET", "/login")
        csrf = page.cookies.get("csrftoken", "")
        form = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrftoken": csrf, "next": "/"}
        ).encode()
        started = loop.time()
        answer = await browser.request(
            "POST",
            "/login",
            form,
            f"Cookie: csrftoken={csrf}\r\n",
            content_type="application/x-www-form-urlencoded",
        )
        result.signin_ms.append((loop.time() - started) * 1000)
        if answer.status != 303:
            result.signin_errors[str(answer.status)] += 1
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        result.signin_errors[type(exc).__name__] += 1
    finally:
        browser.close()


async def _signins(
    server: Server, names: list[str], per_s: float, start: float, until: float, result: TypingResult
) -> None:
    """``per_s`` sign-ins a second on absolute ticks; each runs on its own, so a slow one does
    not delay the next."""
    loop = asyncio.get_running_loop()
    running: set[asyncio.Task[None]] = set()
    for n in range(int((until - start) * per_s)):
        await asyncio.sleep(max(0.0, start + n / per_s - loop.time()))
        task = asyncio.create_task(_sign_in(server, names[n % len(names)], result))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)


async def _typing(
    server: Server,
    seats: list[Seat],
    names: list[str],
    duration: float,
    signins_per_s: float,
    seed: int,
) -> TypingResult:
    loop = asyncio.get_running_loop()
    result = TypingResult(clients=len(seats), duration_s=duration, signins_per_s=signins_per_s)
    # Each caseworker types on their own rhythm: a fixed random offset within the second,
    # and saves on absolute ticks from there, so a slow save does not shift the next.
    rng = random.Random(seed)
    start = loop.time() + 1.0
    jobs = [_typist(server, s, start + rng.random(), start + duration, result) for s in seats]
    if signins_per_s:
        jobs.append(_signins(server, names, signins_per_s, start, start + duration, result))
    await asyncio.gather(*jobs)
    return result


def run_typing(
    server: Server,
    seats: list[Seat],
    names: list[str],
    duration: float,
    signins_per_s: float,
    seed: int,
) -> TypingResult:
    errors = server.unhandled_errors()
    with metered(server) as cpu:
        result = asyncio.run(_typing(server, seats, names, duration, signins_per_s, seed))
    result.cpu = cpu[0]
    server.settle()
    result.server_errors = server.unhandled_errors() - errors
    return result


# ----------------------------------------------------------------------------------------------
# (b) full speed with wrk: each connection its own wrk thread, so each Lua state has one request
# in flight and knows which canvas an answer is about.

LUA_SEATS = r"""
local seats = {
%(seats)s
}
local nthreads = %(threads)d
local text = %(text)s

n200, n412, nother, nresync, statuses = 0, 0, 0, 0, ""
local mine = {}
local cursor = 0
local current = nil
local reading = false
local counter = 0

function init(args)
  for i = index + 1, #seats, nthreads do table.insert(mine, seats[i]) end
end

local function other(status)
  nother = nother + 1
  if #statuses < 200 then statuses = statuses .. status .. " " end
end
"""

# The tablet's autosave: the version and the field's text as last saved (the base of the next
# save) travel with each request, as app.js sends them.
LUA_TABLET = r"""
local path_prefix, path_suffix = "%(prefix)s", "%(suffix)s"

function request()
  cursor = cursor %% #mine + 1
  current = mine[cursor]
  counter = counter + 1
  current.sent = text .. " " .. counter
  local body = '{"version":' .. current.version .. ',"field":"%(field)s","value":"'
    .. current.sent .. '","base":"' .. current.base .. '"}'
  local headers = {
    ["Cookie"] = "%(cookie)s=" .. current.session .. "; csrftoken=" .. current.csrf,
    ["x-csrftoken"] = current.csrf,
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
  return wrk.format("PATCH", path_prefix .. current.id .. path_suffix, headers, body)
end

function response(status, headers, body)
  local version = tonumber(string.match(body or "", '"version":%%s*(%%d+)'))
  if status == 200 then
    n200 = n200 + 1
    current.version = version
    current.base = current.sent
  elseif status == 409 then
    n412 = n412 + 1
    current.version = version or current.version
    current.base = string.match(body or "", '"theirs":"(.-)"') or current.base
  else
    other(status)
  end
end
"""

# The JSON API's autosave: If-Match from the last ETag; a canvas whose version is unknown (at
# the start, or after a failed save) is read first, and those reads are not counted as saves.
LUA_API = r"""
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
  return wrk.format("PATCH", "/api/v1/canvases/" .. current.id, headers, body)
end

function response(status, headers, body)
  local etag = headers["etag"] or headers["ETag"]
  local version = etag and tonumber(string.match(etag, "%%d+"))
  if reading then
    nresync = nresync + 1
  elseif status == 204 then
    n200 = n200 + 1
  elseif status == 412 then
    n412 = n412 + 1
  else
    other(status)
  end
  if status == 200 or status == 204 then current.version = version else current.version = nil end
end
"""

LUA_PAGE = r"""
function request()
  cursor = cursor %% #mine + 1
  current = mine[cursor]
  local headers = {
    ["Cookie"] = "%(cookie)s=" .. current.session .. "; csrftoken=" .. current.csrf,
    ["Accept"] = "text/html",
    ["Accept-Encoding"] = "gzip, deflate",
  }
  return wrk.format("GET", "/canvases/" .. current.id, headers)
end

function response(status, headers, body)
  if status == 200 then n200 = n200 + 1 else other(status) end
end
"""


def _lua(value: str) -> str:
    # JSON string escapes are valid Lua escapes for this text (no control characters); the
    # text stays UTF-8, as Lua strings are bytes.
    return json.dumps(value, ensure_ascii=False)


def wrk_script(
    path: Path, kind: str, seats: list[Seat], connections: int, state: list[tuple[int, str]]
) -> Path:
    """The wrk script of one kind of phase. "floor" sends the tablet's autosave to the bare
    app's route of the same shape."""
    if kind == "bare":
        path.write_text(LUA_DONE)
        return path
    rows = []
    for seat, (version, base) in zip(seats, state or [(0, "")] * len(seats), strict=True):
        row = {"id": seat.canvas_id, "token": seat.token, "session": seat.session}
        row |= {"csrf": seat.csrf, "base": base}
        fields = ", ".join(f"{k} = {_lua(v)}" for k, v in row.items())
        known = kind in ("tablet", "floor")
        rows.append(f"  {{{fields}, version = {max(version, 1) if known else 'nil'}}}")
    head = LUA_SEATS % {
        "seats": ",\n".join(rows),
        "threads": connections,
        "text": _lua(" ".join(TYPED)),
    }
    body = {"tablet": LUA_TABLET, "floor": LUA_TABLET, "api": LUA_API, "page": LUA_PAGE}[kind]
    paths = ("/floor/", "") if kind == "floor" else ("/canvases/", "/autosave")
    values = {"field": FIELD, "cookie": SESSION_COOKIE, "prefix": paths[0], "suffix": paths[1]}
    path.write_text(head + body % values + LUA_DONE)
    return path


@dataclass
class WrkRun:
    kind: str
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


def run_wrk(
    wrk: str,
    server: Server,
    kind: str,
    script: Path,
    connections: int,
    seconds: int,
    round_: int,
) -> WrkRun:
    command = [wrk, "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", "5s", "-s", str(script), server.base_url + "/"]
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
# Where the time goes: py-spy on the server during one more phase of a kind (not counted).


def profile_phase(
    wrk: str, server: Server, kind: str, script: Path, connections: int, seconds: int, out: Path
) -> list[tuple[float, str]]:
    """Run one phase of ``kind`` under py-spy and return the share of samples each function
    of the server was on the stack for (inclusive), the largest first. py-spy samples only
    thread holding the interpreter (--gil): the server is bound by one core, and this is where
    that core goes."""
    spy = Path(sys.executable).with_name("py-spy")
    recorder = subprocess.Popen(
        [str(spy), "record", "--pid", str(server.pid), "--rate", "250", "--format", "raw"]
        + ["--duration", str(seconds + 1), "--output", str(out), "--gil"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    run_wrk(wrk, server, kind, script, connections, seconds, 0)
    recorder.wait()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own["self in " + _package(frames[-1])] += n
    if not total:
        return []
    shares = [(c / total, f) for f, c in inclusive.most_common(80)]
    return shares + [(c / total, f) for f, c in own.most_common(12)]


def _package(frame: str) -> str:
    """Where a py-spy frame's code lives: "sqlalchemy", "app/canvases", "jinja2", ..."""
    path = frame[frame.rfind("(") + 1 :].split(":")[0]
    parts = path.split("/")
    if parts[0] == "app" and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0]


# ----------------------------------------------------------------------------------------------
# Report.


def _typing_lines(title: str, t: TypingResult) -> dict[str, Any]:
    lat = t.latencies_ms
    p50, p95, p99 = (percentile(lat, p) for p in (50, 95, 99))
    failed = sum(t.errors.values())
    print(
        f"{title}: {len(lat)} saves, {failed} failed"
        + (f" ({dict(t.errors)})" if failed else "")
        + f", {t.server_errors} server errors (500) logged"
    )
    print(f"    autosave p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   p99 {p99:7.2f} ms", end="")
    print(f"   max {max(lat, default=float('nan')):7.2f} ms")
    if t.signins_per_s:
        s50, s95 = percentile(t.signin_ms, 50), percentile(t.signin_ms, 95)
        bad = sum(t.signin_errors.values())
        print(
            f"    sign-ins: {len(t.signin_ms)} ({t.signins_per_s:g}/s), p50 {s50:.0f} ms,"
            f" p95 {s95:.0f} ms, {bad} failed" + (f" ({dict(t.signin_errors)})" if bad else "")
        )
    print(f"    client late sending, p99: {percentile(t.send_lag_ms, 99):.2f} ms (included)")
    assert t.cpu is not None
    print(f"    CPU per save: {cpu_per_request(t.cpu, len(lat))};", cores(t.cpu))
    return {
        "saves": len(lat),
        "errors": dict(t.errors),
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
        "signins": len(t.signin_ms),
        "signin_errors": dict(t.signin_errors),
        "signin_p50_ms": percentile(t.signin_ms, 50),
        "signin_p95_ms": percentile(t.signin_ms, 95),
        "cpu": asdict(t.cpu),
        "latencies_ms": lat,
    }


def report(
    args: argparse.Namespace,
    weight: PageWeight,
    quiet: TypingResult,
    busy: TypingResult,
    runs: list[WrkRun],
    info: dict[str, Any],
) -> dict[str, Any]:
    db = "PostgreSQL" if args.db == "postgres" else "SQLite"
    print()
    print(f"Duk on the tablet's paths, {db}, {info['cpus']} CPUs ({info['cpu_model']})")
    print()
    print(
        f"page weight: the canvas page {weight.html_bytes} B + its CSS and scripts"
        f" {weight.assets_bytes} B = {weight.total} B over the wire (gzip),"
        f" budget {PAGE_BUDGET_BYTES} B   {verdict(weight.total < PAGE_BUDGET_BYTES)}"
    )
    print()
    typing = {"quiet": _typing_lines(f"(a) {quiet.clients} tablets typing, alone", quiet)}
    typing["signins"] = _typing_lines(
        f"(a) {busy.clients} tablets typing while {busy.signins_per_s:g} people a second sign in",
        busy,
    )
    p95 = typing["signins"]["p95_ms"]
    print(
        f"    target: p95 <= {TARGET_P95_MS:g} ms with sign-ins   {verdict(p95 <= TARGET_P95_MS)}"
    )
    print()
    print(
        f"(b) closed loop with wrk, {args.connections} connections,"
        f" {args.phase_seconds} s per phase, interleaved, {args.rounds} rounds"
    )
    print("    round  kind       req/s  failed  500s   wrk p50   wrk p99   CPU per request")
    for r in runs:
        print(
            f"    {r.round:>5}  {r.kind:<7} {r.ok_per_s:8.0f} {r.failed:7d} {r.server_errors:5d}"
            f" {r.latency_ms['p50']:6.1f} ms {r.latency_ms['p99']:6.1f} ms"
            f"   {cpu_per_request(r.cpu, r.requests)}"
        )
        if r.other_statuses:
            print(f"           other statuses: {r.other_statuses}")
    medians = {k: statistics.median(r.ok_per_s for r in runs if r.kind == k) for k in KINDS}
    bare = medians["bare"]
    targets = {"tablet": TARGET_TABLET[args.db], "page": TARGET_PAGE}
    print()
    print(f"    {'path':<70} {'req/s':>7}  share of bare")
    for kind in KINDS:
        share = medians[kind] / bare if bare else float("nan")
        line = f"    {LABELS[kind]:<70} {medians[kind]:7.0f}  {share:6.1%}"
        if kind in targets:
            line += f"   target >= {targets[kind]:.0%}   {verdict(share >= targets[kind])}"
        print(line)
    for r in runs:
        print(f"    round {r.round} {r.kind:<7}", cores(r.cpu))
    others = [t.cpu.others_s / t.cpu.wall_s for t in (quiet, busy) if t.cpu] + [
        r.cpu.others_s / r.cpu.wall_s for r in runs
    ]
    if max(others) > BUSY_MACHINE_CORES:
        print(
            f"warning: other programs kept up to {max(others):.2f} CPU cores busy during the"
            " run; these figures are worse than a quiet machine would give."
        )
    print()
    return {
        "benchmark": "tablet",
        "db": args.db,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": info,
        "config": {
            k: getattr(args, k)
            for k in ("clients", "duration", "signins", "connections", "phase_seconds", "rounds")
        },
        "page_weight": asdict(weight) | {"total": weight.total, "budget": PAGE_BUDGET_BYTES},
        "typing": typing,
        "full_speed": {
            "runs": [asdict(r) | {"ok_per_s": r.ok_per_s, "failed": r.failed} for r in runs],
            "medians_per_s": medians,
            "shares": {k: medians[k] / bare if bare else None for k in KINDS},
            "targets": targets,
        },
    }


# ----------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clients", type=int, default=50, help="tablets typing (default 50)")
    parser.add_argument(
        "--duration", type=float, default=30, help="seconds of each typing run (default 30)"
    )
    parser.add_argument("--signins", type=float, default=5, help="sign-ins a second (default 5)")
    parser.add_argument("--phase-seconds", type=int, default=10, help="seconds of each wrk phase")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of wrk phases (default 3)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--seed", type=int, default=1, help="seed for the typists' rhythm")
    parser.add_argument("--quick", action="store_true", help="smoke run: short phases, 1 round")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the rounds, one more phase of each of Duk's paths under py-spy (not counted)",
    )
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
    data_key = Fernet.generate_key().decode()
    with database(args.db) as url, tempfile.TemporaryDirectory(prefix="duk-bench-run-") as tmp:
        workdir = Path(tmp)
        settings = Settings(
            env="production", database_url=url, secret_key=secret_key, data_key=data_key
        )
        print(f"==> preparing a fresh {args.db} database: {args.clients} full duks")
        seats, names = prepare(url, settings, args.clients, signers=10)
        env = server_env(url, secret_key, data_key)
        bare_port, duk_port = free_port(), free_port()
        with (
            running_server(
                bare_command(bare_port), env, bare_port, workdir / "bare.log", "/"
            ) as bare,
            running_server(
                duk_command(duk_port), env, duk_port, workdir / "duk.log", "/api/v1/health", url
            ) as duk,
        ):
            weight = asyncio.run(_open_pages(duk, seats))
            print(f"==> (a) {args.clients} tablets typing for {args.duration:g} s")
            quiet = run_typing(duk, seats, names, args.duration, 0, args.seed)
            print(f"==> (a) the same, with {args.signins:g} sign-ins a second")
            busy = run_typing(duk, seats, names, args.duration, args.signins, args.seed)
            runs: list[WrkRun] = []
            for round_ in range(1, args.rounds + 1):
                for kind in KINDS:
                    print(f"==> (b) round {round_}: {kind} for {args.phase_seconds} s")
                    state = (
                        [asyncio.run(_current(duk, s)) for s in seats]
                        if kind in ("tablet", "floor")
                        else []
                    )
                    script = wrk_script(
                        workdir / f"{kind}.lua", kind, seats, args.connections, state
                    )
                    target = bare if kind in ("bare", "floor") else duk
                    runs.append(
                        run_wrk(
                            wrk, target, kind, script, args.connections, args.phase_seconds, round_
                        )
                    )
            RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            profiles: dict[str, list[tuple[float, str]]] = {}
            if args.profile:
                for kind in ("tablet", "api", "page"):
                    print(f"==> profile: {kind} for {args.phase_seconds} s under py-spy")
                    state = [asyncio.run(_current(duk, s)) for s in seats]
                    script = wrk_script(
                        workdir / f"{kind}.lua", kind, seats, args.connections, state
                    )
                    raw = RESULTS_DIR / f"profile-{kind}-{args.db}-{stamp}.txt"
                    profiles[kind] = profile_phase(
                        wrk, duk, kind, script, args.connections, args.phase_seconds, raw
                    )
        out = RESULTS_DIR / f"tablet-{args.db}-{stamp}.json"
        log = (workdir / "duk.log").read_text(errors="replace")
        unhandled = log.count("unhandled ")
        if unhandled:
            kept = out.with_suffix(".server.log")
            kept.write_text(log)
            print(f"server log: {unhandled} unhandled errors (500s); see {kept.relative_to(ROOT)}")
    results = report(args, weight, quiet, busy, runs, info)
    for kind, shares in profiles.items():
        print(f"where {kind}'s time went (py-spy, share of busy samples, inclusive):")
        for share, frame in shares:
            print(f"    {share:6.1%}  {frame}")
        print()
    results["profiles"] = profiles
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"raw numbers: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

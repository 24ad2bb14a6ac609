"""The request layer under contention (issue 11): what one request waits for does not hold up
the others.

These run the app as production does, on a database of its own with the engine and the SQLite
lane its lifespan makes, and send requests from two threads through one client, so they meet on
one event loop. What a test holds up (another process's lock, a password check) it holds until
it has seen what it checks, and then lets go.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jinja2 import Template
from sqlalchemy import Engine, event

from app.accounts import security
from app.accounts import service as account_service
from app.config import Settings
from app.db import make_engine, make_session_factory
from app.main import create_app
from app.models.enums import Role
from tests.conftest import prepare_database
from tests.factories import PASSWORD, auth_headers, make_canvas, make_family, make_unit, make_user
from tests.html import page as read_page
from tests.pages import PageClient

# Long enough for any busy machine; a test that fails waits this long once.
PATIENCE_S = 15


@dataclass(frozen=True)
class Desk:
    canvas_url: str
    headers: dict[str, str]
    username: str
    # A coordinator's browser session, for the reports.
    coordinator_cookie: str


@pytest.fixture
def desk(fresh_settings: Settings) -> Desk:
    engine = make_engine(fresh_settings.database_url)
    try:
        prepare_database(engine)
        with make_session_factory(engine)() as session:
            unit = make_unit(session, name="NAV Kø")
            lead = make_user(session, units=[unit])
            family = make_family(session, lead, fresh_settings, display_name="Familien Kø")
            canvas = make_canvas(session, lead, family)
            coordinator = make_user(session, role=Role.coordinator, units=[unit])
            cookie, _ = account_service.issue_token(
                session, coordinator, fresh_settings, kind="session"
            )
            desk = Desk(
                f"/api/v1/canvases/{canvas.id}",
                auth_headers(session, lead, fresh_settings),
                lead.username,
                cookie,
            )
            session.commit()
    finally:
        engine.dispose()
    return desk


@pytest.fixture
def live_client(fresh_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(fresh_settings)) as client:
        yield client


def _save(client: TestClient, desk: Desk, text: str) -> int:
    """The tablet's autosave of one field through the JSON API; its status."""
    version = client.get(desk.canvas_url, headers=desk.headers).headers["etag"]
    answer = client.patch(
        desk.canvas_url,
        headers=desk.headers | {"If-Match": version, "Prefer": "return=minimal"},
        json={"domains": {"bolig": {"situation": text}}},
    )
    return answer.status_code


@pytest.mark.sqlite
def test_a_request_waiting_on_another_process_lock_holds_up_nothing_else(
    live_client: TestClient, desk: Desk, fresh_settings: Settings
) -> None:
    """``duk backup`` or a second server holds SQLite's write lock; a save waits for it, and
    meanwhile the server goes on answering: here a static file, which needs no database. The
    save waited on the event loop before, and the file came only after it."""
    version = live_client.get(desk.canvas_url, headers=desk.headers).headers["etag"]
    database = fresh_settings.database_url.removeprefix("sqlite:///")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"db = sqlite3.connect({database!r}, isolation_level=None)\n"
            "db.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.readline()\n"
            "db.execute('COMMIT')\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    waiting = threading.Event()

    def saw_begin(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            waiting.set()

    event.listen(Engine, "before_cursor_execute", saw_begin)
    try:
        assert holder.stdout is not None
        assert holder.stdin is not None
        assert holder.stdout.readline() == "locked\n"
        with ThreadPoolExecutor(1) as pool:
            saving = pool.submit(
                live_client.patch,
                desk.canvas_url,
                headers=desk.headers | {"If-Match": version, "Prefer": "return=minimal"},
                json={"domains": {"bolig": {"situation": "Skrevet mens noen tok sikkerhetskopi."}}},
            )
            assert waiting.wait(PATIENCE_S), "the save never reached the database"

            page_asset = live_client.get("/static/app.css")
            save_still_waiting = not saving.done()

            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.wait(PATIENCE_S) == 0
            saved = saving.result(PATIENCE_S)
    finally:
        event.remove(Engine, "before_cursor_execute", saw_begin)
        holder.kill()
        holder.wait()

    assert page_asset.status_code == 200
    assert save_still_waiting, "the static file was answered only after the save was done"
    assert saved.status_code == 204, saved.text


def _hold(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[threading.Event, threading.Event, Callable[[], bool]]:
    """Hold every password check until released: (started, release, finished?)."""
    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    real = security.verify_password

    def held(password_hash: str | None, password: str) -> bool:
        started.set()
        try:
            release.wait(PATIENCE_S)
            return real(password_hash, password)
        finally:
            finished.set()

    # The name the sign-in calls it by (app/accounts/service.py).
    monkeypatch.setattr("app.accounts.service.verify_password", held)
    return started, release, finished.is_set


@pytest.mark.parametrize("door", ["api", "form"])
def test_an_autosave_is_not_held_up_by_someone_signing_in(
    live_client: TestClient, desk: Desk, monkeypatch: pytest.MonkeyPatch, door: str
) -> None:
    """A sign-in's password check (argon2, a good tenth of a second) ran inside the database's
    turn: every save sent meanwhile waited for it. Here the check is held until the save is
    answered."""
    started, release, check_finished = _hold(monkeypatch)

    def sign_in() -> int:
        if door == "api":
            answer = live_client.post(
                "/api/v1/tokens", json={"username": desk.username, "password": PASSWORD}
            )
        else:
            answer = PageClient(live_client).submit(
                "/login", "/login", {"username": desk.username, "password": PASSWORD}
            )
        return answer.status_code

    with ThreadPoolExecutor(1) as pool:
        signing_in = pool.submit(sign_in)
        try:
            assert started.wait(PATIENCE_S), "the sign-in never checked the password"
            saved = _save(live_client, desk, "Lagret mens en kollega logget inn.")
            still_checking = not check_finished()
        finally:
            release.set()
        signed_in = signing_in.result(PATIENCE_S)

    assert saved == 204
    assert still_checking, "the save was answered only after the password check"
    assert signed_in == (201 if door == "api" else 303)


def test_an_autosave_is_not_held_up_by_a_report_being_drawn(
    live_client: TestClient, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A coordinator's report page was drawn inside the database's turn, so every save sent
    while its template ran waited for it. Here the drawing is held until the save is answered."""
    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    real = Template.render

    def held(self: Template, *args: Any, **kwargs: Any) -> str:
        if not (self.filename or "").endswith("reports/templates/report.html"):
            return real(self, *args, **kwargs)
        started.set()
        try:
            release.wait(PATIENCE_S)
            return real(self, *args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(Template, "render", held)
    live_client.cookies.set("duk_session", desk.coordinator_cookie)
    with ThreadPoolExecutor(1) as pool:
        drawing = pool.submit(live_client.get, "/reports/needs")
        try:
            assert started.wait(PATIENCE_S), "the report page was never drawn"
            saved = _save(live_client, desk, "Lagret mens rapporten ble tegnet.")
            still_drawing = not finished.is_set()
        finally:
            release.set()
        page = drawing.result(PATIENCE_S)

    assert saved == 204
    assert still_drawing, "the save was answered only after the report was drawn"
    assert page.status_code == 200, page.text
    assert read_page(page).has("table")

"""Browser tests: the system Chromium, driven by Playwright, against a real ``duk serve``.

Each test module gets its own database of the run's kind (a temporary SQLite file, or a new
database on the run's PostgreSQL server), made the way an operator makes one (``duk init`` and
``duk demo`` as processes), and its own server on a free port. Each test gets a fresh tablet
(a browser context: no cookies, no storage) in portrait or landscape.

When a test ends, its tablet must have asked nothing of any other origin, logged no console
error, thrown no uncaught script error and violated no Content-Security-Policy directive;
otherwise the test errors at teardown with the list (see ``helpers.ContextWatch``).

Chromium is not optional: without /usr/bin/chromium (installed by scripts/system-deps.sh) the
tests fail, they are never skipped.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    StorageState,
    sync_playwright,
)
from sqlalchemy import make_url, select
from sqlalchemy.orm import Session

from app.db import make_engine
from app.models import Action, Canvas, Consent, Family, Goal, Need, Plan, Referral
from tests.browser.helpers import (
    KARI,
    ContextWatch,
    Orientation,
    new_tablet,
    signed_in_state,
)
from tests.cli.duk_process import DukServer, run_duk, serving
from tests.pg_server import create_database

CHROMIUM: Final = Path("/usr/bin/chromium")
# Playwright's own browser download does not work here; it drives Debian's Chromium.
CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def demo_template_url(
    db_kind: str, database_server: str, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The demo municipality, set up once for the run with ``duk init`` and ``duk demo`` run as
    processes, as an operator would: each module gets a copy of it (``demo_database_url``).
    Both commands have ended when this returns, so nothing holds the database open."""
    if db_kind == "postgres":
        url = create_database(database_server, f"browser_demo_{uuid.uuid4().hex[:8]}")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('browser-demo') / 'duk.db'}"
    for command in ("init", "demo"):
        done = run_duk(command, database_url=url)
        assert done.returncode == 0, f"duk {command} failed:\n{done.stdout}\n{done.stderr}"
    return url


@pytest.fixture(scope="module")
def demo_database_url(
    db_kind: str,
    database_server: str,
    demo_template_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> str:
    """A database of the run's kind for this module only: a copy of the demo municipality, so
    what one module's tests write is never seen by another's."""
    if db_kind == "postgres":
        module = request.module.__name__.rsplit(".", 1)[-1].lower()
        name = "browser_" + re.sub(r"[^a-z0-9]", "_", module)[:40]
        template = make_url(demo_template_url).database
        assert template
        return create_database(database_server, name, template=template)
    source = make_url(demo_template_url).database
    target = tmp_path_factory.mktemp("browser") / "duk.db"
    assert source
    # SQLite's own backup: a consistent copy whatever the journal holds.
    with contextlib.closing(sqlite3.connect(source)) as src:
        with contextlib.closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    return f"sqlite:///{target}"


@dataclass(frozen=True)
class DemoFamily:
    """Where a demo family's pages are (ids are opaque: looked up once, as a link would)."""

    family_id: uuid.UUID
    canvas_id: uuid.UUID
    need_id: uuid.UUID | None
    plan_id: uuid.UUID | None
    goal_id: uuid.UUID | None = None
    action_id: uuid.UUID | None = None
    referral_id: uuid.UUID | None = None
    consent_id: uuid.UUID | None = None  # its first consent still in force


def _demo_family(database_url: str, display_name: str) -> DemoFamily:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            family = session.scalars(
                select(Family).where(Family.display_name == display_name)
            ).one()
            canvas = session.scalars(select(Canvas).where(Canvas.family_id == family.id)).one()
            need = session.scalars(
                select(Need).where(Need.canvas_id == canvas.id).order_by(Need.priority)
            ).first()
            plan = session.scalars(select(Plan).where(Plan.canvas_id == canvas.id)).first()
            goal = session.scalars(
                select(Goal.id).where(Goal.canvas_id == canvas.id).order_by(Goal.created_at)
            ).first()
            action = session.scalars(
                select(Action.id).where(Action.canvas_id == canvas.id).order_by(Action.created_at)
            ).first()
            referral = session.scalars(
                select(Referral.id)
                .where(Referral.family_id == family.id)
                .order_by(Referral.created_at)
            ).first()
            consent = session.scalars(
                select(Consent)
                .where(Consent.family_id == family.id, Consent.withdrawn_at.is_(None))
                .order_by(Consent.given_at, Consent.id)
            ).first()
            return DemoFamily(
                family.id,
                canvas.id,
                need.id if need else None,
                plan.id if plan else None,
                goal,
                action,
                referral,
                consent.id if consent else None,
            )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def haddad(demo_database_url: str) -> DemoFamily:
    """The demo family with a whole canvas (needs, goals, actions) and a submitted plan, in
    English; kari is its plan lead."""
    return _demo_family(demo_database_url, "Familien Haddad")


@pytest.fixture(scope="module")
def berg(demo_database_url: str) -> DemoFamily:
    """The demo family whose first conversation has just started (one domain filled in)."""
    return _demo_family(demo_database_url, "Familien Berg")


@pytest.fixture(scope="module")
def live_server(
    demo_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DukServer]:
    """``duk serve`` on the module's demo database, on a free loopback port."""
    log = tmp_path_factory.mktemp("serve") / "duk-serve.log"
    with serving(demo_database_url, log) as server:
        yield server


@pytest.fixture(scope="module")
def base_url(live_server: DukServer) -> str:
    return live_server.base_url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One Chromium for the run (starting it and Playwright's driver costs a few seconds of
    CPU); every test's tablet is a browser context of its own, with no cookies or storage
    from any other."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}, which is missing. Install it with "
            "`make system-deps` (scripts/system-deps.sh: apt-get install chromium).",
            pytrace=False,
        )
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


class TabletFactory(Protocol):
    def __call__(
        self,
        orientation: Orientation = "portrait",
        storage_state: StorageState | None = None,
        *,
        locale: str = "nb-NO",
    ) -> Page: ...


@pytest.fixture
def open_tablet(browser: Browser, base_url: str) -> Iterator[TabletFactory]:
    """``open_tablet(orientation="portrait", storage_state=None, locale="nb-NO") -> Page``: as
    many tablets as the test needs (each its own browser context), all checked and closed when
    it ends."""
    opened: list[tuple[BrowserContext, ContextWatch, Orientation]] = []

    def open_one(
        orientation: Orientation = "portrait",
        storage_state: StorageState | None = None,
        *,
        locale: str = "nb-NO",
    ) -> Page:
        context, watch = new_tablet(
            browser, base_url, orientation, storage_state=storage_state, locale=locale
        )
        opened.append((context, watch, orientation))
        return context.new_page()

    try:
        yield open_one
        problems = [
            f"{orientation} tablet {n}: {problem}"
            for n, (_, watch, orientation) in enumerate(opened, start=1)
            for problem in watch.problems()
        ]
    finally:
        for context, _, _ in opened:
            context.close()
    assert not problems, "the browser reported at the end of the test:\n  " + "\n  ".join(problems)


@pytest.fixture
def portrait_page(open_tablet: TabletFactory) -> Page:
    """A tablet in portrait: 820×1180 CSS px, touch, device pixel ratio 2."""
    return open_tablet("portrait")


@pytest.fixture
def landscape_page(open_tablet: TabletFactory) -> Page:
    """A tablet in landscape: 1180×820 CSS px, touch, device pixel ratio 2."""
    return open_tablet("landscape")


@pytest.fixture(params=["portrait", "landscape"])
def tablet_page(open_tablet: TabletFactory, request: pytest.FixtureRequest) -> Page:
    """The same test on the tablet held both ways."""
    orientation: Orientation = request.param
    return open_tablet(orientation)


@pytest.fixture(scope="module")
def kari_state(browser: Browser, base_url: str) -> StorageState:
    """The cookies of one real sign-in as kari, the demo caseworker (interface in bokmål)."""
    return signed_in_state(browser, base_url, KARI)


@pytest.fixture(scope="module")
def kari_state_en(browser: Browser, base_url: str) -> StorageState:
    """As ``kari_state``, with English chosen in the language form."""
    return signed_in_state(browser, base_url, KARI, lang="en")


@pytest.fixture
def kari_page(open_tablet: TabletFactory, kari_state: StorageState) -> Page:
    """A portrait tablet on which kari, the demo caseworker, is signed in. Do not sign out on
    it (the session is shared by the module's tests); use ``sign_in`` for that."""
    return open_tablet("portrait", kari_state)

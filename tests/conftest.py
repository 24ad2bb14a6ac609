"""Test fixtures: one migrated database per run, one rolled-back transaction per test.

``pytest --db=sqlite`` (default) uses an embedded SQLite file; ``pytest --db=postgres`` starts
a throwaway PostgreSQL server (tests/pg_server.py). The schema is built by running the Alembic
migrations, as in production; templates and the service catalogue are loaded once and
committed; everything a test writes is rolled back when it ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.catalogue import service as catalogue_service
from app.catalogue import template_store
from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope
from app.main import create_app
from app.models import User
from tests.pages import PageClient, SignedIn
from tests.pg_server import create_database, temporary_postgres

# Starlette's test client sends Host: testserver; real server processes are on 127.0.0.1.
TEST_HOSTS = "testserver,localhost,127.0.0.1"
TEST_SECRET = "test-secret-key-for-the-duk-test-suite-0123456789"
BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="database to run the suite on",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests of one database only are not collected on the other's run (deselected, never
    # skipped): each runs in the run of its own database.
    other = "sqlite" if config.getoption("--db") == "postgres" else "postgres"
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        (drop if item.get_closest_marker(other) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    # The browser tests last: their one Playwright driver (tests/browser/conftest.py) keeps an
    # event loop running on the main thread until the run ends, where no other test may need
    # asyncio.run().
    keep.sort(key=lambda item: item.path.is_relative_to(BROWSER_TESTS))
    items[:] = keep


@pytest.fixture(scope="session")
def db_kind(pytestconfig: pytest.Config) -> str:
    kind: str = pytestconfig.getoption("--db")
    return kind


@pytest.fixture(scope="session")
def database_server(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of the run's main database (migrated by ``engine``)."""
    if db_kind == "postgres":
        with temporary_postgres() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'duk.db'}"


@pytest.fixture(scope="session")
def settings(database_server: str) -> Settings:
    return Settings(
        env="test",
        database_url=database_server,
        secret_key=TEST_SECRET,
        allowed_hosts=TEST_HOSTS,
    )


def prepare_database(engine: Engine) -> None:
    migrate.upgrade(engine)
    for session in session_scope(make_session_factory(engine)):
        template_store.sync_templates(session)
        catalogue_service.sync_catalogue(session)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    prepare_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_database_url(
    db_kind: str, database_server: str, tmp_path: Path, request: pytest.FixtureRequest
) -> str:
    """An empty database of the run's kind, for tests that need real commits and several
    connections (concurrency, crash safety, backup and restore)."""
    if db_kind == "postgres":
        name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
        return create_database(database_server, name)
    return f"sqlite:///{tmp_path / 'fresh.db'}"


@pytest.fixture
def fresh_settings(fresh_database_url: str) -> Settings:
    """Settings for an app on a database of its own (``fresh_database_url``), whose engine
    and lane its lifespan makes, as in production."""
    return Settings(
        env="test",
        database_url=fresh_database_url,
        secret_key=TEST_SECRET,
        allowed_hosts=TEST_HOSTS,
    )


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions that share one outer transaction, rolled back after the test. A session's
    commit only releases a SAVEPOINT, so the app's commit-per-request runs unchanged."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    yield factory
    outer.rollback()
    connection.close()


def savepoint_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions on ``connection`` whose commits release a SAVEPOINT of its open transaction."""
    return sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture(scope="module")
def module_connection(engine: Engine) -> Iterator[Connection]:
    """A transaction open for the whole module, rolled back at its end: for a module whose
    tests share what is costly to make (a world, a sign-in through a provider), each test in a
    savepoint of it (``test_in_savepoint``)."""
    connection = engine.connect()
    outer = connection.begin()
    yield connection
    outer.rollback()
    connection.close()


@pytest.fixture
def test_in_savepoint(module_connection: Connection) -> Iterator[sessionmaker[Session]]:
    """Sessions for one test in a savepoint of the module's transaction, rolled back after it:
    what the test writes goes, what the module made stays. A module takes it as its
    ``session_factory``."""
    savepoint = module_connection.begin_nested()
    yield savepoint_factory(module_connection)
    if savepoint.is_active:
        savepoint.rollback()


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture(scope="session")
def shared_app(settings: Settings) -> FastAPI:
    """One app for the whole run. FastAPI works out an app's routes on its first request,
    which takes 100-200 ms; with a fresh app for each of some 1,800 tests that came to minutes
    per database. Nothing on the app changes from test to test except the session factory,
    which each test puts in place (``app`` below)."""
    return create_app(settings, session_factory=sessionmaker())


@pytest.fixture
def app(shared_app: FastAPI, session_factory: sessionmaker[Session]) -> Iterator[FastAPI]:
    shared_app.state.session_factory = session_factory
    yield shared_app
    shared_app.state.session_factory = None


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def signed_in(app: FastAPI) -> Iterator[SignedIn]:
    """``signed_in(user)``: a browser of its own, signed in as ``user`` through the login form;
    ``language="en"`` chooses the pages' language as the language menu does (the texts a test
    reads are then the English source texts, whatever the catalogs say)."""
    with ExitStack() as browsers:

        def open_browser(user: User, *, language: str | None = None) -> PageClient:
            http = browsers.enter_context(TestClient(app, raise_server_exceptions=False))
            browser = PageClient(http, language=language)
            browser.sign_in(user.username)
            return browser

        yield open_browser


@pytest.fixture(autouse=True)
def _no_ambient_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's DUK_DATABASE_URL must never leak into a test.
    if "DUK_DATABASE_URL" in os.environ:
        monkeypatch.delenv("DUK_DATABASE_URL")

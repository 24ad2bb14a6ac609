"""Database engine, declarative base and the per-request session.

SQLite is the embedded default and runs with WAL, ``synchronous=FULL``, foreign keys and a busy
timeout (DESIGN §9). Every SQLite transaction starts with ``BEGIN IMMEDIATE``: nearly every
request writes (reads of a family's data write an audit event), and a deferred transaction that
reads first and writes later fails with SQLITE_BUSY_SNAPSHOT instead of waiting when another
connection committed in between. Taking the write lock up front makes writers queue on the busy
timeout instead.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import uuid
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, DateTime, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000

T = TypeVar("T")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored in UTC on both SQLite and PostgreSQL.

    SQLite has no time zone type and hands back naive values; this type makes every value that
    leaves the database aware (UTC), so the API always answers ISO 8601 with an offset.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class SQLiteLane:
    """Where the requests of one SQLite database run, one after another, on one thread.

    SQLite lets one writer in at a time, and nearly every request writes (reading a family's
    data writes an audit event), so in one process requests queue anyway. They queue here, on
    an asyncio lock, which costs the event loop nothing while it waits, and then run on the
    lane's thread: the statements, the waits on another process's lock (``duk backup``, a second
    server) and the fsync of every commit all happen off the event loop, which goes on taking in
    requests and serving static files. Work that is slow and needs no database (a password
    hash, a PDF) does not belong in a turn (app/web/deps.py).
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="duk-sqlite")
        # One lock per event loop: an asyncio lock belongs to one loop, and tests run several.
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _turn(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = asyncio.Lock()
        return turn

    async def run(self, function: Callable[..., T], /, **kwargs: Any) -> T:
        turn = self._turn()
        await turn.acquire()
        # The request's context (its request id) goes along, as anyio's threads carry it.
        call = functools.partial(contextvars.copy_context().run, function, **kwargs)
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor, call)
        except BaseException:
            # The thread refused the work (the lane is closing): nothing runs, the turn passes.
            turn.release()
            raise
        # The turn passes on when the thread is done with the database, not before: a request
        # cancelled while it waits (the server shutting down) must not let the next one in.
        future.add_done_callback(lambda _: turn.release())
        return await asyncio.shield(future)

    def close(self) -> None:
        self._executor.shutdown(wait=False)


_lanes: weakref.WeakKeyDictionary[Engine, SQLiteLane] = weakref.WeakKeyDictionary()


def sqlite_lane_for(bind: Engine | Connection) -> SQLiteLane | None:
    engine = bind.engine if isinstance(bind, Connection) else bind
    return _lanes.get(engine)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            kwargs["pool_size"] = 20
            kwargs["max_overflow"] = 10
            kwargs["pool_use_lifo"] = True
        engine = create_engine(url, echo=echo, hide_parameters=True, **kwargs)
        _configure_sqlite(engine)
        lane = _lanes[engine] = SQLiteLane()
        event.listen(engine, "engine_disposed", lambda _engine: lane.close())
        return engine
    return create_engine(
        url,
        echo=echo,
        # Errors must not carry statement parameters (names, free text) into logs.
        hide_parameters=True,
        pool_size=20,
        max_overflow=10,
        # No pre-ping: it costs a round trip on every request. Connections are recycled
        # instead, so one dropped by a firewall or a database restart is replaced in time.
        pool_recycle=1800,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the body succeeds, roll back when it raises."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

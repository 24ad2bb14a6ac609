"""The schema the migrations build, and the durability settings of the connections (DESIGN §9,
§10: Alembic migrations are the only way the schema changes)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

from app.db import make_engine, utcnow
from app.models import AuditEvent, Base

AUDIT = Base.metadata.tables[AuditEvent.__tablename__]


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    # `engine` is the run's database, built by running every migration (tests/conftest.py).
    # Nothing is ignored, on SQLite or PostgreSQL: autogenerate reports no false positives here.
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def _pragma(connection: Any, name: str) -> object:
    cursor = connection.cursor()
    try:
        cursor.execute(f"PRAGMA {name}")
        row = cursor.fetchone()
    finally:
        cursor.close()
    assert row is not None
    return row[0]


def test_sqlite_connections_are_durable_and_enforce_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    # Two connections open at once, outside any transaction (every SQLAlchemy transaction on
    # SQLite takes the write lock): the settings hold for every pooled connection.
    first = engine.raw_connection()
    second = engine.raw_connection()
    try:
        for connection in (first, second):
            assert str(_pragma(connection, "journal_mode")).lower() == "wal"
            assert _pragma(connection, "synchronous") == 2  # FULL
            assert _pragma(connection, "foreign_keys") == 1
            busy_timeout = _pragma(connection, "busy_timeout")
            assert isinstance(busy_timeout, int)
            assert busy_timeout > 0
    finally:
        first.close()
        second.close()
        engine.dispose()


@pytest.mark.postgres
def test_postgres_runs_with_fsync_and_synchronous_commit(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW fsync").scalar() == "on"
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def _refused(connection: Connection, statement: Executable) -> None:
    savepoint = connection.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        connection.execute(statement)
    savepoint.rollback()


@pytest.mark.postgres
def test_postgres_refuses_to_change_or_remove_an_audit_event(engine: Engine) -> None:
    family_id = uuid.uuid4()
    with engine.connect() as connection:
        outer = connection.begin()
        try:
            event_id = connection.execute(
                insert(AUDIT)
                .values(
                    at=utcnow(),
                    username="kari",
                    role="caseworker",
                    action="read",
                    record_type="family",
                    family_id=family_id,
                )
                .returning(AUDIT.c.id)
            ).scalar_one()

            _refused(
                connection,
                update(AUDIT).where(AUDIT.c.id == event_id).values(username="someone else"),
            )
            _refused(connection, delete(AUDIT).where(AUDIT.c.id == event_id))
            _refused(connection, delete(AUDIT).where(AUDIT.c.family_id == family_id))

            stored = connection.execute(
                select(AUDIT.c.username, AUDIT.c.action).where(AUDIT.c.family_id == family_id)
            ).all()
            assert [tuple(row) for row in stored] == [("kari", "read")]
        finally:
            outer.rollback()

"""The PostgreSQL harness itself: it starts a server we can query and make databases on."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.pg_server import create_database, temporary_postgres


def _conninfo(url: str) -> str:
    parsed = make_url(url)
    return psycopg.conninfo.make_conninfo(
        host=parsed.host or "",
        port=parsed.port or 5432,
        user=parsed.username or "",
        dbname=parsed.database or "",
        password=parsed.password or "",
    )


@pytest.mark.postgres
def test_temporary_postgres_answers_select_1() -> None:
    with temporary_postgres() as url:
        assert url.startswith("postgresql+psycopg://")
        with psycopg.connect(_conninfo(url)) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
            assert conn.execute("show fsync").fetchone() == ("on",)
            assert conn.execute("show synchronous_commit").fetchone() == ("on",)

        extra = create_database(url, "duk_harness_check")
        with psycopg.connect(_conninfo(extra)) as conn:
            assert conn.execute("select current_database()").fetchone() == ("duk_harness_check",)

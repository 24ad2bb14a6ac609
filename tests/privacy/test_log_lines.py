"""One request, one line in the access log (issue 10 #6): a path that carries line breaks or
other control characters, percent-encoded, cannot write a second, forged line into the log
that an operator or a log shipper would read as a request of its own."""

from __future__ import annotations

from pathlib import Path

import httpx2

from app.db import make_engine
from tests.cli.duk_process import serving
from tests.conftest import prepare_database

FORGED = "GET /api/v1/families 200 1.0ms rid=forged"


def test_a_path_cannot_write_a_line_of_its_own_into_the_log(
    fresh_database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(fresh_database_url)
    prepare_database(engine)
    engine.dispose()
    log = tmp_path / "duk-serve.log"

    with serving(fresh_database_url, log) as server:
        forged = FORGED.replace(" ", "%20")
        for breaker in ("%0d%0a", "%0a", "%0d", "%1b[2K%0d"):
            response = httpx2.get(f"{server.base_url}/api/v1/health{breaker}{forged}", timeout=10)
            assert response.status_code in (401, 404)  # no such path; the API asks a token first
    lines = log.read_text(errors="replace").splitlines()

    assert not [line for line in lines if line.startswith(FORGED)], "a forged line in the log"
    requests = [line for line in lines if "/api/v1/health\\x" in line]
    assert len(requests) == 4, lines[-10:]
    assert all("\r" not in line and "\x1b" not in line for line in lines)

"""CSRF on the pages (issue 10 #4): a body the check cannot read is a clear 400 that reaches no
route, never a 500; and no header a forged request can carry lets it past the check."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from app.config import Settings
from app.main import create_app
from app.models import Family
from tests.factories import make_unit, make_user
from tests.pages import PageClient, SignedIn

NEW_FAMILY = {
    "display_name": "Familien Skjema",
    "municipality_code": "3107",
    "language": "nb",
    "adults": "1",
}


def _families(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Family)) or 0


@pytest.fixture
def browser(signed_in: SignedIn, session: Session) -> PageClient:
    user = make_user(session, units=[make_unit(session)])
    session.commit()
    return signed_in(user)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--"),
        ("multipart/form-data; boundary=", b"garbage"),
        ("multipart/form-data; boundary=x", b"\xff\xfe not a multipart body at all"),
        ("application/x-www-form-urlencoded", b"display_name=\xff\xfe&csrftoken=\xc3"),
    ],
)
def test_a_form_the_check_cannot_read_is_400_and_changes_nothing(
    browser: PageClient, session: Session, content_type: str, body: bytes
) -> None:
    before = _families(session)

    response = browser.http.post(
        "/families", content=body, headers={"content-type": content_type}, follow_redirects=False
    )

    assert response.status_code in (400, 403), response.text
    assert response.status_code != 500
    assert _families(session) == before


def test_a_bearer_header_does_not_let_a_forged_form_past_the_check(
    browser: PageClient, session: Session
) -> None:
    before = _families(session)

    forged = browser.http.post(
        "/families",
        data=NEW_FAMILY,
        headers={"Authorization": "Bearer anything-at-all"},
        follow_redirects=False,
    )

    assert forged.status_code == 403, forged.text
    assert _families(session) == before


def test_a_page_that_fails_after_the_check_is_a_server_error_not_a_bad_form(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    """The 400 above is for a body the check cannot read; a page that fails once the check let
    the request through is the server's fault (500, logged), never blamed on the form."""
    app = create_app(settings, session_factory=session_factory)

    async def fails(request: Request) -> Response:
        raise RuntimeError("a fault in a page, after the form was read")

    app.router.add_route("/a-page-that-fails", fails)
    with TestClient(app, raise_server_exceptions=False) as http:
        response = http.get("/a-page-that-fails")

    assert response.status_code == 500, response.text
    assert "could not be read" not in response.text

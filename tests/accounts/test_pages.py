"""Signing in and out in the browser: cookie session, CSRF on every form, idle timeout."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import utcnow
from app.models import ApiToken
from tests.factories import make_family, make_unit, make_user
from tests.html import page
from tests.pages import PageClient, SignedIn


def test_a_caseworker_signs_in_and_sees_her_families(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit], display_name="Kari Hansen")
    make_family(session, kari, settings, display_name="Familien Haddad")
    session.commit()

    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    PageClient(client).sign_in(kari.username)
    home = client.get("/")
    assert home.status_code == 200
    assert "Familien Haddad" in home.text
    assert "Kari Hansen" in home.text
    assert home.headers["cache-control"] == "no-store"
    cookie = next(c for c in client.cookies.jar if c.name == "duk_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert "content-security-policy" in home.headers


def test_wrong_password_keeps_the_user_on_the_sign_in_page(
    client: TestClient, session: Session
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    session.commit()
    response = PageClient(client).submit(
        "/login", "/login", {"username": kari.username, "password": "wrong password"}
    )
    assert response.status_code == 401
    assert page(response).one("#login-error")["role"] == "alert"
    assert page(response).one("#username")["aria-describedby"] == "login-error"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_form_without_its_csrf_token_is_refused(signed_in: SignedIn, session: Session) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    session.commit()
    browser = signed_in(kari)
    response = browser.http.post(
        "/families",
        data={"display_name": "Familien Forged", "municipality_code": "3107"},
    )
    assert response.status_code == 403
    assert "Familien Forged" not in browser.get("/").text


def test_the_api_gives_a_browser_session_no_authority(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    """The JSON API is not behind the CSRF check because it never reads a cookie: a signed-in
    browser that is lured into a cross-site request to the API is refused as if signed out."""
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings, display_name="Familien Haddad")
    session.commit()
    browser = signed_in(kari)
    assert browser.get("/").status_code == 200

    read = browser.http.get(f"/api/v1/families/{family.id}")
    forged = browser.http.post(
        "/api/v1/families",
        json={
            "display_name": "Familien Forged",
            "municipality_code": "3107",
            "household": {"adults": 1, "children_birth_years": [2016], "single_parent": True},
        },
    )

    assert read.status_code == 401
    assert forged.status_code == 401
    assert "set-cookie" not in forged.headers
    assert "Familien Forged" not in browser.get("/").text


def test_signing_out_ends_the_session(signed_in: SignedIn, session: Session) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    session.commit()
    browser = signed_in(kari)
    response = browser.submit("/", "/logout")
    assert response.status_code == 303
    assert browser.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_an_idle_session_asks_to_sign_in_again_and_returns_to_the_page(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings)
    session.commit()
    browser = signed_in(kari)
    token = session.scalars(
        select(ApiToken).where(ApiToken.user_id == kari.id, ApiToken.kind == "session")
    ).one()
    token.last_seen_at = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
    session.commit()
    response = browser.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"
    assert family.display_name not in response.text
    htmx = browser.htmx("GET", "/")
    assert htmx.status_code == 401
    assert htmx.headers["hx-redirect"] == "/login?next=/"


def test_a_caseworker_starts_a_new_family_from_the_home_page(
    signed_in: SignedIn, session: Session
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    session.commit()
    browser = signed_in(kari)
    bad = browser.submit(
        "/", "/families", {"display_name": "Familien Berg", "municipality_code": "31"}
    )
    assert bad.status_code == 422
    # The message is the caseworker's language (bokmål by default), not the validator's English.
    assert page(bad).field_error("municipality_code") == (
        "Skriv det firesifrede kommunenummeret, for eksempel 3107."
    )
    assert "String should" not in bad.text
    created = browser.submit(
        "/",
        "/families",
        {
            "display_name": "Familien Berg",
            "municipality_code": "3107",
            "language": "nn",
            "adults": "2",
            "children_birth_years": "2014 2018",
        },
    )
    assert created.status_code == 303
    assert created.headers["location"].startswith("/families/")
    assert "Familien Berg" in browser.get("/").text

"""A local password's second factor (TOTP, RFC 6238; DESIGN §11, issue 14): enrolled at the
first sign-in, a code at every sign-in after, recovery codes once each, the same throttle as
passwords, and no session (so no page and no API) until the code is right."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx2
import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import totp
from app.config import Settings
from app.db import utcnow
from app.kit.crypto import data_keys, new_key
from app.main import create_app
from app.models import ApiToken, AuditEvent, LoginAttempt, RecoveryCode, User
from app.models.enums import AuditAction
from tests.factories import PASSWORD, make_family, make_unit, make_user
from tests.html import page
from tests.pages import PageClient


@pytest.fixture(scope="module")
def totp_app(settings: Settings) -> FastAPI:
    """The app as production runs it: a second factor after every local password."""
    return create_app(
        settings.model_copy(update={"totp_required": True}), session_factory=sessionmaker()
    )


@pytest.fixture
def browser(totp_app: FastAPI, session_factory: sessionmaker[Session]) -> Iterator[PageClient]:
    totp_app.state.session_factory = session_factory
    with TestClient(totp_app, raise_server_exceptions=False) as http:
        yield PageClient(http, language="en")
    totp_app.state.session_factory = None


@pytest.fixture
def api(browser: PageClient) -> httpx2.Client:
    """The API's caller, on the same app (and no cookies of the browser's)."""
    return TestClient(browser.http.app, raise_server_exceptions=False)  # type: ignore[attr-defined]


def enrolled_user(session: Session, settings: Settings, **kwargs: object) -> tuple[User, str]:
    """A user who set up two-step sign-in before, and their secret."""
    user = make_user(session, units=[make_unit(session)], **kwargs)  # type: ignore[arg-type]
    secret = pyotp.random_base32()
    user.totp_secret_encrypted = data_keys(settings).encrypt(secret)
    user.totp_enrolled_at = utcnow()
    session.commit()
    return user, secret


def password_step(browser: PageClient, username: str, next: str = "/") -> httpx2.Response:
    return browser.submit(
        "/login", "/login", {"username": username, "password": PASSWORD, "next": next}
    )


def code_for(secret: str, steps_from_now: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_from_now)


def wrong_code(secret: str) -> str:
    """A 6-digit code that is none of the three the server accepts now."""
    right = {code_for(secret, step) for step in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 999999, 7919)) if c not in right)


def send_code(browser: PageClient, code: str) -> httpx2.Response:
    return browser.submit("/login/code", "/login/code", {"code": code}, button="Sign in")


def send_recovery(browser: PageClient, code: str) -> httpx2.Response:
    return browser.submit(
        "/login/code",
        "/login/code",
        {"recovery_code": code},
        button="Sign in with the recovery code",
    )


def signed_in(browser: PageClient) -> bool:
    return browser.get("/", follow_redirects=False).status_code == 200


def failure_reasons(session: Session) -> list[str | None]:
    return list(
        session.scalars(
            select(AuditEvent.purpose).where(AuditEvent.action == AuditAction.login_failed)
        )
    )


def test_first_sign_in_enrols_with_the_qr_code_and_shows_recovery_codes_once(
    browser: PageClient, session: Session, settings: Settings
) -> None:
    user = make_user(session, units=[make_unit(session)])
    session.commit()

    response = password_step(browser, user.username)
    assert response.status_code == 303
    assert response.headers["location"] == "/login/enrol"
    assert not signed_in(browser)

    enrol = browser.get("/login/enrol")
    assert enrol.status_code == 200
    assert enrol.headers["cache-control"] == "no-store"  # the secret stays out of caches
    shown = page(enrol)
    # The QR code is drawn in the page itself: no image from anywhere.
    qr = shown.one("[role=img]")
    assert qr.one("svg") is not None
    assert qr["aria-labelledby"] == "qr-description"
    assert not shown.all("img")
    secret = shown.one("#totp-secret").text.replace(" ", "")
    assert len(shown.one("#totp-secret").text.split(" ")) > 4  # grouped for typing by hand
    code_input = shown.one("#code")
    assert code_input["autocomplete"] == "one-time-code"
    assert code_input["inputmode"] == "numeric"
    # The secret is kept encrypted, never in the clear.
    stored = session.scalar(select(User.totp_secret_encrypted).where(User.id == user.id))
    assert stored is not None
    assert secret.encode() not in stored
    # A reload shows the same secret: the app may have scanned it already.
    assert page(browser.get("/login/enrol")).one("#totp-secret").text.replace(" ", "") == secret

    wrong = browser.submit("/login/enrol", "/login/enrol", {"code": wrong_code(secret)})
    assert wrong.status_code == 401
    assert page(wrong).one("#code-error")["role"] == "alert"
    assert not signed_in(browser)

    done = browser.submit("/login/enrol", "/login/enrol", {"code": code_for(secret)})
    assert done.status_code == 200
    codes = page(done).texts("#recovery-codes code")
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert done.headers["cache-control"] == "no-store"
    assert signed_in(browser)
    stored_codes = session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    assert len(stored_codes) == 10
    assert not set(codes) & set(stored_codes)  # hashed, not kept
    # Enrolled: the enrolment page is not shown again (nor its secret).
    assert browser.get("/login/enrol", follow_redirects=False).status_code == 303


def test_an_enrolled_user_signs_in_with_the_code(
    browser: PageClient, session: Session, settings: Settings
) -> None:
    user, secret = enrolled_user(session, settings)
    family = make_family(session, user, settings, display_name="Familien Haddad")
    session.commit()

    response = password_step(browser, user.username, next=f"/families/{family.id}")
    assert response.headers["location"] == "/login/code"
    form = page(browser.get("/login/code")).one("#code")
    assert form["autocomplete"] == "one-time-code"
    assert form["inputmode"] == "numeric"

    done = send_code(browser, code_for(secret))
    assert done.status_code == 303
    assert done.headers["location"] == f"/families/{family.id}"
    assert "Familien Haddad" in browser.get(f"/families/{family.id}").text
    kinds = session.scalars(select(ApiToken.kind).where(ApiToken.user_id == user.id)).all()
    assert kinds == ["session"]
    purposes = session.scalars(
        select(AuditEvent.purpose).where(AuditEvent.action == AuditAction.login)
    ).all()
    assert purposes == ["totp"]


def test_the_previous_time_step_is_accepted(
    browser: PageClient, session: Session, settings: Settings
) -> None:
    user, secret = enrolled_user(session, settings)
    password_step(browser, user.username)
    done = send_code(browser, code_for(secret, -1))
    assert done.status_code == 303
    assert signed_in(browser)


def test_a_wrong_code_is_refused_announced_and_audited(
    browser: PageClient, session: Session, settings: Settings
) -> None:
    user, secret = enrolled_user(session, settings)
    password_step(browser, user.username)
    wrong = wrong_code(secret)
    far = code_for(secret, 5)  # right, but two and a half minutes from now

    for code in (wrong, far):
        refused = send_code(browser, code)
        assert refused.status_code == 401
        assert page(refused).one("#code-error")["role"] == "alert"
        assert page(refused).one("#code")["aria-describedby"] == "code-error"
        assert not signed_in(browser)
    assert failure_reasons(session) == ["totp:wrong", "totp:wrong"]
    details = " ".join(str(row) for row in session.scalars(select(AuditEvent.purpose)).all() if row)
    assert wrong not in details
    assert far not in details


def test_a_code_used_once_is_refused_the_second_time(
    browser: PageClient,
    session: Session,
    settings: Settings,
    totp_app: FastAPI,
) -> None:
    user, secret = enrolled_user(session, settings)
    code = code_for(secret)
    password_step(browser, user.username)
    assert send_code(browser, code).status_code == 303

    with TestClient(totp_app, raise_server_exceptions=False) as http:
        other = PageClient(http, language="en")
        password_step(other, user.username)
        again = send_code(other, code)
        assert again.status_code == 401
        assert "used already" in page(again).one("#code-error").text
        assert not signed_in(other)
    assert failure_reasons(session) == ["totp:reused"]


def test_a_recovery_code_works_once_and_says_how_many_are_left(
    browser: PageClient, session: Session, settings: Settings
) -> None:
    user, _ = enrolled_user(session, settings)
    codes = totp.new_recovery_codes()[:3]
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=h) for h in totp.hash_recovery_codes(codes)
    )
    session.commit()

    password_step(browser, user.username)
    used = send_recovery(browser, codes[1].upper())
    assert used.status_code == 200
    assert "2" in page(used).one("#recovery-left").text
    assert signed_in(browser)

    browser.post_form("/logout")
    password_step(browser, user.username)
    again = send_recovery(browser, codes[1])
    assert again.status_code == 401
    assert not signed_in(browser)


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/ /evil.example"])
def test_the_page_after_a_recovery_code_leads_nowhere_but_this_site(
    browser: PageClient, session: Session, settings: Settings, target: str
) -> None:
    """A browser drops tabs and newlines from a link's address: "/<tab>/evil.example" in a
    link is "//evil.example", another site. Such a ``next`` is not a path of this site."""
    user, _ = enrolled_user(session, settings)
    codes = totp.new_recovery_codes()[:1]
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=h) for h in totp.hash_recovery_codes(codes)
    )
    session.commit()
    password_step(browser, user.username, next=target)
    used = send_recovery(browser, codes[0])
    assert used.status_code == 200
    assert page(used).one("a.button-primary")["href"] == "/"


def test_bad_codes_are_throttled_like_bad_passwords(
    browser: PageClient, session: Session, settings: Settings
) -> None:
    user, secret = enrolled_user(session, settings)
    password_step(browser, user.username)
    wrong = wrong_code(secret)
    statuses = [
        send_code(browser, wrong).status_code for _ in range(settings.login_max_failures + 1)
    ]
    assert statuses[-1] == 429, statuses
    held = send_code(browser, code_for(secret))
    assert held.status_code == 429
    assert "retry-after" in held.headers
    assert not signed_in(browser)
    # Every code is an attempt of the same limiter as the password.
    assert session.scalar(select(LoginAttempt.id).where(LoginAttempt.succeeded)) is None


def test_half_signed_in_reaches_no_page_and_no_api(
    browser: PageClient, session: Session, settings: Settings, api: httpx2.Client
) -> None:
    user, _ = enrolled_user(session, settings)
    family = make_family(session, user, settings, display_name="Familien Haddad")
    session.commit()
    password_step(browser, user.username)

    for path in ("/", f"/families/{family.id}", "/inbox"):
        response = browser.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login")
    assert browser.get("/api/v1/me").status_code == 401
    pending = browser.http.cookies.get(totp.PENDING_COOKIE)
    assert pending
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {pending}"}).status_code == 401
    assert session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id)) is None


def test_a_forged_or_stale_half_way_cookie_is_sent_back_to_sign_in(
    browser: PageClient, session: Session, settings: Settings
) -> None:
    user, _ = enrolled_user(session, settings)
    forged = totp.dump_pending(
        settings.model_copy(update={"secret_key": "x" * 40}), totp.Pending(user.id, 1, True)
    )
    browser.http.cookies.set(totp.PENDING_COOKIE, forged, path="/login")
    response = browser.get("/login/code", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_the_half_way_cookie_opens_one_session_only(
    browser: PageClient, session: Session, settings: Settings, totp_app: FastAPI
) -> None:
    """The cookie between the password and the code is spent by the sign-in it finishes: a
    copy of it (kept by whoever saw it) cannot send a later code for a second session."""
    user, secret = enrolled_user(session, settings)
    password_step(browser, user.username)
    kept = browser.http.cookies.get(totp.PENDING_COOKIE)
    assert kept
    assert send_code(browser, code_for(secret)).status_code == 303

    with TestClient(totp_app, raise_server_exceptions=False) as http:
        other = PageClient(http, language="en")
        other.http.cookies.set(totp.PENDING_COOKIE, kept, path="/login")
        again = other.post_form("/login/code", {"code": code_for(secret, 1)})
        assert again.status_code == 303
        assert again.headers["location"] == "/login"
        assert not signed_in(other)
    sessions = session.scalars(select(ApiToken.id).where(ApiToken.user_id == user.id)).all()
    assert len(sessions) == 1


def test_a_half_way_cookie_for_another_sign_in_is_refused(
    browser: PageClient, session: Session, settings: Settings
) -> None:
    """The cookie names the password's attempt, which must be this user's: a cookie pointing
    at another attempt (someone else's password, or none) does not stand for a password."""
    user, secret = enrolled_user(session, settings)
    other, _ = enrolled_user(session, settings)
    password_step(browser, other.username)
    attempt = totp.load_pending(settings, browser.http.cookies.get(totp.PENDING_COOKIE))
    assert attempt is not None
    crossed = totp.dump_pending(settings, totp.Pending(user.id, attempt.attempt_id, True))
    browser.http.cookies.clear()
    browser.http.cookies.set(totp.PENDING_COOKIE, crossed, path="/login")
    refused = browser.post_form("/login/code", {"code": code_for(secret)})
    assert refused.headers["location"] == "/login"
    assert not signed_in(browser)


def test_an_api_token_needs_the_code(
    api: httpx2.Client, session: Session, settings: Settings
) -> None:
    user, secret = enrolled_user(session, settings)
    credentials = {"username": user.username, "password": PASSWORD}

    without = api.post("/api/v1/tokens", json=credentials)
    assert without.status_code == 401
    assert "totp" in without.json()["detail"]

    wrong = wrong_code(secret)
    assert api.post("/api/v1/tokens", json={**credentials, "totp": wrong}).status_code == 401

    made = api.post("/api/v1/tokens", json={**credentials, "totp": code_for(secret)})
    assert made.status_code == 201
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {made.json()['token']}"})
    assert me.json()["username"] == user.username


def test_an_api_token_for_a_user_yet_to_enrol_is_refused_with_how_to(
    api: httpx2.Client, session: Session
) -> None:
    user = make_user(session, units=[make_unit(session)])
    session.commit()
    refused = api.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD})
    assert refused.status_code == 401
    assert "browser" in refused.json()["detail"]


def test_without_totp_required_a_password_signs_in_alone(
    client: TestClient, session: Session
) -> None:
    """Development, the demo and these tests' own app: no code asked for, and the API takes
    the password alone (the ``totp`` field is optional)."""
    assert not Settings(env="development").needs_totp
    user = make_user(session, units=[make_unit(session)])
    session.commit()
    PageClient(client).sign_in(user.username)
    made = client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD})
    assert made.status_code == 201


def test_production_requires_the_second_factor_and_cannot_turn_it_off() -> None:
    key = new_key()
    assert Settings(env="production", secret_key="s" * 40, data_key=key).needs_totp
    with pytest.raises(ValueError, match="DUK_TOTP_REQUIRED"):
        Settings(env="production", secret_key="s" * 40, data_key=key, totp_required=False)


def test_reset_makes_the_user_enrol_again_and_is_audited(
    browser: PageClient, session: Session, settings: Settings
) -> None:
    user, _ = enrolled_user(session, settings)
    session.add(RecoveryCode(user_id=user.id, code_hash="x"))
    session.commit()
    totp.reset(session, None, user)
    session.commit()
    assert session.scalar(select(RecoveryCode.id)) is None
    assert (
        session.scalar(select(AuditEvent.purpose).where(AuditEvent.record_id == str(user.id)))
        == "totp_reset"
    )
    assert password_step(browser, user.username).headers["location"] == "/login/enrol"

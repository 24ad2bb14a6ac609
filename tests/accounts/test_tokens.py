"""Signing in with a bearer token (DESIGN §8 /tokens, /me; §9 login throttling; §3 audit)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx2
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import utcnow
from app.models import ApiToken, AuditEvent, Base, LoginAttempt, User
from tests.factories import PASSWORD, make_unit, make_user
from tests.pages import PageClient

WRONG_PASSWORD = "not-the-password-q7Zx"

# Sign-in runs real argon2 verification. The cost parameters live in the stored hash, so a
# low-cost hash keeps this file's many sign-ins fast with the app's code path unchanged.
_LOW_COST_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def account(session: Session, **kwargs: Any) -> User:
    user = make_user(session, **kwargs)
    user.password_hash = _LOW_COST_HASH
    session.commit()
    return user


def sign_in(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/tokens", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_right_password_gives_a_token_that_expires_at_a_time_with_offset(
    client: TestClient, session: Session
) -> None:
    user = account(session)

    response = client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD})

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert body["token"]
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at.tzinfo is not None
    assert expires_at > utcnow()


def test_token_answers_me_with_the_user_and_units(client: TestClient, session: Session) -> None:
    unit = make_unit(session, name="NAV Fredrikstad")
    user = account(session, units=[unit], display_name="Kari Nordmann")
    headers = sign_in(client, user.username, PASSWORD)

    me = client.get("/api/v1/me", headers=headers)

    assert me.status_code == 200, me.text
    assert me.json() == {
        "id": str(user.id),
        "username": user.username,
        "display_name": "Kari Nordmann",
        "role": "caseworker",
        "units": [{"id": str(unit.id), "slug": unit.slug, "name": "NAV Fredrikstad"}],
    }


def test_me_without_a_token_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: TestClient, session: Session
) -> None:
    user = account(session)

    wrong_password = client.post(
        "/api/v1/tokens", json={"username": user.username, "password": WRONG_PASSWORD}
    )
    unknown_user = client.post(
        "/api/v1/tokens", json={"username": "nobody-by-this-name", "password": PASSWORD}
    )

    assert wrong_password.status_code == unknown_user.status_code == 401
    first, second = wrong_password.json(), unknown_user.json()
    assert first["detail"] == second["detail"]
    assert {k: v for k, v in first.items() if k != "request_id"} == {
        k: v for k, v in second.items() if k != "request_id"
    }


def test_five_failures_from_one_address_make_it_wait_even_with_the_right_password(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = account(session)
    for _ in range(settings.login_max_failures):
        failed = client.post(
            "/api/v1/tokens", json={"username": user.username, "password": WRONG_PASSWORD}
        )
        assert failed.status_code == 401

    locked = client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD})

    assert settings.login_max_failures == 5
    assert locked.status_code == 429, locked.text
    assert int(locked.headers["retry-after"]) > 0
    assert locked.json()["status"] == 429


def test_fewer_failures_than_the_limit_still_let_the_user_in(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = account(session)
    for _ in range(settings.login_max_failures - 1):
        client.post("/api/v1/tokens", json={"username": user.username, "password": WRONG_PASSWORD})

    response = client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD})

    assert response.status_code == 201, response.text


def test_logout_revokes_the_token(client: TestClient, session: Session) -> None:
    user = account(session)
    headers = sign_in(client, user.username, PASSWORD)

    logout = client.delete("/api/v1/tokens/current", headers=headers)

    assert logout.status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 401


def test_logout_leaves_the_users_other_tokens_working(client: TestClient, session: Session) -> None:
    user = account(session)
    tablet = sign_in(client, user.username, PASSWORD)
    laptop = sign_in(client, user.username, PASSWORD)

    assert client.delete("/api/v1/tokens/current", headers=tablet).status_code == 204

    assert client.get("/api/v1/me", headers=laptop).status_code == 200


def test_expired_token_is_refused(client: TestClient, session: Session) -> None:
    user = account(session)
    headers = sign_in(client, user.username, PASSWORD)
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id)
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    session.commit()

    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_inactive_user_can_neither_use_a_token_nor_sign_in(
    client: TestClient, session: Session
) -> None:
    user = account(session)
    headers = sign_in(client, user.username, PASSWORD)

    session.execute(update(User).where(User.id == user.id).values(active=False))
    session.commit()

    assert client.get("/api/v1/me", headers=headers).status_code == 401
    again = client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD})
    assert again.status_code == 401


def _columns_containing(session: Session, needle: str) -> list[str]:
    """Every table and column in the schema whose stored value, as text, contains ``needle``."""
    found: set[str] = set()
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            for column, value in row._mapping.items():
                if value is not None and needle in str(value):
                    found.add(f"{table.name}.{column}")
    return sorted(found)


def test_sign_ins_are_audited_without_the_typed_secrets(
    client: TestClient, session: Session
) -> None:
    user = account(session)
    typed_password = "typed-wrong-Pw-48151623"
    typed_username = "no-such-person-5x9"

    assert (
        client.post(
            "/api/v1/tokens", json={"username": user.username, "password": typed_password}
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/api/v1/tokens", json={"username": typed_username, "password": typed_password}
        ).status_code
        == 401
    )
    sign_in(client, user.username, PASSWORD)

    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_(["login", "login_failed"]))
        .order_by(AuditEvent.id.desc())
        .limit(3)
    ).all()
    assert [e.action for e in reversed(events)] == ["login_failed", "login_failed", "login"]
    assert events[0].username == user.username
    assert events[0].user_id == user.id
    for needle in (typed_password, typed_username, PASSWORD):
        assert _columns_containing(session, needle) == [], needle


# --- sessions and API tokens are two kinds, each with an idle and an absolute end (§11) --------


def _token_of(session: Session, user: User, kind: str) -> ApiToken:
    session.expire_all()
    return session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.kind == kind)
    ).one()


def test_a_browser_session_is_not_an_api_token(client: TestClient, session: Session) -> None:
    user = account(session, units=[make_unit(session)])
    PageClient(client).sign_in(user.username)
    cookie = client.cookies.get("duk_session")
    assert cookie
    client.cookies.clear()

    as_bearer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"})
    bearer = sign_in(client, user.username, PASSWORD)["Authorization"].removeprefix("Bearer ")
    client.cookies.set("duk_session", bearer)
    as_cookie = client.get("/", follow_redirects=False)

    assert as_bearer.status_code == 401, as_bearer.text
    assert as_cookie.status_code == 303
    assert as_cookie.headers["location"].startswith("/login")


def test_an_api_token_unused_for_the_idle_time_has_ended(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = account(session, units=[make_unit(session)])
    headers = sign_in(client, user.username, PASSWORD)
    idle = timedelta(minutes=settings.session_idle_minutes)

    token = _token_of(session, user, "bearer")
    token.last_seen_at = utcnow() - idle + timedelta(minutes=2)
    session.commit()
    still = client.get("/api/v1/me", headers=headers)
    touched = _token_of(session, user, "bearer").last_seen_at
    token = _token_of(session, user, "bearer")
    token.last_seen_at = utcnow() - idle - timedelta(minutes=1)
    session.commit()
    ended = client.get("/api/v1/me", headers=headers)

    assert still.status_code == 200, still.text
    # Each use slides the idle clock.
    assert touched is not None
    assert touched > utcnow() - timedelta(minutes=1)
    assert ended.status_code == 401, ended.text


def test_an_api_token_ends_at_its_absolute_expiry_however_busy(
    client: TestClient, session: Session
) -> None:
    user = account(session, units=[make_unit(session)])
    headers = sign_in(client, user.username, PASSWORD)
    token = _token_of(session, user, "bearer")
    token.expires_at = utcnow() - timedelta(seconds=1)
    token.last_seen_at = utcnow()
    session.commit()

    assert client.get("/api/v1/me", headers=headers).status_code == 401


# --- throttling slows the one who guesses, never locks out the owner (issue 10 #1) -------------


def _from(app: FastAPI, host: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(host, 40000))


def _try(client: TestClient, username: str, password: str) -> httpx2.Response:
    return client.post("/api/v1/tokens", json={"username": username, "password": password})


def _age_attempts(session: Session, seconds: float) -> None:
    """Everything recorded so far happened ``seconds`` earlier: time passing, for the test."""
    session.expire_all()
    for attempt in session.scalars(select(LoginAttempt)):
        attempt.at -= timedelta(seconds=seconds)
    session.commit()


def test_a_stranger_guessing_cannot_lock_the_owner_out(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    user = account(session)
    with _from(app, "10.0.0.7") as owner, _from(app, "203.0.113.66") as stranger:
        assert _try(owner, user.username, PASSWORD).status_code == 201  # the owner's tablet
        answers = [_try(stranger, user.username, WRONG_PASSWORD).status_code for _ in range(12)]
        refused = answers.count(429)

        # The owner signs in at once, on the tablet they use, with the right password...
        assert _try(owner, user.username, PASSWORD).status_code == 201
    # ...while the stranger was made to wait, again and again.
    assert refused > 0


def test_each_failure_past_the_limit_doubles_the_wait(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    user = account(session)
    waits = []
    with _from(app, "203.0.113.9") as guesser:
        for _ in range(settings.login_max_failures):
            assert _try(guesser, user.username, WRONG_PASSWORD).status_code == 401
        for _ in range(4):
            held = _try(guesser, user.username, PASSWORD)
            assert held.status_code == 429, held.text
            waits.append(int(held.headers["retry-after"]))
            _age_attempts(session, waits[-1])
            assert _try(guesser, user.username, WRONG_PASSWORD).status_code == 401
        _age_attempts(session, 2 * waits[-1])
        # After the wait, the right password works: a delay, never a lock.
        assert _try(guesser, user.username, PASSWORD).status_code == 201
    assert waits == [1, 2, 4, 8]


def test_a_new_address_is_slowed_only_a_little_when_one_account_is_guessed_at_from_many(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    user = account(session)
    for n in range(3 * settings.login_max_failures):
        with _from(app, f"198.51.100.{n}") as one_of_many:
            assert _try(one_of_many, user.username, WRONG_PASSWORD).status_code == 401
    with _from(app, "192.0.2.200") as new_device:
        held = _try(new_device, user.username, PASSWORD)
        assert held.status_code == 429
        assert int(held.headers["retry-after"]) <= 60
        _age_attempts(session, 61)
        assert _try(new_device, user.username, PASSWORD).status_code == 201

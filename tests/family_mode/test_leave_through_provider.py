"""Leaving family mode as a worker who signs in through the municipality's provider (DESIGN
§11, §12): the provider is asked for a new sign-in (prompt=login, max_age=0), against a real
provider process (tests/oidc_provider.py); only the same person, freshly signed in, ends it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.models import ApiToken, AuditEvent
from app.models.enums import Role
from tests.accounts.test_oidc import sign_in
from tests.factories import make_canvas, make_family, make_unit, make_user
from tests.oidc_provider import Provider, running_provider
from tests.pages import PageClient

SUB = "kari-at-the-provider"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture
def browser(
    settings: Settings,
    session_factory: sessionmaker[Session],
    provider: Provider,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    configured = settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": "duk",
            "oidc_client_secret": SecretStr("duk-test-secret"),
            "oidc_name": "Asker kommune",
        }
    )
    with TestClient(
        create_app(configured, session_factory=session_factory), raise_server_exceptions=False
    ) as client:
        yield client


def in_family_mode(session: Session) -> bool:
    session.expire_all()
    shown = session.scalars(
        select(ApiToken.family_mode_family_id).where(ApiToken.kind == "session")
    ).all()
    return any(shown)


def test_leaving_asks_the_provider_for_a_new_sign_in_by_the_same_person(
    browser: TestClient, provider: Provider, session: Session, settings: Settings
) -> None:
    lead = make_user(session, role=Role.caseworker, units=[make_unit(session)])
    lead.oidc_subject = SUB
    family = make_family(session, lead, settings)
    canvas = make_canvas(session, lead, family)
    session.commit()
    assert sign_in(browser, provider, SUB).status_code == 303
    tablet = PageClient(browser)
    on = f"/canvases/{canvas.id}"
    assert tablet.submit(on, f"/families/{family.id}/family-mode").status_code == 303

    leave_page = browser.get("/family-mode/leave")
    assert 'href="/auth/oidc/login?for=leave"' in leave_page.text
    start = browser.get("/auth/oidc/login?for=leave", follow_redirects=False)
    asked = parse_qs(urlsplit(start.headers["location"]).query)
    assert (asked["prompt"], asked["max_age"]) == (["login"], ["0"])
    # "Sign in with …" on the sign-in page, from family mode, is no way round: the provider's
    # session of this morning does not count there either.
    plain = browser.get("/auth/oidc/login", follow_redirects=False)
    assert parse_qs(urlsplit(plain.headers["location"]).query)["prompt"] == ["login"]

    # Someone else at the provider's form, or the worker's sign-in of this morning: kept on.
    provider.set_user("someone-else", {"auth_time": int(time.time())})
    other = sign_in(browser, provider, "someone-else", "/auth/oidc/login?for=leave")
    provider.set_user(SUB, {"auth_time": int(time.time()) - 3 * 3600})
    stale = sign_in(browser, provider, SUB, "/auth/oidc/login?for=leave")
    for refused in (other, stale):
        assert refused.headers["location"] == "/family-mode/leave?refused=provider"
    assert in_family_mode(session)
    assert browser.get(on, follow_redirects=False).headers["location"] == "/family-mode"

    provider.set_user(SUB, {"auth_time": int(time.time())})
    fresh = sign_in(browser, provider, SUB, "/auth/oidc/login?for=leave")

    assert fresh.status_code == 303
    assert fresh.headers["location"] == on
    assert not in_family_mode(session)
    assert browser.get(on).status_code == 200
    refusals = session.scalars(
        select(AuditEvent.purpose).where(AuditEvent.action == "login_failed")
    ).all()
    assert refusals == [
        "family_mode_leave:provider_person",
        "family_mode_leave:provider_not_fresh",
    ]

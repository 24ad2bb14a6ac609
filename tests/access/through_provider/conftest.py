"""Everyone of the access matrices signed in through the identity provider, once per module
(DESIGN §11, issue 14): the fixtures of test_api_matrix.py and test_page_matrix.py here.

Signing in through the provider takes a few round trips between three parties, so each persona
signs in once for the module, not once per cell: its users are made and signed in inside a
transaction that stays open for the module, and each cell builds its world inside a savepoint
of it, rolled back after the cell (``session_factory`` here stands in for the run's). The users
stand in each new world (``build_world(..., people=...)``), so every request of every cell
carries what the provider's sign-in gave: a device's API token (the module's ``CREDENTIAL =
"bearer"``) or a browser's page session (``"session"``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.models.enums import Role
from tests.factories import PERSONA_ROLES, PERSONAS, make_user
from tests.oidc_provider import Provider, running_provider


@dataclass(frozen=True)
class SignedIn:
    """The module's people: each persona's user, and what the provider's sign-in gave it."""

    people: dict[str, uuid.UUID]
    headers: dict[str, dict[str, str]]  # the secret as a bearer token
    secrets: dict[str, str]


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def oidc_app(settings: Settings, provider: Provider) -> Iterator[FastAPI]:
    """One app configured to the provider for the module (as ``shared_app`` is for the run)."""
    with pytest.MonkeyPatch.context() as patch:
        # The provider listens on plain http on loopback; Authlib wants https elsewhere.
        patch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
        configured = settings.model_copy(
            update={
                "oidc_issuer": provider.issuer,
                "oidc_client_id": "duk",
                "oidc_client_secret": SecretStr("duk-matrix-secret"),
            }
        )
        yield create_app(configured, session_factory=sessionmaker())


@pytest.fixture(scope="module")
def module_connection(engine: Engine) -> Iterator[Connection]:
    """A transaction open for the whole module, rolled back at its end."""
    connection = engine.connect()
    outer = connection.begin()
    yield connection
    outer.rollback()
    connection.close()


def _factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


def _page_session(client: TestClient, provider: Provider, sub: str) -> str:
    """The browser's session after "Sign in with …" and the provider's form."""
    start = client.get("/auth/oidc/login", follow_redirects=False)
    back = urlsplit(provider.authorize(start.headers["location"], sub))
    signed_in = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text
    secret = client.cookies.get("duk_session")
    assert secret
    return secret


@pytest.fixture(scope="module")
def signed_in(
    request: pytest.FixtureRequest,
    module_connection: Connection,
    oidc_app: FastAPI,
    provider: Provider,
) -> SignedIn:
    """Each persona's user, linked to a subject of the provider and signed in through it
    once: a device's API token or a browser's page session, as the module's ``CREDENTIAL``
    says. "anonymous" holds a page session either way: sent as a bearer token it opens no
    API (DESIGN §11); the page matrix leaves it out (anonymous has no session there)."""
    credential = request.module.CREDENTIAL
    factory = _factory(module_connection)
    with factory() as session:
        roles = {"anonymous": Role.caseworker, **PERSONA_ROLES}
        users = {persona: make_user(session, role=roles[persona]) for persona in PERSONAS}
        for persona, user in users.items():
            user.oidc_subject = f"matrix-{persona}-{user.id}"
        subjects = {persona: str(user.oidc_subject) for persona, user in users.items()}
        people = {persona: user.id for persona, user in users.items()}
        session.commit()
    oidc_app.state.session_factory = factory
    headers, secrets = {}, {}
    for persona in PERSONAS:
        with TestClient(oidc_app, raise_server_exceptions=False) as browser:
            if persona == "anonymous" or credential == "session":
                secret = _page_session(browser, provider, subjects[persona])
            else:
                secret = provider.api_token(browser, subjects[persona])
        headers[persona] = {"Authorization": f"Bearer {secret}"}
        secrets[persona] = secret
    oidc_app.state.session_factory = None
    return SignedIn(people, headers, secrets)


@pytest.fixture
def session_factory(module_connection: Connection) -> Iterator[sessionmaker[Session]]:
    """Each cell in a savepoint of the module's transaction, rolled back after it: the cell's
    world and writes go, the people and their sign-ins stay."""
    cell = module_connection.begin_nested()
    yield _factory(module_connection)
    if cell.is_active:
        cell.rollback()


@pytest.fixture
def oidc_client(
    oidc_app: FastAPI, session_factory: sessionmaker[Session], signed_in: SignedIn
) -> Iterator[TestClient]:
    oidc_app.state.session_factory = session_factory
    with TestClient(oidc_app, raise_server_exceptions=False) as client:
        yield client
    oidc_app.state.session_factory = None

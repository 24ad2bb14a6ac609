"""Everyone of the access matrices signed in through the identity provider, once per module
(DESIGN §11, issue 14): the fixtures of test_api_matrix.py and test_page_matrix.py here.

Signing in through the provider takes a few round trips between three parties, so each persona
signs in once for the module, not once per cell: its users are made and signed in inside a
transaction that stays open for the module, the module's world is built in it once with them
standing in it (``build_world(..., people=...)``), and each cell runs in a savepoint of it,
rolled back after the cell (``session_factory`` here stands in for the run's). So every
request of every cell carries what the provider's sign-in gave: a device's API token (the
module's ``CREDENTIAL = "bearer"``) or a browser's page session (``"session"``).
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
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.models.enums import Role
from tests.conftest import savepoint_factory
from tests.factories import PERSONA_ROLES, PERSONAS, World, build_world_once, make_user
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
    factory = savepoint_factory(module_connection)
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


@pytest.fixture(scope="module")
def provider_world(module_connection: Connection, signed_in: SignedIn, settings: Settings) -> World:
    """The module's world, its people the ones signed in through the provider, each with the
    credential the provider's sign-in gave it; built once, each cell in a savepoint."""
    world = build_world_once(
        savepoint_factory(module_connection), settings, people=signed_in.people
    )
    world.headers.update(signed_in.headers)
    return world


@pytest.fixture
def session_factory(test_in_savepoint: sessionmaker[Session]) -> sessionmaker[Session]:
    """Each cell in a savepoint of the module's transaction, rolled back after it: the cell's
    writes go, the people, their sign-ins and the module's world stay."""
    return test_in_savepoint


@pytest.fixture
def oidc_client(
    oidc_app: FastAPI, session_factory: sessionmaker[Session], signed_in: SignedIn
) -> Iterator[TestClient]:
    oidc_app.state.session_factory = session_factory
    with TestClient(oidc_app, raise_server_exceptions=False) as client:
        yield client
    oidc_app.state.session_factory = None

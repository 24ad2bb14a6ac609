"""The family's own pages' fixtures: ID-porten played by a real provider process, and a
Duk configured for it (tests/family/door.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from tests.factories import MOR_NATIONAL_ID, World, build_world
from tests.family.door import Browser, sign_in
from tests.oidc_provider import Provider, running_provider


@pytest.fixture(scope="module")
def idporten() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture
def door(
    settings: Settings,
    session_factory: sessionmaker[Session],
    idporten: Provider,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Browser]:
    """``door()``: a new browser on a Duk whose family sign-in is the provider."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    clients: list[TestClient] = []
    configured = settings.model_copy(
        update={
            "idporten_issuer": idporten.issuer,
            "idporten_client_id": "duk-familie",
            "idporten_client_secret": SecretStr("duk-familie-secret"),
        }
    )
    app: FastAPI = create_app(configured, session_factory=session_factory)

    def open_browser(**changes: Any) -> TestClient:
        client = TestClient(app, raise_server_exceptions=False)
        clients.append(client)
        return client

    yield open_browser
    for client in clients:
        client.close()


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    world = build_world(session, settings)
    session.commit()
    return world


@pytest.fixture
def mother(door: Browser, idporten: Provider, world: World) -> TestClient:
    """The world's mother, signed in through ID-porten at the highest level."""
    browser = door()
    assert sign_in(browser, idporten, "mor-sub", MOR_NATIONAL_ID).status_code == 303
    return browser

"""The API's access matrix (tests/access/test_matrix.py) with everyone signed in through the
identity provider (DESIGN §11, issue 14): every endpoint × every persona, each persona's
credentials got from the real provider process through Duk's own sign-in, the same rule table
and the same checks.

Each persona signs in once for the module (conftest.py here), and every request of every cell
carries the token the provider's sign-in gave it.

"Anonymous" here is someone who holds only what a browser gets from the provider's sign-in: a
page session, sent as a bearer token. It opens no endpoint (401): a browser session is never an
API token (DESIGN §11).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.access.test_matrix import (
    API,
    ENDPOINTS,
    PERSONA,
    PROBLEM_TYPE,
    Call,
    Endpoint,
    _problem,
    expected_status,
)
from tests.access.through_provider.conftest import SignedIn
from tests.factories import PERSONAS, World, world_for_cell

CREDENTIAL = "bearer"

CASES = [
    pytest.param(endpoint, persona, id=f"{endpoint.method} {endpoint.path[len(API) :]} {persona}")
    for endpoint in ENDPOINTS
    for persona in PERSONAS
]


@pytest.mark.parametrize(("endpoint", "persona"), CASES)
def test_access_matrix_signed_in_through_the_provider(
    endpoint: Endpoint,
    persona: str,
    oidc_client: TestClient,
    signed_in: SignedIn,
    session: Session,
    provider_world: World,
) -> None:
    world = world_for_cell(provider_world, session)
    expected = expected_status(endpoint.kind, PERSONA[persona], endpoint.success)
    ids = endpoint.ids(world)

    response = endpoint.send(oidc_client, world, persona, ids)

    assert response.status_code == expected, response.text
    if expected >= 400:
        assert _problem(response)["type"] == PROBLEM_TYPE[expected]
        if expected == 401:
            assert response.headers["www-authenticate"] == "Bearer"
    endpoint.check(Call(oidc_client, world, persona, response, allowed=expected < 400))


def test_the_credentials_are_the_providers(
    oidc_client: TestClient, signed_in: SignedIn, provider_world: World
) -> None:
    """What the matrix sends is what the provider's sign-in gave each persona: a bearer
    token of that very user, and a page session that is no bearer token."""
    for persona in PERSONAS[1:]:
        me = oidc_client.get(f"{API}/me", headers=signed_in.headers[persona])
        assert me.status_code == 200, persona
        assert me.json()["id"] == str(signed_in.people[persona])
    page = oidc_client.get(f"{API}/me", headers=signed_in.headers["anonymous"])
    assert page.status_code == 401

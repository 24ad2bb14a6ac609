"""The pages' access matrix (tests/access/test_page_matrix.py) with people signed in through
the identity provider (DESIGN §11, issue 14): every page for each role and each side of a
family (the lead, a caseworker of another unit, the consented reviewer, the coordinator, the
admin), each persona's browser holding the page session the real provider process's sign-in
gave it (conftest.py here: once per persona for the module), the same rules and checks. A
slice, not the whole matrix again: the pages resolve a session from the provider exactly as
one from a password (both are a "session" token), and the API's matrix through the provider
(test_api_matrix.py here) runs every persona.

Left out: the provider's own routes (tested with a provider in tests/accounts/test_oidc.py;
here they would not be the 404 the page matrix expects of an app without one), the admin's
forms that link and unlink a subject (their checks expect the world's people unlinked, and
these are linked: tests/accounts/test_admin_users.py), and the anonymous persona, who has no
session to get from anywhere (the API's matrix sends the provider's page session as a bearer
token: 401).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.access.test_page_matrix import (
    PAGES,
    Page,
    PageCall,
    PageRule,
    expected_page_status,
    let_in,
)
from tests.access.through_provider.conftest import SignedIn
from tests.factories import World, world_for_cell
from tests.pages import PageClient

CREDENTIAL = "session"

CASES = [
    pytest.param(page, persona, id=f"{page.method} {page.path} {persona}")
    for page in PAGES
    if page.kind is not PageRule.provider and "/oidc-subject" not in page.path
    for persona in ("lead", "other_unit", "consented", "coordinator", "admin")
]


@pytest.mark.parametrize(("page", "persona"), CASES)
def test_page_matrix_signed_in_through_the_provider(
    page: Page,
    persona: str,
    oidc_client: TestClient,
    signed_in: SignedIn,
    session: Session,
    provider_world: World,
) -> None:
    world = world_for_cell(provider_world, session)
    oidc_client.cookies.set("duk_session", signed_in.secrets[persona])
    browser = PageClient(oidc_client)
    expected = expected_page_status(page, persona)
    ids = {**page.ids(world), **page.setup(session, world)}

    response = page.send(browser, world, ids)

    assert response.status_code == expected, response.text[:2000]
    if expected in (403, 404):
        assert response.headers["content-type"].startswith("text/html")
    allowed = let_in(page, persona, expected)
    page.check(PageCall(oidc_client, session, world, persona, response, allowed=allowed))

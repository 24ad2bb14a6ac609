"""The family's own door in the browser tests (DESIGN §11, §12): ID-porten is a real OpenID
Connect provider process (tests/oidc_provider.py), ``duk serve`` is configured to it, and the
members who sign in are recorded by their plan lead first, as in the product."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.access.scope import scope_for
from app.accounts.service import actor_from_user
from app.config import Settings
from app.db import make_engine
from app.members import service as member_service
from app.members.schemas import MemberCreate
from app.models import Family, User
from app.models.enums import Language, MemberRelation
from tests.browser.helpers import tap_and_wait
from tests.conftest import TEST_SECRET
from tests.oidc_provider import Provider

HIGH: Final = "idporten-loa-high"


def idporten_env(idporten: Provider) -> dict[str, str]:
    """What ``duk serve`` needs to send families to ``idporten`` (plain HTTP on loopback)."""
    return {
        "DUK_IDPORTEN_ISSUER": idporten.issuer,
        "DUK_IDPORTEN_CLIENT_ID": "duk-familie",
        "DUK_IDPORTEN_CLIENT_SECRET": "duk-familie-secret",
        "AUTHLIB_INSECURE_TRANSPORT": "1",
    }


def add_parents(
    database_url: str, family_name: str, parents: Iterable[tuple[str, int, Language, str]]
) -> None:
    """Record ``(name, birth year, language, national ID number)`` as parents with parental
    responsibility in the family, by its plan lead, through the members' service."""
    settings = Settings(env="test", database_url=database_url, secret_key=TEST_SECRET)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            family = session.scalars(select(Family).where(Family.display_name == family_name)).one()
            lead = session.scalars(
                select(User).where(User.id == family.plan_lead_id).options(selectinload(User.units))
            ).one()
            actor = actor_from_user(lead)
            for name, year, language, number in parents:
                member_service.add_member(
                    session,
                    actor,
                    scope_for(session, actor, family),
                    MemberCreate(
                        name=name,
                        relation=MemberRelation.parent,
                        birth_year=year,
                        language=language,
                        parental_responsibility=True,
                        national_id=number,
                    ),
                    settings,
                )
            session.commit()
    finally:
        engine.dispose()


def sign_in_member(page: Page, idporten: Provider, sub: str, pid: str) -> None:
    """From the family's pages through ID-porten's sign-in page, as ``sub`` with national ID
    number ``pid`` at level high; the page is back at Duk when this returns."""
    idporten.set_user(sub, {"pid": pid, "acr": HIGH})
    page.goto("/familie/")
    assert urlsplit(page.url).path == "/familie/logg-inn"
    tap_and_wait(page, page.locator("a.button-primary"))
    assert page.url.startswith(idporten.issuer), page.url
    page.locator("input[name=sub]").fill(sub)
    with page.expect_navigation(url=lambda url: not url.startswith(idporten.issuer)):
        page.get_by_role("button", name="Authorize", exact=True).tap()

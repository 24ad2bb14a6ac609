"""The languages an installation offers families (DESIGN §12, ``DUK_LANGUAGES``): the family
form offers those, each named in its own language, and a family cannot be given another."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.config import FAMILY_LANGUAGES, Settings
from app.models import Family
from app.models.enums import Language
from tests.factories import auth_headers, make_family, make_unit, make_user
from tests.html import page
from tests.pages import SignedIn

FAMILY_FORM = {
    "display_name": "Familien Ali",
    "municipality_code": "3107",
    "adults": "2",
    "children_birth_years": "2015",
}


@pytest.fixture
def bokmal_and_english(app: FastAPI, settings: Settings) -> Iterator[Settings]:
    """The app as an installation with DUK_LANGUAGES=nb,en runs it."""
    narrow = settings.model_copy(update={"languages": "nb,en"})
    app.state.settings = narrow
    yield narrow
    app.state.settings = settings


def _offered(html: str) -> dict[str, str]:
    """Each language choice's code and the name beside it."""
    choices = [
        label
        for label in page(html).form("/families").all("label")
        if label.all('input[name="language"]')
    ]
    return {label.one("input")["value"]: label.one("span").text for label in choices}


def test_the_family_form_offers_all_seven_languages_each_in_its_own(
    signed_in: SignedIn, session: Session
) -> None:
    lead = make_user(session, units=[make_unit(session)])
    session.commit()
    browser = signed_in(lead, language="en")

    offered = _offered(browser.get("/").text)

    assert offered == {
        "nb": "Bokmål",
        "nn": "Nynorsk",
        "en": "English",
        "ar": "العربية",
        "so": "Soomaali",
        "uk": "Українська",
        "pl": "Polski",
    }
    arabic = page(browser.get("/")).form("/families").by_text("label span", "العربية")
    assert (arabic["lang"], arabic["dir"]) == ("ar", "rtl")


def test_a_family_can_have_its_plan_in_arabic(signed_in: SignedIn, session: Session) -> None:
    lead = make_user(session, units=[make_unit(session)])
    session.commit()
    browser = signed_in(lead, language="en")

    created = browser.submit("/", "/families", {**FAMILY_FORM, "language": "ar"})

    assert created.status_code == 303, created.text
    family = session.get(Family, uuid.UUID(created.headers["location"].rsplit("/", 1)[1]))
    assert family is not None
    assert family.language is Language.ar
    shown = page(browser.get(created.headers["location"])).by_text("dd", "العربية")
    assert shown["lang"] == "ar"


def test_an_installation_offers_only_the_languages_it_names(
    signed_in: SignedIn, session: Session, bokmal_and_english: Settings
) -> None:
    lead = make_user(session, units=[make_unit(session)])
    session.commit()
    browser = signed_in(lead, language="en")

    assert _offered(browser.get("/").text) == {"nb": "Bokmål", "en": "English"}

    refused = browser.submit("/", "/families", {**FAMILY_FORM, "language": "ar"})

    assert refused.status_code == 422
    assert page(refused).form("/families").field_error("language") == (
        "Choose one of the languages offered."
    )
    accepted = browser.submit("/", "/families", {**FAMILY_FORM, "language": "en"})
    assert accepted.status_code == 303


def test_the_api_refuses_a_language_the_installation_does_not_offer(
    client: TestClient, session: Session, settings: Settings, bokmal_and_english: Settings
) -> None:
    lead = make_user(session, units=[make_unit(session)])
    headers = auth_headers(session, lead, settings)
    family = make_family(session, lead, settings)
    session.commit()
    body = {
        "display_name": "Familien Ali",
        "municipality_code": "3107",
        "language": "so",
        "household": {"adults": 1, "children_birth_years": [], "single_parent": False},
    }

    created = client.post("/api/v1/families", json=body, headers=headers)
    changed = client.patch(
        f"/api/v1/families/{family.id}",
        json={"language": "pl"},
        headers={**headers, "If-Match": '"1"'},
    )

    assert created.status_code == 422
    assert [e["field"] for e in created.json()["errors"]] == ["language"]
    assert changed.status_code == 422
    assert [e["field"] for e in changed.json()["errors"]] == ["language"]
    session.expire_all()
    assert session.get(Family, family.id).language is Language.nb  # type: ignore[union-attr]
    assert (
        client.patch(
            f"/api/v1/families/{family.id}",
            json={"language": "en"},
            headers={**headers, "If-Match": '"1"'},
        ).json()["language"]
        == "en"
    )


def test_duk_languages_must_name_known_languages_and_bokmal(settings: Settings) -> None:
    assert Settings(languages="en, nb").offered_languages == ("nb", "en")
    with pytest.raises(ValidationError, match="must include nb"):
        Settings(languages="en,ar")
    with pytest.raises(ValidationError, match="not de"):
        Settings(languages="nb,de")


def test_a_family_can_have_each_language_the_installation_can_offer() -> None:
    assert tuple(code.value for code in Language) == FAMILY_LANGUAGES

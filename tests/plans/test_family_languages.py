"""The family's copy of its plan and the consent statement in each of the family's seven
languages (DESIGN §12): the words of the translation, the template's domain titles in the
language, Arabic written right to left, a catalogue text that has no translation marked as
bokmål, and a PDF whose Arabic is real Arabic text."""

from __future__ import annotations

import io
import re
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from sqlalchemy.orm import Session

from app.config import FAMILY_LANGUAGES, Settings
from app.models.enums import Language
from tests.factories import World, build_world
from tests.html import page
from tests.pages import PageClient, SignedIn

# A heading of the plan and of the consent statement, and the housing domain's title, as each
# translation says them.
PLAN_HEADING = {
    "nb": "Hvem gjør hva, og innen når",
    "nn": "Kven gjer kva, og innan når",
    "en": "Who does what, and by when",
    "ar": "مَن يفعل ماذا، ومتى",
    "so": "Yaa samaynaya maxay, iyo goorma",
    "uk": "Хто що робить і до коли",
    "pl": "Kto co robi i do kiedy",
}
STATEMENT_HEADING = {
    "nb": "Samtykke til å dele planen vår",
    "nn": "Samtykke til å dele planen vår",
    "en": "Consent to share our plan",
    "ar": "موافقة على مشاركة خطتنا",
    "so": "Oggolaansho in qorshaheena la wadaago",
    "uk": "Згода поділитися нашим планом",
    "pl": "Zgoda na udostępnienie naszego planu",
}
HOUSING = {
    "nb": "Bolig",
    "nn": "Bustad",
    "en": "Housing",
    "ar": "السكن",
    "so": "Guriga",
    "uk": "Житло",
    "pl": "Mieszkanie",
}
ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff]{2,}")


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    """The test world: its family has a submitted plan, with a need in the housing domain
    mapped to a catalogue service that has no translations (bokmål only)."""
    return build_world(session, settings)


def _reading(session: Session, signed_in: SignedIn, world: World, lang: str) -> PageClient:
    """The world's family, now reading ``lang``; its plan lead's browser (pages in English)."""
    world.family.language = Language(lang)
    session.commit()
    return signed_in(world.lead, language="en")


def _direction(lang: str) -> str:
    return "rtl" if lang == "ar" else "ltr"


@pytest.mark.parametrize("lang", FAMILY_LANGUAGES)
def test_the_familys_copy_of_the_plan_is_in_its_language(
    signed_in: SignedIn, session: Session, world: World, lang: str
) -> None:
    browser = _reading(session, signed_in, world, lang)

    printed = page(browser.get(f"/plans/{world.plan.id}/print"))

    html = printed.one("html")
    assert (html["lang"], html["dir"]) == (lang, _direction(lang))
    assert PLAN_HEADING[lang] in printed.texts("h2")
    assert HOUSING[lang] in printed.texts(".plan-domain h3")
    # The catalogue has the service in bokmål only: said so wherever the plan is in another.
    name = printed.one(".plan-service-name")
    assert name.text.startswith("Testtjeneste")
    assert name.get("lang") == (None if lang == "nb" else "nb")
    # On the worker's page around it, the plan is a part in the family's language.
    part = page(browser.get(f"/plans/{world.plan.id}")).one(".plan-preview > div[lang]")
    assert (part["lang"], part["dir"]) == (lang, _direction(lang))
    assert PLAN_HEADING[lang] in part.texts("h2")


@pytest.mark.parametrize("lang", FAMILY_LANGUAGES)
def test_the_consent_statement_is_in_the_familys_language(
    signed_in: SignedIn, session: Session, world: World, lang: str
) -> None:
    browser = _reading(session, signed_in, world, lang)

    statement = page(
        browser.get(f"/families/{world.family.id}/consents/statement?unit={world.unit_c.id}")
    )

    html = statement.one("html")
    assert (html["lang"], html["dir"]) == (lang, _direction(lang))
    assert statement.one("h1").text == STATEMENT_HEADING[lang]
    assert statement.texts("li[data-unit-id]") == [world.unit_c.name]


def test_the_arabic_pdf_holds_arabic_text_set_in_an_arabic_font(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = _reading(session, signed_in, world, "ar")

    response = browser.get(f"/plans/{world.plan.id}.pdf")

    assert response.status_code == 200
    assert response.headers["content-language"] == "ar"
    reader = PdfReader(io.BytesIO(response.content))
    catalog = cast(DictionaryObject, reader.trailer["/Root"].get_object())
    assert str(catalog["/Lang"]) == "ar"
    text = " ".join(sheet.extract_text() for sheet in reader.pages)
    # Letters, not boxes or glyph numbers: words a reader (and a screen reader) gets back.
    assert len(ARABIC_LETTERS.findall(text)) > 20
    assert "السكن" in text or "السكن"[::-1] in text
    fonts = {
        str(cast(DictionaryObject, font.get_object())["/BaseFont"])
        for sheet in reader.pages
        for font in cast(
            DictionaryObject, cast(DictionaryObject, sheet["/Resources"])["/Font"]
        ).values()
    }
    assert any("Amiri" in font for font in fonts), fonts

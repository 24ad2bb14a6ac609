"""The family's copy of its plan and the consent statement in each of the family's seven
languages (DESIGN §12): the words of the translation, the template's domain titles in the
language, Arabic written right to left, a catalogue text that has no translation marked as
bokmål, and a PDF whose Arabic is real Arabic text."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.actions import service as action_service
from app.actions.schemas import ActionCreate, Responsible
from app.config import FAMILY_LANGUAGES, Settings
from app.goals import service as goal_service
from app.goals.schemas import GoalCreate
from app.kit.i18n import local_today
from app.models import Canvas, Family, User
from app.models.enums import GoalHorizon, Language, ResponsibleKind
from app.needs import service as need_service
from app.needs.schemas import NeedCreate, ReferralCreate
from tests.factories import (
    actor_of,
    fill_canvas_for_plan,
    make_canvas,
    make_family,
    make_service,
    make_unit,
    make_user,
)
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


def _plan(session: Session, settings: Settings, lang: str) -> tuple[User, Family, Canvas]:
    unit = make_unit(session, name="Boligkontoret")
    lead = make_user(session, units=[unit], display_name="Kari Hansen")
    family = make_family(session, lead, settings, language=Language(lang))
    canvas = make_canvas(session, lead, family)
    fill_canvas_for_plan(session, lead, family, canvas)
    actor = actor_of(session, lead)
    scope = scope_for(session, actor, family)
    need = need_service.add_need(
        session,
        actor,
        scope,
        canvas,
        NeedCreate(domain="bolig", text="Et tørt sted å bo.", priority=1),
    )
    goal_service.add_goal(
        session, actor, scope, canvas, GoalCreate(horizon=GoalHorizon.short, text="Flytte før jul.")
    )
    service = make_service(session, unit, domains=["bolig"])
    service.name = "Startlån"
    service.application_process = "Søk på kommunens nettside."
    need_service.add_referral(session, actor, scope, need, ReferralCreate(service_id=service.id))
    action_service.add_action(
        session,
        actor,
        scope,
        canvas,
        ActionCreate(
            text="Mor ringer boligkontoret.",
            responsible=Responsible(kind=ResponsibleKind.family, member="Mor"),
            due=local_today() + timedelta(days=10),
            need_ids=[need.id],
        ),
    )
    session.commit()
    return lead, family, canvas


def _submit(browser: PageClient, canvas: Canvas) -> str:
    response = browser.submit(f"/canvases/{canvas.id}/plan", f"/canvases/{canvas.id}/plans")
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location


@pytest.mark.parametrize("lang", FAMILY_LANGUAGES)
def test_the_familys_copy_of_the_plan_is_in_its_language(
    signed_in: SignedIn, session: Session, settings: Settings, lang: str
) -> None:
    lead, _family, canvas = _plan(session, settings, lang)
    browser = signed_in(lead, language="en")
    plan_url = _submit(browser, canvas)

    printed = page(browser.get(f"{plan_url}/print"))

    html = printed.one("html")
    assert html["lang"] == lang
    assert html["dir"] == ("rtl" if lang == "ar" else "ltr")
    assert PLAN_HEADING[lang] in printed.texts("h2")
    assert HOUSING[lang] in printed.texts(".plan-domain h3")
    # The catalogue has the service in bokmål only: said so wherever the plan is in another.
    name = printed.one(".plan-service-name")
    assert name.text == "Startlån"
    assert name.get("lang") == (None if lang == "nb" else "nb")
    # On the worker's page around it, the plan is a part in the family's language.
    part = page(browser.get(plan_url)).one(".plan-preview > div[lang]")
    assert (part["lang"], part["dir"]) == (lang, "rtl" if lang == "ar" else "ltr")
    assert PLAN_HEADING[lang] in part.texts("h2")


@pytest.mark.parametrize("lang", FAMILY_LANGUAGES)
def test_the_consent_statement_is_in_the_familys_language(
    signed_in: SignedIn, session: Session, settings: Settings, lang: str
) -> None:
    lead, family, _canvas = _plan(session, settings, lang)
    service = make_unit(session, name="Barnevernet")
    session.commit()
    browser = signed_in(lead, language="en")

    statement = page(browser.get(f"/families/{family.id}/consents/statement?unit={service.id}"))

    html = statement.one("html")
    assert html["lang"] == lang
    assert html["dir"] == ("rtl" if lang == "ar" else "ltr")
    assert statement.one("h1").text == STATEMENT_HEADING[lang]
    assert statement.texts("li[data-unit-id]") == ["Barnevernet"]


def test_the_arabic_pdf_holds_arabic_text_set_in_an_arabic_font(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    lead, _family, canvas = _plan(session, settings, "ar")
    browser = signed_in(lead, language="en")
    plan_url = _submit(browser, canvas)

    response = browser.get(f"{plan_url}.pdf")

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

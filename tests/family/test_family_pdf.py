"""The family's own PDF of its plan (DESIGN §12, issue 15): downloaded from the family's pages
by a parent signed in through ID-porten (a real provider process), in her own language, with
the plan's words in it; an export in the family's audit trail. Another family's plan is not
there (404)."""

from __future__ import annotations

import io
import re
from typing import cast

from fastapi.testclient import TestClient
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import AuditEvent
from app.models.enums import Language
from tests.factories import MOR_NATIONAL_ID, World, make_family
from tests.family.door import Browser, sign_in
from tests.html import page
from tests.oidc_provider import Provider

ARABIC_LETTERS = re.compile(r"[\u0621-\u064a]")


def _text(pdf: bytes) -> str:
    return " ".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf)).pages)


def test_a_parent_downloads_the_plan_as_a_pdf_holding_its_words(
    mother: TestClient, session: Session, world: World
) -> None:
    link = page(mother.get("/familie/")).one("a[download]")["href"]

    response = mother.get(link)

    assert link == f"/familie/plan/{world.plan.id}/pdf"
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-language"] == "nb"
    text = _text(response.content)
    assert "Vi trenger større bolig." in text
    assert "Hvem gjør hva, og innen når" in text
    event = session.scalars(select(AuditEvent).where(AuditEvent.purpose == "family_door_pdf")).one()
    assert (event.action, event.member_id, event.record_id) == (
        "export",
        world.mother.id,
        str(world.plan.id),
    )


def test_an_arabic_speaking_parent_gets_the_pdf_in_arabic(
    door: Browser, idporten: Provider, session: Session, world: World
) -> None:
    world.mother.language = Language.ar
    session.commit()
    browser = door()
    sign_in(browser, idporten, "mor-sub", MOR_NATIONAL_ID)

    response = browser.get(f"/familie/plan/{world.plan.id}/pdf")

    assert response.status_code == 200
    assert response.headers["content-language"] == "ar"
    reader = PdfReader(io.BytesIO(response.content))
    catalog = cast(DictionaryObject, reader.trailer["/Root"].get_object())
    assert str(catalog["/Lang"]) == "ar"
    text = _text(response.content)
    assert len(ARABIC_LETTERS.findall(text)) > 20
    assert "خطتنا" in text  # "our plan", the heading
    assert "Familien Test" in text


def test_another_familys_plan_is_not_there(
    mother: TestClient, session: Session, settings: Settings, world: World
) -> None:
    other = make_family(session, world.lead, settings)
    session.commit()

    assert mother.get(f"/familie/plan/{other.id}/pdf").status_code == 404
    assert mother.get(f"/familie/plan/{world.plan.id}/pdf").status_code == 200

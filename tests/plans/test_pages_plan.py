"""The family's plan in the browser: the preview with what it still lacks, submitting it, the
submitted plan, its print view and its PDF, all in the family's language (issue 3, point 7)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import cast

import pytest
from babel.dates import format_date
from fastapi.testclient import TestClient
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.actions import service as action_service
from app.actions.schemas import ActionCreate, Responsible
from app.canvases import service as canvas_service
from app.config import Settings
from app.goals import service as goal_service
from app.goals.schemas import GoalCreate
from app.kit.i18n import local_today
from app.models import AuditEvent, Canvas, Family, Plan, Unit, User
from app.models.enums import GoalHorizon, Language, ResponsibleKind
from app.needs import service as need_service
from app.needs.schemas import NeedCreate
from app.plans.document import static_only_fetcher
from tests.factories import (
    actor_of,
    build_world,
    fill_canvas_for_plan,
    make_canvas,
    make_family,
    make_unit,
    make_user,
)
from tests.html import Element, page
from tests.pages import PageClient, SignedIn


def _flat(text: str) -> str:
    """Text with every run of whitespace as one space (a PDF wraps lines where it likes)."""
    return " ".join(text.split())


def _font_names(reader: PdfReader) -> set[str]:
    names: set[str] = set()
    for sheet in reader.pages:
        resources = cast(DictionaryObject, sheet["/Resources"].get_object())
        fonts = cast(DictionaryObject, resources["/Font"].get_object())
        for font in fonts.values():
            names.add(str(cast(DictionaryObject, font.get_object())["/BaseFont"]))
    return names


def _complete_canvas(
    session: Session, lead: User, family: Family, *, unit: Unit | None = None
) -> Canvas:
    """A canvas with all an individual plan needs: a need, goals on every horizon, an action
    for the family and, when ``unit`` is given, one for that unit."""
    canvas = make_canvas(session, lead, family)
    fill_canvas_for_plan(session, lead, family, canvas)
    actor = actor_of(session, lead)
    scope = scope_for(session, actor, family)
    need = need_service.add_need(
        session,
        actor,
        scope,
        canvas,
        NeedCreate(domain="bolig", text="Vi trenger et større sted å bo.", priority=1),
    )
    for horizon, text in [
        (GoalHorizon.dream, "Et hjem med hage der barna kan leke."),
        (GoalHorizon.long, "Å eie vår egen bolig om fem år."),
        (GoalHorizon.short, "Få økonomisk rådgivning før påske – æøå ÆØÅ."),
    ]:
        goal_service.add_goal(session, actor, scope, canvas, GoalCreate(horizon=horizon, text=text))
    action_service.add_action(
        session,
        actor,
        scope,
        canvas,
        ActionCreate(
            text="Mor ringer boligkontoret.",
            responsible=Responsible(kind=ResponsibleKind.family, member="Mor"),
            due=local_today() + timedelta(days=20),
            need_ids=[need.id],
        ),
    )
    if unit is not None:
        action_service.add_action(
            session,
            actor,
            scope,
            canvas,
            ActionCreate(
                text="Boligkontoret sender søknadsskjema.",
                responsible=Responsible(kind=ResponsibleKind.unit, unit_id=unit.id),
                due=local_today() + timedelta(days=5),
                need_ids=[need.id],
            ),
        )
    return canvas


def _submit_button(preview: Element, canvas: Canvas) -> Element:
    button = preview.form(f"/canvases/{canvas.id}/plans").one("button")
    assert button.text == "Submit the plan"
    return button


def _submit(browser: PageClient, canvas: Canvas) -> str:
    """The plan lead submits the plan from its preview."""
    response = browser.submit(f"/canvases/{canvas.id}/plan", f"/canvases/{canvas.id}/plans")
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location


def test_preview_of_an_empty_canvas_lists_what_the_plan_still_lacks(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings, language=Language.en)
    canvas = make_canvas(session, kari, family)
    session.commit()
    browser = signed_in(kari, language="en")  # the texts read are the English source

    response = browser.get(f"/canvases/{canvas.id}/plan")

    assert response.status_code == 200
    preview = page(response)
    missing = preview.one('[data-testid="plan-missing"]').all("li a")
    for text, href in [
        ("What the family needs help with", f"/canvases/{canvas.id}/needs"),
        ("At least one goal", f"/canvases/{canvas.id}/goals"),
        ("At least one action", f"/canvases/{canvas.id}/actions"),
        ("strengths and resources", f"/canvases/{canvas.id}/domains/"),
        ("Who takes part in the plan", f"/canvases/{canvas.id}"),
        ("The period the plan covers", f"/canvases/{canvas.id}"),
        ("The date of the next review", f"/canvases/{canvas.id}"),
    ]:
        [link] = [a for a in missing if text in a.text]
        assert link["href"].startswith(href), (text, link["href"])
    assert "disabled" in _submit_button(preview, canvas)


def test_preview_of_a_complete_canvas_reads_like_the_familys_plan(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit], display_name="Kari Hansen")
    family = make_family(session, kari, settings, language=Language.en)
    canvas = _complete_canvas(session, kari, family, unit=unit)
    session.commit()
    browser = signed_in(kari, language="en")  # the texts read are the English source

    response = browser.get(f"/canvases/{canvas.id}/plan")

    assert response.status_code == 200
    preview = page(response)
    assert not preview.has('[data-testid="plan-missing"]')
    text = preview.text
    for words in [
        "At vi har det trygt hjemme.",  # what matters to us
        "Vi bor trangt.",  # how things are now, in the family's words
        "3 of 10",  # and the family's own score
        "Vi holder sammen.",  # strengths
        "Et hjem med hage der barna kan leke.",
        "Få økonomisk rådgivning før påske – æøå ÆØÅ.",
        "Kari Hansen",  # the plan lead
        "Veileder",  # a participant
    ]:
        assert words in text
    # Who does what by when, soonest first: the unit's action is due before the family's.
    assert text.index("Boligkontoret sender søknadsskjema.") < text.index(
        "Mor ringer boligkontoret."
    )
    assert unit.name in text
    assert "Mor" in preview.texts("*")  # the family member who does it, named on its own
    assert "disabled" not in _submit_button(preview, canvas)


def test_submitting_the_plan_makes_plan_1_and_lands_on_its_page(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings, language=Language.en)
    canvas = _complete_canvas(session, kari, family)
    session.commit()
    browser = signed_in(kari, language="en")  # the texts read are the English source

    location = _submit(browser, canvas)

    plan = session.scalar(select(Plan).where(Plan.family_id == family.id))
    assert plan is not None
    assert plan.number == 1
    assert location == f"/plans/{plan.id}"
    plan_page = browser.get(location)
    assert plan_page.status_code == 200
    assert "Plan 1" in plan_page.text
    assert "In review" in plan_page.text
    assert "Mor ringer boligkontoret." in plan_page.text


def test_submitting_an_incomplete_plan_shows_the_list_again_and_stores_nothing(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    school = make_unit(session, name="Skolen i Test")
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings)
    # Complete but for the family's consent to share the plan with the school, and an action
    # with no one in the family named for it and no due date.
    canvas = _complete_canvas(session, kari, family, unit=school)
    actor = actor_of(session, kari)
    vague = action_service.add_action(
        session,
        actor,
        scope_for(session, actor, family),
        canvas,
        ActionCreate(
            text="Noen i familien ringer banken.",
            responsible=Responsible(kind=ResponsibleKind.family),
        ),
    )
    session.commit()
    browser = signed_in(kari)

    # The preview's button is disabled; the form is sent all the same.
    response = browser.post_form(f"/canvases/{canvas.id}/plans")

    assert response.status_code == 422
    refused = page(response)
    assert refused.has('[role="alert"]')
    missing = refused.one('[data-testid="plan-missing"]')
    assert "Skolen i Test" in missing.text
    # Where consent is recorded.
    assert missing.has(f'a[href="/families/{family.id}/consents"]')
    # The preview is in the family's language, bokmål here.
    assert "Hvem i familien som gjør dette: «Noen i familien ringer banken.»" in missing.text
    assert "Når dette skal være gjort: «Noen i familien ringer banken.»" in missing.text
    assert missing.has(f'a[href="/canvases/{canvas.id}/actions#action-{vague.id}"]')
    assert session.scalar(select(Plan).where(Plan.family_id == family.id)) is None


@pytest.mark.parametrize("language", [Language.en, Language.nn])
def test_the_plan_is_in_the_familys_language_and_the_page_around_it_in_the_users(
    signed_in: SignedIn, session: Session, settings: Settings, language: Language
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings, language=language)
    canvas = _complete_canvas(session, kari, family)
    session.commit()
    browser = signed_in(kari)  # Kari's own pages are in bokmål
    location = _submit(browser, canvas)

    # The plan page: Kari's menus and buttons in bokmål, the plan itself in the family's.
    response = browser.get(location)
    assert response.status_code == 200
    shown = page(response)
    assert shown["lang"] == "nb"
    assert response.headers["content-language"] == "nb"
    assert shown.by_text("a", "Last ned PDF")["href"] == f"{location}.pdf"
    [plan] = shown.all("article.plan-preview div[lang]")
    assert plan["lang"] == language.value
    if language is Language.en:  # the messages are written in English
        assert "What matters to us" in plan.text
        assert "Who does what, and by when" in plan.text
    # The print view and the PDF are the family's copy: in its language throughout.
    printed = browser.get(f"{location}/print")
    assert page(printed)["lang"] == language.value
    assert printed.headers["content-language"] == language.value
    assert printed.headers["cache-control"] == "no-store"
    assert browser.get("/").headers["content-language"] == "nb"
    print_view = page(browser.get(f"{location}/print"))
    assert not print_view.has(".site-header")  # a clean document, no navigation
    assert family.display_name in print_view.text


def test_the_pdf_holds_every_goal_and_action_with_who_and_when(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings, display_name="Familien Ødegård")
    canvas = _complete_canvas(session, kari, family, unit=unit)
    session.commit()
    browser = signed_in(kari)
    location = _submit(browser, canvas)
    plan_id = location.rsplit("/", 1)[1]

    response = browser.get(f"{location}.pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="plan-{family.id.hex[:8]}-v1.pdf"'
    )
    assert response.headers["cache-control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.content))
    text = _flat("\n".join(sheet.extract_text() for sheet in reader.pages))
    fonts = _font_names(reader)
    assert fonts
    assert all("DejaVu" in name for name in fonts), fonts
    document = canvas_service.canvas_document(session, canvas)
    assert len(document.goals) == 3
    assert len(document.actions) == 2
    for goal in document.goals:
        assert _flat(goal.text) in text
    assert "æøå ÆØÅ" in text
    for action in document.actions:
        assert _flat(action.text) in text
        assert action.due is not None
        assert format_date(action.due, format="long", locale="nb_NO") in text
    assert "Mor" in text
    assert unit.name in text
    assert "Familien Ødegård" in text
    exports = session.scalars(
        select(AuditEvent).where(AuditEvent.record_id == plan_id, AuditEvent.action == "export")
    ).all()
    assert [e.username for e in exports] == [kari.username]


def test_reading_the_plan_page_and_print_view_is_in_the_audit_trail(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    browser = signed_in(world.consented)

    assert browser.get(f"/plans/{world.plan.id}").status_code == 200
    assert browser.get(f"/plans/{world.plan.id}/print").status_code == 200

    reads = session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_id == str(world.plan.id),
            AuditEvent.action == "read",
            AuditEvent.username == world.consented.username,
        )
    ).all()
    assert len(reads) == 2


def test_a_consented_unit_reads_the_plan_but_may_not_submit(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    browser = signed_in(world.consented)

    response = browser.get(f"/plans/{world.plan.id}")
    assert response.status_code == 200
    assert world.unit_b.name in response.text  # the review asked of the consented unit
    assert browser.get(f"/plans/{world.plan.id}.pdf").status_code == 200
    assert "Submit the plan" not in page(response).texts("button")
    # The preview is the live canvas, which a consent does not share: it is not there at all.
    assert browser.get(f"/canvases/{world.canvas.id}/plan").status_code == 404
    submit = browser.post_form(f"/canvases/{world.canvas.id}/plans")
    assert submit.status_code == 404
    assert session.scalars(select(Plan).where(Plan.family_id == world.family.id)).all() == [
        world.plan
    ]


@pytest.mark.parametrize("persona", ["other_unit", "withdrawn"])
def test_other_units_find_no_plan_at_all(
    signed_in: SignedIn, session: Session, settings: Settings, persona: str
) -> None:
    world = build_world(session, settings)
    browser = signed_in(getattr(world, persona))
    plan = world.plan.id

    for path in (
        f"/plans/{plan}.pdf",
        f"/plans/{plan}",
        f"/plans/{plan}/print",
        f"/canvases/{world.canvas.id}/plan",
    ):
        response = browser.get(path)
        assert response.status_code == 404, path
        assert "application/pdf" not in response.headers["content-type"]


def test_signed_out_visitors_are_sent_to_sign_in(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    response = client.get(f"/plans/{world.plan.id}.pdf", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_the_pdf_renderer_fetches_nothing_but_the_apps_static_files() -> None:
    body, mime = static_only_fetcher("http://duk.pdf/static/app.css?v=1")
    assert b".plan-print" in body
    assert mime == "text/css"
    for url in (
        "https://example.com/evil.css",
        "http://duk.pdf/static/../app/config.py",
        "http://duk.pdf/static/%2e%2e/pyproject.toml",
        "file:///etc/passwd",
        "http://duk.pdf/plans/1",
    ):
        with pytest.raises(ValueError, match="fetch|static"):
            static_only_fetcher(url)

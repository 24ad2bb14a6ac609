"""The family's copy of its plan tells the truth (issue 13): each need with the services mapped
to it and how to reach them, no cancelled action, nothing entered in error and no referral
that came to nothing, the municipality by name, plain names, a file name with no personal
data, and a tagged PDF (PDF/UA) in the plan's language that a screen reader can follow."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import cast

from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.actions import service as action_service
from app.actions.schemas import ActionCreate, ActionPatch, Responsible
from app.config import Settings
from app.goals import service as goal_service
from app.goals.schemas import GoalCreate
from app.kit.i18n import local_today
from app.models import Action, Canvas, Family, Need, Referral, Unit, User
from app.models.enums import (
    ActionStatus,
    GoalHorizon,
    Language,
    NeedStatus,
    ReferralStatus,
    ResponsibleKind,
)
from app.needs import corrections as need_corrections
from app.needs import service as need_service
from app.needs.schemas import NeedCreate, NeedPatch, ReferralCreate, ReferralPatch
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


def _flat(text: str) -> str:
    return " ".join(text.split())


def _case(session: Session, lead: User, family: Family, unit: Unit) -> tuple[Canvas, Need]:
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
    for text, kind in (("Mor ringer boligkontoret.", ResponsibleKind.family),):
        action_service.add_action(
            session,
            actor,
            scope,
            canvas,
            ActionCreate(
                text=text,
                responsible=Responsible(kind=kind, member="Mor"),
                due=local_today() + timedelta(days=10),
                need_ids=[need.id],
            ),
        )
    mistaken = action_service.add_action(
        session,
        actor,
        scope,
        canvas,
        ActionCreate(
            text="Søke om startlån i feil kommune.",
            responsible=Responsible(kind=ResponsibleKind.unit, unit_id=unit.id),
            need_ids=[need.id],
        ),
    )
    action_service.update_action(
        session,
        actor,
        scope,
        mistaken,
        ActionPatch(status=ActionStatus.cancelled, reason="Lagt inn ved en feil."),
        mistaken.version,
    )
    return canvas, need


def _map(
    session: Session, lead: User, family: Family, need: Need, data: ReferralCreate
) -> Referral:
    actor = actor_of(session, lead)
    return need_service.add_referral(session, actor, scope_for(session, actor, family), need, data)


def _submit(browser: PageClient, canvas: Canvas) -> str:
    response = browser.submit(f"/canvases/{canvas.id}/plan", f"/canvases/{canvas.id}/plans")
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location


def test_the_pdf_is_tagged_in_the_plans_language_and_holds_what_the_family_agreed(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session, name="Boligkontoret")
    provider = make_unit(session, name="Husbanken Øst")
    lead = make_user(session, units=[unit], display_name="Kari Hansen")
    family = make_family(session, lead, settings, language=Language.nn)
    canvas, need = _case(session, lead, family, unit)
    startlan = make_service(session, provider, domains=["bolig"])
    startlan.name = "Startlån"
    startlan.application_process = "Søk på husbanken.no eller ring 22 96 16 00."
    startlan.url = "https://www.husbanken.no/startlan"
    _map(session, lead, family, need, ReferralCreate(service_id=startlan.id))
    _map(session, lead, family, need, ReferralCreate(external_service_name="Frivilligsentralen"))
    refused = make_service(session, provider, domains=["bolig"])
    refused.name = "Bostøtte til feil søker"
    mapped_in_error = _map(session, lead, family, need, ReferralCreate(service_id=refused.id))
    actor = actor_of(session, lead)
    need_service.update_referral(
        session,
        actor,
        scope_for(session, actor, family),
        mapped_in_error,
        ReferralPatch(status=ReferralStatus.cancelled, reason="Feil tjeneste."),
        mapped_in_error.version,
    )
    session.commit()
    browser = signed_in(lead)
    location = _submit(browser, canvas)

    response = browser.get(f"{location}.pdf")

    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        f'attachment; filename="plan-{family.id.hex[:8]}-v1.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.content))
    catalog = cast(DictionaryObject, reader.trailer["/Root"].get_object())
    mark_info = cast(DictionaryObject, catalog["/MarkInfo"].get_object())
    assert str(catalog["/Lang"]) == "nn"  # the plan's language, not the software's
    assert bool(mark_info["/Marked"])  # tagged ...
    assert "/StructTreeRoot" in catalog  # ... with a structure a screen reader follows
    text = _flat(" ".join(sheet.extract_text() for sheet in reader.pages))
    assert "Fredrikstad kommune" in text
    assert "Kommune 3107" not in text
    for words in (
        "Startlån",
        "Husbanken Øst",
        "Søk på husbanken.no eller ring 22 96 16 00.",
        "https://www.husbanken.no/startlan",
        "Frivilligsentralen",
        "Mor ringer boligkontoret.",
    ):
        assert words in text, words
    assert "Søke om startlån i feil kommune." not in text  # cancelled: no part of the plan
    assert "Bostøtte til feil søker" not in text  # mapped by mistake and cancelled


def test_a_named_worker_is_written_plainly_with_her_unit(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    school = make_unit(session, name="Skolen")
    lead = make_user(session, units=[school])
    sara = make_user(session, units=[school], display_name="Sara Lie")
    family = make_family(session, lead, settings, language=Language.en)
    canvas, need = _case(session, lead, family, school)
    actor = actor_of(session, lead)
    action_service.add_action(
        session,
        actor,
        scope_for(session, actor, family),
        canvas,
        ActionCreate(
            text="The school meets the family.",
            responsible=Responsible(kind=ResponsibleKind.unit, unit_id=school.id, user_id=sara.id),
            due=local_today() + timedelta(days=7),
            need_ids=[need.id],
        ),
    )
    session.commit()
    browser = signed_in(lead)
    location = _submit(browser, canvas)

    shown = page(browser.get(f"{location}/print"))

    assert "Sara Lie, Skolen" in shown.text
    assert "(Sara Lie" not in shown.text
    assert "Fredrikstad municipality" in shown.text


def test_the_pdf_leaves_out_what_was_entered_in_error_and_what_was_cancelled(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session, name="Boligkontoret")
    lead = make_user(session, units=[unit])
    family = make_family(session, lead, settings)
    canvas, need = _case(session, lead, family, unit)  # with one action cancelled
    actor = actor_of(session, lead)
    scope = scope_for(session, actor, family)
    wrong_need = need_service.add_need(
        session,
        actor,
        scope,
        canvas,
        NeedCreate(domain="okonomi", text="Hjelp med bilen.", priority=2),
    )
    due = local_today() + timedelta(days=5)
    for text, needs in (
        ("Far søker billån.", [wrong_need.id]),
        ("Skolen ringer feil mor.", [need.id]),
    ):
        action_service.add_action(
            session,
            actor,
            scope,
            canvas,
            ActionCreate(
                text=text,
                responsible=Responsible(kind=ResponsibleKind.family, member="Far"),
                due=due,
                need_ids=needs,
            ),
        )
    need_corrections.correct_need(
        session, actor, scope, wrong_need, NeedPatch(status=NeedStatus.entered_in_error), 1
    )
    [wrong_action] = [
        a for a in action_service.actions_of(session, canvas.id) if a.text.startswith("Skolen")
    ]
    action_service.update_action(
        session,
        actor,
        scope,
        session.get_one(Action, wrong_action.id),
        ActionPatch(status=ActionStatus.entered_in_error, reason="Feil familie."),
        wrong_action.version,
    )
    session.commit()
    browser = signed_in(lead)
    location = _submit(browser, canvas)

    response = browser.get(f"{location}.pdf")

    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = _flat(" ".join(sheet.extract_text() for sheet in reader.pages))
    assert "Et tørt sted å bo." in text
    assert "Mor ringer boligkontoret." in text
    for gone in (
        "Hjelp med bilen.",  # the need entered in error
        "Far søker billån.",  # the action that served only it, which went with it
        "Skolen ringer feil mor.",  # an action entered in error
        "Søke om startlån i feil kommune.",  # a cancelled action
    ):
        assert gone not in text, gone

"""Needs and services, goals and actions in the browser: a need in the family's words, ranked
suggestions from the catalogue, mapping with one tap, a service outside the catalogue, referral
status, dreams and goals, and who does what by when."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import LANGUAGE_COOKIE
from app.models import Action, Canvas, Family, Goal, Need, Referral, Service, Unit, User
from app.models.enums import ActionStatus, GoalHorizon, ReferralStatus, ResponsibleKind
from tests.accounts.test_pages import csrf_from, sign_in
from tests.factories import (
    World,
    build_world,
    make_canvas,
    make_family,
    make_service,
    make_unit,
    make_user,
)

INTERPRETER = "sprak_integrering.trenger_tolk"
SUGGESTION = re.compile(
    r'<li class="panel suggestion".*?</li>\s*(?=<li class="panel suggestion"|</ol>)', re.S
)


@dataclass
class Desk:
    """A plan lead signed in at the tablet, with a fresh canvas and two services of her own."""

    client: TestClient
    lead: User
    unit: Unit
    family: Family
    canvas: Canvas
    interpreter: Service
    language_cafe: Service


@pytest.fixture
def desk(client: TestClient, session: Session, settings: Settings) -> Desk:
    unit = make_unit(session, name="NAV Vestby")
    provider = make_unit(session, name="Tolketjenesten Øst")
    lead = make_user(session, units=[unit], display_name="Kari Hansen")
    family = make_family(session, lead, settings, display_name="Familien Haddad")
    canvas = make_canvas(session, lead, family)
    interpreter = make_service(session, provider, domains=["sprak_integrering"])
    interpreter.name = "Tolketjeneste for familier"
    interpreter.indicators = [INTERPRETER]
    interpreter.translations = {
        "en": {"name": "Interpreters for families", "description": "Book an interpreter."}
    }
    language_cafe = make_service(session, provider, domains=["sprak_integrering"])
    language_cafe.indicators = []
    session.commit()
    # English UI: the assertions read the source texts, whatever the catalogs say.
    client.cookies.set(LANGUAGE_COOKIE, "en")
    sign_in(client, lead.username)
    return Desk(client, lead, unit, family, canvas, interpreter, language_cafe)


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def _post(client: TestClient, page: str, action: str, data: dict[str, object]) -> httpx2.Response:
    form = dict(data, csrftoken=csrf_from(client.get(page).text))
    return client.post(action, data=form, follow_redirects=False)


def _count(session: Session, model: type[object], **where: object) -> int:
    session.expire_all()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return int(session.scalar(query) or 0)


def _add_need(desk: Desk, session: Session, text: str = "Mor trenger tolk hos legen.") -> Need:
    page = f"/canvases/{desk.canvas.id}/needs?domain=sprak_integrering"
    response = _post(
        desk.client,
        page,
        f"/canvases/{desk.canvas.id}/needs",
        {"domain": "sprak_integrering", "text": text, "priority": "1", "indicators": [INTERPRETER]},
    )
    assert response.status_code == 303
    session.expire_all()
    need = session.scalars(
        select(Need).where(Need.canvas_id == desk.canvas.id, Need.text == text)
    ).one()
    assert response.headers["location"] == f"/needs/{need.id}/suggestions?saved=need"
    return need


def test_a_need_lands_on_ranked_suggestions_and_maps_to_a_service_with_one_tap(
    desk: Desk, session: Session
) -> None:
    form = desk.client.get(f"/canvases/{desk.canvas.id}/needs?domain=sprak_integrering")
    assert form.status_code == 200
    assert '<option value="sprak_integrering" selected>' in form.text
    assert f'value="{INTERPRETER}"' in form.text
    assert 'value="bolig.trangbodd"' not in form.text  # only the chosen domain's signs

    need = _add_need(desk, session)
    assert need.priority == 1
    assert need.indicators == [INTERPRETER]

    page = desk.client.get(f"/needs/{need.id}/suggestions?saved=need")
    assert page.status_code == 200
    assert "Mor trenger tolk hos legen." in page.text
    suggestions = SUGGESTION.findall(page.text)
    fits = ["Fits: " in s for s in suggestions]
    assert True in fits
    assert False in fits
    assert fits == sorted(fits, reverse=True), "indicator matches come first"
    ours = next(i for i, s in enumerate(suggestions) if "Interpreters for families" in s)
    assert fits[ours]
    assert "Tolketjenesten Øst" in suggestions[ours]
    assert "Book an interpreter." in suggestions[ours]

    response = _post(
        desk.client,
        f"/needs/{need.id}/suggestions",
        f"/needs/{need.id}/referrals",
        {"service_id": str(desk.interpreter.id)},
    )
    assert response.status_code == 303
    needs_page = desk.client.get(response.headers["location"])
    assert "The need is mapped to the service." in needs_page.text
    assert "Interpreters for families" in needs_page.text
    assert "Tolketjenesten Øst" in needs_page.text
    assert "Proposed" in needs_page.text

    # A second tap on the same service makes no second referral, and the page says mapped.
    _post(
        desk.client,
        f"/needs/{need.id}/suggestions",
        f"/needs/{need.id}/referrals",
        {"service_id": str(desk.interpreter.id)},
    )
    assert _count(session, Referral, need_id=need.id, service_id=desk.interpreter.id) == 1
    again = SUGGESTION.findall(desk.client.get(f"/needs/{need.id}/suggestions").text)
    mapped = next(s for s in again if "Interpreters for families" in s)
    assert "Mapped" in mapped
    assert "Map to this service" not in mapped


def test_a_service_outside_the_catalogue_is_logged_as_an_external_referral(
    desk: Desk, session: Session
) -> None:
    need = _add_need(desk, session)
    page = f"/needs/{need.id}/suggestions"

    empty = _post(desk.client, page, f"/needs/{need.id}/referrals", {"external_service_name": " "})
    assert empty.status_code == 422
    assert "Write the name of the service, group or person." in empty.text
    assert 'aria-invalid="true"' in empty.text
    assert _count(session, Referral, need_id=need.id) == 0

    response = _post(
        desk.client, page, f"/needs/{need.id}/referrals", {"external_service_name": "Moskeen"}
    )
    assert response.status_code == 303
    session.expire_all()
    referral = session.scalars(select(Referral).where(Referral.need_id == need.id)).one()
    assert referral.external_service_name == "Moskeen"
    assert referral.service_id is None
    needs_page = desk.client.get(f"/canvases/{desk.canvas.id}/needs").text
    assert "Moskeen" in needs_page
    assert "Outside the catalogue" in needs_page


def test_the_lead_sends_a_referral_and_cancels_it_only_with_a_reason(
    desk: Desk, session: Session
) -> None:
    need = _add_need(desk, session)
    _post(
        desk.client,
        f"/needs/{need.id}/suggestions",
        f"/needs/{need.id}/referrals",
        {"service_id": str(desk.interpreter.id)},
    )
    session.expire_all()
    referral = session.scalars(select(Referral).where(Referral.need_id == need.id)).one()
    needs = f"/canvases/{desk.canvas.id}/needs"

    sent = _post(
        desk.client,
        needs,
        f"/referrals/{referral.id}/status",
        {"status": "sent", "version": str(referral.version)},
    )
    assert sent.status_code == 303
    stale_version = referral.version
    session.expire_all()
    referral = session.get_one(Referral, referral.id)
    assert referral.status is ReferralStatus.sent
    stale = _post(
        desk.client,
        needs,
        f"/referrals/{referral.id}/status",
        {"status": "cancelled", "reason": "Feil.", "version": str(stale_version)},
    )
    assert stale.status_code == 422
    assert "Someone else changed this referral just now." in stale.text

    no_reason = _post(
        desk.client,
        needs,
        f"/referrals/{referral.id}/status",
        {"status": "cancelled", "reason": "", "version": str(referral.version)},
    )
    assert no_reason.status_code == 422
    assert "Write why the referral is cancelled." in no_reason.text
    session.expire_all()
    assert session.get_one(Referral, referral.id).status is ReferralStatus.sent

    cancelled = _post(
        desk.client,
        needs,
        f"/referrals/{referral.id}/status",
        {
            "status": "cancelled",
            "reason": "Familien fant tolk selv.",
            "version": str(referral.version),
        },
    )
    assert cancelled.status_code == 303
    session.expire_all()
    referral = session.get_one(Referral, referral.id)
    assert referral.status is ReferralStatus.cancelled
    assert referral.reason == "Familien fant tolk selv."
    assert "Familien fant tolk selv." in desk.client.get(needs).text


def test_an_empty_need_is_refused_next_to_the_field_and_keeps_what_was_typed(
    desk: Desk, session: Session
) -> None:
    response = _post(
        desk.client,
        f"/canvases/{desk.canvas.id}/needs",
        f"/canvases/{desk.canvas.id}/needs",
        {"domain": "bolig", "text": "   ", "priority": "3", "indicators": ["bolig.trangbodd"]},
    )
    assert response.status_code == 422
    html = response.text
    assert "Write the need in the family&#39;s own words." in html
    assert 'id="need-text" name="text"' in html
    assert 'aria-describedby="text-error"' in html
    assert '<option value="bolig" selected>' in html
    assert 'value="3" checked' in html
    assert 'value="bolig.trangbodd" checked' in html
    assert _count(session, Need, canvas_id=desk.canvas.id) == 0


def test_goals_are_added_in_the_familys_words_and_grouped_by_horizon(
    desk: Desk, session: Session
) -> None:
    goals = f"/canvases/{desk.canvas.id}/goals"
    for horizon, text in (("dream", "Et eget hus med hage."), ("short", "Søke startlån.")):
        response = _post(
            desk.client, goals, goals, {"horizon": horizon, "text": text, "domains": ["bolig"]}
        )
        assert response.status_code == 303
    empty = _post(desk.client, goals, goals, {"horizon": "long", "text": ""})
    assert empty.status_code == 422
    assert "Write the goal in the family&#39;s own words." in empty.text
    assert 'value="long" checked' in empty.text

    session.expire_all()
    stored = {
        g.horizon: g for g in session.scalars(select(Goal).where(Goal.canvas_id == desk.canvas.id))
    }
    assert set(stored) == {GoalHorizon.dream, GoalHorizon.short}
    assert stored[GoalHorizon.dream].domains == ["bolig"]
    page = desk.client.get(goals + "?saved=goal").text
    assert "The goal is saved." in page
    dreams = page.index('id="horizon-dream-heading"')
    shorts = page.index('id="horizon-short-heading"')
    assert dreams < page.index("Et eget hus med hage.") < page.index('id="horizon-long-heading"')
    assert shorts < page.index("Søke startlån.")


def test_actions_show_who_does_what_by_when_and_change_status(desk: Desk, session: Session) -> None:
    need = _add_need(desk, session)
    goals = f"/canvases/{desk.canvas.id}/goals"
    _post(desk.client, goals, goals, {"horizon": "short", "text": "Forstå legen."})
    session.expire_all()
    goal = session.scalars(select(Goal).where(Goal.canvas_id == desk.canvas.id)).one()
    actions = f"/canvases/{desk.canvas.id}/actions"
    due = date.today() + timedelta(days=21)

    by_family = _post(
        desk.client,
        actions,
        actions,
        {
            "text": "Bestille time hos fastlegen.",
            "kind": "family",
            "member": "Mor",
            "due": due.isoformat(),
            "need_ids": [str(need.id)],
            "goal_ids": [str(goal.id)],
        },
    )
    assert by_family.status_code == 303
    by_unit = _post(
        desk.client,
        actions,
        actions,
        {
            "text": "Bestille tolk.",
            "kind": "unit",
            "unit_id": str(desk.unit.id),
            "user_id": str(desk.lead.id),
            "due": due.isoformat(),
        },
    )
    assert by_unit.status_code == 303
    no_unit = _post(desk.client, actions, actions, {"text": "Noe.", "kind": "unit"})
    assert no_unit.status_code == 422
    assert "Choose the service that is responsible." in no_unit.text
    assert 'value="unit" checked' in no_unit.text
    elsewhere = make_unit(session, name="Helsestasjonen")
    session.commit()
    wrong_person = _post(
        desk.client,
        actions,
        actions,
        {
            "text": "Noe.",
            "kind": "unit",
            "unit_id": str(elsewhere.id),
            "user_id": str(desk.lead.id),
        },
    )
    assert wrong_person.status_code == 422
    assert "Choose a person who works in the chosen service, or nobody." in wrong_person.text
    assert _count(session, Action, canvas_id=desk.canvas.id) == 2

    page = desk.client.get(actions).text
    assert "Bestille time hos fastlegen." in page
    assert "The family: Mor" in page
    assert "NAV Vestby: Kari Hansen" in page
    assert due.strftime("%d.%m.%Y") in page
    card = page[page.index("Bestille time hos fastlegen.") :]
    assert "Mor trenger tolk hos legen." in card
    assert "Forstå legen." in card

    session.expire_all()
    action = session.scalars(
        select(Action).where(
            Action.canvas_id == desk.canvas.id, Action.responsible_kind == ResponsibleKind.family
        )
    ).one()
    no_reason = _post(
        desk.client,
        actions,
        f"/actions/{action.id}/status",
        {"status": "cancelled", "reason": " ", "version": str(action.version)},
    )
    assert no_reason.status_code == 422
    assert "Write why the action is cancelled." in no_reason.text
    session.expire_all()
    assert session.get_one(Action, action.id).status is ActionStatus.planned

    done = _post(
        desk.client,
        actions,
        f"/actions/{action.id}/status",
        {"status": "done", "version": str(action.version)},
    )
    assert done.status_code == 303
    session.expire_all()
    assert session.get_one(Action, action.id).status is ActionStatus.done


def test_for_a_consented_reviewer_the_planning_pages_are_not_there(
    client: TestClient, session: Session, world: World
) -> None:
    """The needs, goals and actions pages work on the live canvas; the unit reads them in the
    submitted plan and reports on its own actions from the review page."""
    client.cookies.set(LANGUAGE_COOKIE, "en")
    sign_in(client, world.consented.username)
    canvas = world.canvas.id
    for path in ("needs", "goals", "actions"):
        page = client.get(f"/canvases/{canvas}/{path}")
        assert page.status_code == 404
        assert "Vi trenger større bolig." not in page.text
    assert client.get(f"/needs/{world.need.id}/suggestions").status_code == 404

    csrf = csrf_from(client.get("/").text)
    needs_before = _count(session, Need, canvas_id=canvas)
    refused = [
        client.post(
            f"/canvases/{canvas}/needs",
            data={"csrftoken": csrf, "domain": "bolig", "text": "X", "priority": "1"},
        ),
        client.post(
            f"/canvases/{canvas}/goals", data={"csrftoken": csrf, "horizon": "dream", "text": "X"}
        ),
        client.post(
            f"/canvases/{canvas}/actions", data={"csrftoken": csrf, "text": "X", "kind": "family"}
        ),
        client.post(
            f"/needs/{world.need.id}/referrals",
            data={"csrftoken": csrf, "external_service_name": "X"},
        ),
        client.post(
            f"/referrals/{world.referral.id}/status",
            data={
                "csrftoken": csrf,
                "status": "cancelled",
                "reason": "X",
                "version": str(world.referral.version),
            },
        ),
    ]
    assert [r.status_code for r in refused] == [404] * len(refused)
    assert _count(session, Need, canvas_id=canvas) == needs_before
    assert _count(session, Goal, canvas_id=canvas) == 1
    assert _count(session, Action, canvas_id=canvas) == 1
    assert _count(session, Referral, need_id=world.need.id) == 1


def test_another_unit_is_told_the_pages_do_not_exist(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.other_unit.username)
    canvas = world.canvas.id
    for path in (
        f"/canvases/{canvas}/needs",
        f"/canvases/{canvas}/goals",
        f"/canvases/{canvas}/actions",
        f"/needs/{world.need.id}/suggestions",
        f"/canvases/{uuid.uuid4()}/needs",
    ):
        assert client.get(path).status_code == 404, path
    csrf = csrf_from(client.get("/").text)
    response = client.post(
        f"/canvases/{canvas}/needs",
        data={"csrftoken": csrf, "domain": "bolig", "text": "X", "priority": "1"},
    )
    assert response.status_code == 404
    response = client.post(
        f"/actions/{world.action.id}/status",
        data={"csrftoken": csrf, "status": "done", "version": str(world.action.version)},
    )
    assert response.status_code == 404
    assert _count(session, Need, canvas_id=canvas) == 1


def test_the_indicators_of_a_chosen_domain_come_as_a_fragment(desk: Desk) -> None:
    fragment = desk.client.get(
        f"/canvases/{desk.canvas.id}/needs/indicators?domain=bolig", headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'value="bolig.trangbodd"' in fragment.text
    assert INTERPRETER not in fragment.text


INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", re.I)


def test_the_pages_hold_no_inline_script_or_style(desk: Desk, session: Session) -> None:
    need = _add_need(desk, session)
    for path in (
        f"/canvases/{desk.canvas.id}/needs",
        f"/canvases/{desk.canvas.id}/needs?domain=bolig",
        f"/needs/{need.id}/suggestions",
        f"/canvases/{desk.canvas.id}/goals",
        f"/canvases/{desk.canvas.id}/actions",
    ):
        page = desk.client.get(path)
        assert page.status_code == 200, path
        assert page.headers["cache-control"] == "no-store"
        assert INLINE.search(page.text) is None, path

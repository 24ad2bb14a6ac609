"""Needs and services, goals and actions in the browser: a need in the family's words, ranked
suggestions from the catalogue, mapping with one tap, a service outside the catalogue, referral
status, dreams and goals, and who does what by when."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx2
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from app.models import Action, Canvas, Family, Goal, Need, Referral, Service, Unit, User
from app.models.enums import (
    ActionStatus,
    GoalHorizon,
    ReferralOutcome,
    ReferralStatus,
    ResponsibleKind,
)
from tests.factories import (
    World,
    build_world,
    make_canvas,
    make_family,
    make_service,
    make_unit,
    make_user,
)
from tests.html import page
from tests.pages import PageClient, SignedIn

INTERPRETER = "sprak_integrering.trenger_tolk"
MAP_INTERPRETER = "Map to this service: Interpreters for families"


@dataclass
class Desk:
    """A plan lead signed in at the tablet, with a fresh canvas and two services of her own."""

    browser: PageClient
    lead: User
    unit: Unit
    family: Family
    canvas: Canvas
    interpreter: Service
    language_cafe: Service


@pytest.fixture
def desk(signed_in: SignedIn, session: Session, settings: Settings) -> Desk:
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
    browser = signed_in(lead, language="en")
    return Desk(browser, lead, unit, family, canvas, interpreter, language_cafe)


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def _count(session: Session, model: type[object], **where: object) -> int:
    session.expire_all()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return int(session.scalar(query) or 0)


def _add_need(desk: Desk, session: Session, text: str = "Mor trenger tolk hos legen.") -> Need:
    response = desk.browser.submit(
        f"/canvases/{desk.canvas.id}/needs?domain=sprak_integrering",
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


def _map_interpreter(desk: Desk, need: Need) -> httpx2.Response:
    """One tap on the interpreter service among the need's suggestions."""
    return desk.browser.submit(
        f"/needs/{need.id}/suggestions", f"/needs/{need.id}/referrals", button=MAP_INTERPRETER
    )


def test_a_need_lands_on_ranked_suggestions_and_maps_to_a_service_with_one_tap(
    desk: Desk, session: Session
) -> None:
    needs = f"/canvases/{desk.canvas.id}/needs"
    form = page(desk.browser.get(f"{needs}?domain=sprak_integrering")).form(needs)
    assert form.selected("domain") == ["sprak_integrering"]
    signs = [box["value"] for box in form.all("input[name=indicators]")]
    assert INTERPRETER in signs
    assert "bolig.trangbodd" not in signs  # only the chosen domain's signs

    need = _add_need(desk, session)
    assert need.priority == 1
    assert need.indicators == [INTERPRETER]

    response = desk.browser.get(f"/needs/{need.id}/suggestions?saved=need")
    assert response.status_code == 200
    assert "Mor trenger tolk hos legen." in page(response).text
    suggestions = page(response).all('[data-testid="suggestion"]')
    fits = ["Fits: " in s.text for s in suggestions]
    assert True in fits
    assert False in fits
    assert fits == sorted(fits, reverse=True), "indicator matches come first"
    [ours] = [
        s for s in suggestions if s.one(".suggestion-name").text == "Interpreters for families"
    ]
    assert "Fits: " in ours.text
    assert ours.one(".card-meta").text == "Provided by Tolketjenesten Øst"
    assert "Book an interpreter." in ours.text

    mapped = _map_interpreter(desk, need)
    assert mapped.status_code == 303
    needs_page = page(desk.browser.get(mapped.headers["location"])).text
    assert "The need is mapped to the service." in needs_page
    assert "Interpreters for families" in needs_page
    assert "Tolketjenesten Øst" in needs_page
    assert "Proposed" in needs_page

    # A second tap on the same service (a page left open) makes no second referral, and the
    # page says mapped.
    desk.browser.post_form(f"/needs/{need.id}/referrals", {"service_id": str(desk.interpreter.id)})
    assert _count(session, Referral, need_id=need.id, service_id=desk.interpreter.id) == 1
    again = page(desk.browser.get(f"/needs/{need.id}/suggestions"))
    ours = again.by_text('[data-testid="suggestion"]', "Interpreters for families")
    assert "Mapped" in ours.one(".mapped-state").text
    assert not ours.has("form")


def test_a_service_outside_the_catalogue_is_logged_as_an_external_referral(
    desk: Desk, session: Session
) -> None:
    need = _add_need(desk, session)
    suggestions, referrals = f"/needs/{need.id}/suggestions", f"/needs/{need.id}/referrals"
    add = "Add this service to the need"

    empty = desk.browser.submit(suggestions, referrals, {"external_service_name": " "}, button=add)
    assert empty.status_code == 422
    assert page(empty).field_error("external_service_name") == (
        "Write the name of the service, group or person."
    )
    assert page(empty).invalid("external_service_name")
    assert _count(session, Referral, need_id=need.id) == 0

    response = desk.browser.submit(
        suggestions, referrals, {"external_service_name": "Moskeen"}, button=add
    )
    assert response.status_code == 303
    session.expire_all()
    referral = session.scalars(select(Referral).where(Referral.need_id == need.id)).one()
    assert referral.external_service_name == "Moskeen"
    assert referral.service_id is None
    listed = page(desk.browser.get(f"/canvases/{desk.canvas.id}/needs"))
    external = listed.by_text("li.referral", "Moskeen")
    assert external.one(".card-meta").text == "Outside the catalogue"


def test_the_lead_sends_a_referral_and_cancels_it_only_with_a_reason(
    desk: Desk, session: Session
) -> None:
    need = _add_need(desk, session)
    _map_interpreter(desk, need)
    session.expire_all()
    referral = session.scalars(select(Referral).where(Referral.need_id == need.id)).one()
    needs = f"/canvases/{desk.canvas.id}/needs"
    status = f"/referrals/{referral.id}/status"

    sent = desk.browser.submit(needs, status, button="Mark as sent to the service")
    assert sent.status_code == 303
    stale_version = referral.version
    session.expire_all()
    referral = session.get_one(Referral, referral.id)
    assert referral.status is ReferralStatus.sent
    stale = desk.browser.post_form(  # the cancel form of a page drawn before it was sent
        status, {"status": "cancelled", "reason": "Feil.", "version": str(stale_version)}
    )
    assert stale.status_code == 422
    assert "Someone else changed this referral just now." in page(stale).text

    cancel = "Confirm cancelling"
    no_reason = desk.browser.submit(needs, status, {"reason": ""}, button=cancel)
    assert no_reason.status_code == 422
    reason = page(no_reason).form(status, button=cancel).field_error("reason")
    assert reason == "Write why the referral is cancelled."
    session.expire_all()
    assert session.get_one(Referral, referral.id).status is ReferralStatus.sent

    # What lies behind it is the caseworker's to say, the family's decision or a mistake.
    offered = page(desk.browser.get(needs)).form(status, button=cancel)
    assert [choice["value"] for choice in offered.all('input[name="outcome"]')] == [
        "no_longer_interested",
        "referred_elsewhere",
        "entered_in_error",
        "",
    ]
    cancelled = desk.browser.submit(
        needs,
        status,
        {"reason": "Familien fant tolk selv.", "outcome": "referred_elsewhere"},
        button=cancel,
    )
    assert cancelled.status_code == 303
    session.expire_all()
    referral = session.get_one(Referral, referral.id)
    assert referral.status is ReferralStatus.cancelled
    assert referral.reason == "Familien fant tolk selv."
    assert referral.outcome is ReferralOutcome.referred_elsewhere
    assert "Familien fant tolk selv." in page(desk.browser.get(needs)).text


def test_an_empty_need_is_refused_next_to_the_field_and_keeps_what_was_typed(
    desk: Desk, session: Session
) -> None:
    needs = f"/canvases/{desk.canvas.id}/needs"
    response = desk.browser.submit(
        needs,
        needs,
        {"domain": "bolig", "text": "   ", "priority": "3", "indicators": ["bolig.trangbodd"]},
    )
    assert response.status_code == 422
    form = page(response).form(needs)
    assert form.field_error("text") == "Write the need in the family's own words."
    assert form.one("#need-text")["name"] == "text"
    assert form.selected("domain") == ["bolig"]
    assert form.checked("priority") == "3"
    assert form.ticked("indicators") == ["bolig.trangbodd"]
    assert _count(session, Need, canvas_id=desk.canvas.id) == 0


def test_goals_are_added_in_the_familys_words_and_grouped_by_horizon(
    desk: Desk, session: Session
) -> None:
    goals = f"/canvases/{desk.canvas.id}/goals"
    for horizon, text in (("dream", "Et eget hus med hage."), ("short", "Søke startlån.")):
        response = desk.browser.submit(
            goals, goals, {"horizon": horizon, "text": text, "domains": ["bolig"]}
        )
        assert response.status_code == 303
    empty = desk.browser.submit(goals, goals, {"horizon": "long", "text": ""})
    assert empty.status_code == 422
    assert page(empty).field_error("text") == "Write the goal in the family's own words."
    assert page(empty).form(goals).checked("horizon") == "long"

    session.expire_all()
    stored = {
        g.horizon: g for g in session.scalars(select(Goal).where(Goal.canvas_id == desk.canvas.id))
    }
    assert set(stored) == {GoalHorizon.dream, GoalHorizon.short}
    assert stored[GoalHorizon.dream].domains == ["bolig"]
    shown = page(desk.browser.get(goals + "?saved=goal"))
    assert "The goal is saved." in shown.text

    def goals_of(horizon: str) -> str:
        return shown.one(f'section[aria-labelledby="horizon-{horizon}-heading"]').text

    assert "Et eget hus med hage." in goals_of("dream")
    assert "Søke startlån." in goals_of("short")
    assert "Et eget hus med hage." not in goals_of("short")


def test_actions_show_who_does_what_by_when_and_change_status(desk: Desk, session: Session) -> None:
    need = _add_need(desk, session)
    goals = f"/canvases/{desk.canvas.id}/goals"
    desk.browser.submit(goals, goals, {"horizon": "short", "text": "Forstå legen."})
    session.expire_all()
    goal = session.scalars(select(Goal).where(Goal.canvas_id == desk.canvas.id)).one()
    actions = f"/canvases/{desk.canvas.id}/actions"
    due = local_today() + timedelta(days=21)

    by_family = desk.browser.submit(
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
    by_unit = desk.browser.submit(
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
    no_unit = desk.browser.submit(actions, actions, {"text": "Noe.", "kind": "unit"})
    assert no_unit.status_code == 422
    assert page(no_unit).form(actions).field_error("unit_id") == (
        "Choose the service that is responsible."
    )
    assert page(no_unit).form(actions).checked("kind") == "unit"
    elsewhere = make_unit(session, name="Helsestasjonen")
    session.commit()
    wrong_person = desk.browser.submit(
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
    assert page(wrong_person).form(actions).field_error("user_id") == (
        "Choose a person who works in the chosen service, or nobody."
    )
    assert _count(session, Action, canvas_id=desk.canvas.id) == 2

    shown = page(desk.browser.get(actions))
    card = shown.by_text("li.action-card", "Bestille time hos fastlegen.")
    assert "The family: Mor" in card.text
    assert due.strftime("%d.%m.%Y") in card.text
    assert "Mor trenger tolk hos legen." in card.text
    assert "Forstå legen." in card.text
    assert "NAV Vestby: Kari Hansen" in shown.by_text("li.action-card", "Bestille tolk.").text

    session.expire_all()
    action = session.scalars(
        select(Action).where(
            Action.canvas_id == desk.canvas.id, Action.responsible_kind == ResponsibleKind.family
        )
    ).one()
    status = f"/actions/{action.id}/status"
    no_reason = desk.browser.submit(actions, status, {"status": "cancelled", "reason": " "})
    assert no_reason.status_code == 422
    assert page(no_reason).form(status).field_error("reason") == (
        "Write why the action is cancelled."
    )
    session.expire_all()
    assert session.get_one(Action, action.id).status is ActionStatus.planned

    done = desk.browser.submit(actions, status, {"status": "done"})
    assert done.status_code == 303
    session.expire_all()
    assert session.get_one(Action, action.id).status is ActionStatus.done


def test_for_a_consented_reviewer_the_planning_pages_are_not_there(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    """The needs, goals and actions pages work on the live canvas; the unit reads them in the
    submitted plan and reports on its own actions from the review page."""
    browser = signed_in(world.consented, language="en")
    canvas = world.canvas.id
    for path in ("needs", "goals", "actions"):
        response = browser.get(f"/canvases/{canvas}/{path}")
        assert response.status_code == 404
        assert "Vi trenger større bolig." not in response.text
    assert browser.get(f"/needs/{world.need.id}/suggestions").status_code == 404

    needs_before = _count(session, Need, canvas_id=canvas)
    refused = [
        browser.post_form(
            f"/canvases/{canvas}/needs", {"domain": "bolig", "text": "X", "priority": "1"}
        ),
        browser.post_form(f"/canvases/{canvas}/goals", {"horizon": "dream", "text": "X"}),
        browser.post_form(f"/canvases/{canvas}/actions", {"text": "X", "kind": "family"}),
        browser.post_form(f"/needs/{world.need.id}/referrals", {"external_service_name": "X"}),
        browser.post_form(
            f"/referrals/{world.referral.id}/status",
            {"status": "cancelled", "reason": "X", "version": str(world.referral.version)},
        ),
    ]
    assert [r.status_code for r in refused] == [404] * len(refused)
    assert _count(session, Need, canvas_id=canvas) == needs_before
    assert _count(session, Goal, canvas_id=canvas) == 1
    assert _count(session, Action, canvas_id=canvas) == 1
    assert _count(session, Referral, need_id=world.need.id) == 1


def test_another_unit_is_told_the_pages_do_not_exist(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.other_unit)
    canvas = world.canvas.id
    for path in (
        f"/canvases/{canvas}/needs",
        f"/canvases/{canvas}/goals",
        f"/canvases/{canvas}/actions",
        f"/needs/{world.need.id}/suggestions",
        f"/canvases/{uuid.uuid4()}/needs",
    ):
        assert browser.get(path).status_code == 404, path
    response = browser.post_form(
        f"/canvases/{canvas}/needs", {"domain": "bolig", "text": "X", "priority": "1"}
    )
    assert response.status_code == 404
    response = browser.post_form(
        f"/actions/{world.action.id}/status",
        {"status": "done", "version": str(world.action.version)},
    )
    assert response.status_code == 404
    assert _count(session, Need, canvas_id=canvas) == 1


def test_the_indicators_of_a_chosen_domain_come_as_a_fragment(desk: Desk) -> None:
    fragment = desk.browser.htmx("GET", f"/canvases/{desk.canvas.id}/needs/indicators?domain=bolig")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    signs = [box["value"] for box in page(fragment).all("input[name=indicators]")]
    assert "bolig.trangbodd" in signs
    assert INTERPRETER not in fragment.text


def test_the_pages_hold_no_inline_script_or_style(desk: Desk, session: Session) -> None:
    need = _add_need(desk, session)
    for path in (
        f"/canvases/{desk.canvas.id}/needs",
        f"/canvases/{desk.canvas.id}/needs?domain=bolig",
        f"/needs/{need.id}/suggestions",
        f"/canvases/{desk.canvas.id}/goals",
        f"/canvases/{desk.canvas.id}/actions",
    ):
        response = desk.browser.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store"
        assert page(response).inline_code() == [], path

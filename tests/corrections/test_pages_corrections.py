"""Corrections on the pages (issue 13): each need, goal, action and referral has a page that
corrects it with the version it was drawn at, and needs, goals and actions one that marks them
entered in error after saying what goes with them. The lists show the earlier wording and fold
what was entered in error apart. The page tests read English (``language="en"``)."""

from __future__ import annotations

from datetime import date

import httpx2
import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Goal, Need
from tests.factories import World, build_world
from tests.html import page
from tests.pages import PageClient, SignedIn

NEED = "Vi trenger større bolig."


def as_drawn(browser: PageClient, on: str, action: str) -> dict[str, str | list[str]]:
    """Every field of the form as the page drew it, as a browser sends it untouched: the
    hidden ones, the text in each field, the chosen options and the ticked boxes."""
    form = page(browser.get(on)).form(action)
    values: dict[str, list[str]] = {}
    for field in form.all("input[name], textarea[name], select[name]"):
        name = field["name"]
        if field.tag == "select":
            values.setdefault(name, []).extend(form.selected(name))
        elif field.tag == "textarea":
            values.setdefault(name, []).append(form.value(name))
        elif field.get("type") in ("radio", "checkbox"):
            if "checked" in field:
                values.setdefault(name, []).append(field["value"])
        else:
            values.setdefault(name, []).append(field.get("value") or "")
    return {name: v[0] if len(v) == 1 else v for name, v in values.items()}


def send(
    browser: PageClient, on: str, action: str, changes: dict[str, str] | None = None
) -> httpx2.Response:
    """The form on ``on`` sent with ``changes`` typed into it."""
    return browser.post_form(action, {**as_drawn(browser, on, action), **(changes or {})})


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


@pytest.fixture
def kari(world: World, signed_in: SignedIn) -> PageClient:
    return signed_in(world.lead, language="en")


def test_the_lead_corrects_a_need_and_the_list_shows_what_it_said(
    kari: PageClient, world: World, session: Session
) -> None:
    correct = f"/needs/{world.need.id}/correct"
    shown = page(kari.get(correct))
    assert shown.value("text") == NEED
    assert shown.selected("domain") == ["bolig"]
    assert shown.ticked("indicators") == ["bolig.trangbodd"]

    response = send(
        kari,
        correct,
        correct,
        {"text": "Vi trenger en bolig uten fukt.", "reason": "Mor rettet oss."},
    )

    assert response.status_code == 303, response.text
    assert response.headers["location"] == (
        f"/canvases/{world.canvas.id}/needs?saved=corrected#need-{world.need.id}"
    )
    listed = page(kari.get(response.headers["location"]))
    card = listed.one(f"#need-{world.need.id}")
    assert card.one(".need-text").text == "Vi trenger en bolig uten fukt."
    assert card.one(".history summary").text.startswith("Changed ")
    assert "by Kari Lead" in card.one(".history summary").text
    assert card.one(".history-before").text == NEED
    assert "Mor rettet oss." in card.one(".history-reason").text
    session.expire_all()
    assert session.get_one(Need, world.need.id).text == "Vi trenger en bolig uten fukt."


def test_a_correction_racing_another_keeps_both_texts(
    kari: PageClient, world: World, signed_in: SignedIn
) -> None:
    correct = f"/needs/{world.need.id}/correct"
    drawn = as_drawn(kari, correct, correct)
    other = signed_in(world.same_unit, language="en")
    assert send(other, correct, correct, {"text": "Trenger en annen bolig."}).status_code == 303

    late = kari.post_form(correct, {**drawn, "text": "Trenger større leilighet."})

    assert late.status_code == 409, late.text
    shown = page(late)
    assert "Trenger en annen bolig." in shown.one("[role=alert]").text  # what is stored now
    assert shown.value("text") == "Trenger større leilighet."  # what was typed, not lost
    # The form now carries the stored version: sent again, it is saved.
    version = shown.form(correct).hidden_fields()["version"]
    again = kari.post_form(
        correct, {**drawn, "text": "Trenger større leilighet.", "version": version}
    )
    assert again.status_code == 303, again.text


def test_an_empty_need_is_refused_beside_the_field(kari: PageClient, world: World) -> None:
    correct = f"/needs/{world.need.id}/correct"

    response = send(kari, correct, correct, {"text": "  "})

    assert response.status_code == 422
    assert page(response).field_error("text") == "Write the need in the family's own words."


def test_the_error_page_says_what_goes_with_the_need_before_it_is_confirmed(
    kari: PageClient, world: World
) -> None:
    confirm = f"/needs/{world.need.id}/entered-in-error"

    shown = page(kari.get(confirm))

    said = shown.one("main").text
    assert "the referral to" in said  # the referral sent is cancelled as mapped by mistake
    # The world's action also serves a goal: it stays, so it is not named.
    assert "Barnevernet tilbyr foreldreveiledning." not in said
    response = send(kari, confirm, confirm, {"reason": "Feil familie."})
    assert response.status_code == 303, response.text
    listed = page(kari.get(f"/canvases/{world.canvas.id}/needs"))
    folded = listed.one("#entered-in-error")
    assert NEED in folded.one("details.in-error").text
    assert not listed.has(f"#need-{world.need.id} .item-corrections")
    preview = page(kari.get(f"/canvases/{world.canvas.id}/plan"))
    assert NEED not in preview.text
    assert NEED not in page(kari.get(f"/canvases/{world.canvas.id}")).text


def test_a_goal_gets_a_target_date_on_its_forms_and_in_the_plan(
    kari: PageClient, world: World, session: Session
) -> None:
    goals = f"/canvases/{world.canvas.id}/goals"
    made = send(
        kari,
        goals,
        goals,
        {"horizon": "long", "text": "Eie egen bolig.", "target_date": "2028-05-01"},
    )
    assert made.status_code == 303, made.text
    correct = f"/goals/{world.goal.id}/correct"

    response = send(kari, correct, correct, {"target_date": "2027-03-01"})

    assert response.status_code == 303, response.text
    session.expire_all()
    assert session.get_one(Goal, world.goal.id).target_date == date(2027, 3, 1)
    listed = page(kari.get(goals))
    assert "Target date:" in listed.one(f"#goal-{world.goal.id}").text
    # The plan itself is in the family's language, bokmål.
    preview = page(kari.get(f"/canvases/{world.canvas.id}/plan")).text
    assert "Måldato: 1. mars 2027" in preview
    assert "Måldato: 1. mai 2028" in preview


def test_progress_and_status_forms_offer_no_error(kari: PageClient, world: World) -> None:
    goals = page(kari.get(f"/canvases/{world.canvas.id}/goals"))
    actions = page(kari.get(f"/canvases/{world.canvas.id}/actions"))

    lifecycles = [i["value"] for i in goals.all('input[name="lifecycle_status"]')]
    statuses = [i["value"] for i in actions.all('input[name="status"]')]
    assert "entered-in-error" not in lifecycles
    assert "entered_in_error" not in statuses


def test_an_action_is_corrected_and_one_entered_in_error_is_folded_apart(
    kari: PageClient, world: World
) -> None:
    correct = f"/actions/{world.action.id}/correct"
    shown = page(kari.get(correct))
    assert shown.checked("kind") == "unit"
    assert shown.selected("unit_id") == [str(world.unit_b.id)]

    corrected = send(kari, correct, correct, {"text": "Barnevernet kommer hjem til familien."})
    assert corrected.status_code == 303, corrected.text
    confirm = f"/actions/{world.action.id}/entered-in-error"
    marked = send(kari, confirm, confirm, {"reason": "Barnevernet er ikke med."})
    assert marked.status_code == 303, marked.text

    listed = page(kari.get(f"/canvases/{world.canvas.id}/actions"))
    assert listed.all(".card-list > .action-card:not(.action-in-error)") == []
    folded = listed.one("#entered-in-error").text
    assert "Barnevernet kommer hjem til familien." in folded
    assert "Barnevernet er ikke med." in folded


def test_an_action_with_nothing_changed_is_not_saved(kari: PageClient, world: World) -> None:
    correct = f"/actions/{world.action.id}/correct"

    response = send(kari, correct, correct)

    assert response.status_code == 422
    assert "Change at least one thing" in page(response).one("[role=alert]").text


def test_a_referral_the_service_has_is_not_offered_for_correction(
    kari: PageClient, world: World
) -> None:
    shown = page(kari.get(f"/referrals/{world.referral.id}/correct"))

    assert not shown.has("form[action$='/correct']")
    assert "cancel it on the needs page" in shown.one("main").text


def test_the_timeline_tells_a_correction_with_its_earlier_words(
    kari: PageClient, world: World
) -> None:
    correct = f"/needs/{world.need.id}/correct"
    assert send(kari, correct, correct, {"text": "Bolig uten fukt."}).status_code == 303

    timeline = page(kari.get(f"/families/{world.family.id}/timeline"))

    [entry] = timeline.all('[data-kind="item_corrected"]')
    assert "Need corrected: “Bolig uten fukt.”" in entry.text
    assert entry.one(".history-before").text == NEED

"""Consent in the room with the family (DESIGN §3 Consent, §4.4): the consents page, giving
consent for several services in one go after the family has read the statement for exactly
those, withdrawing only after the question naming the service, and the statement the family
signs in its own language.

The tests read the English source texts (``signed_in(..., language="en")``); the nb and nn
catalogs have tests of their own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx2
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from app.models import AuditEvent, Consent
from app.models.enums import Language, Role
from tests.factories import World, build_world, make_family, make_unit, make_user
from tests.html import page
from tests.pages import PageClient, SignedIn

OSLO = ZoneInfo("Europe/Oslo")
AGREE_TWO = "The family agrees: record the 2 consents"


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def consents_url(world: World) -> str:
    return f"/families/{world.family.id}/consents"


def withdraw_url(world: World) -> str:
    return f"{consents_url(world)}/{world.consent_b_id}/withdraw"


def consents_of(session: Session, world: World) -> list[Consent]:
    session.expire_all()
    return list(
        session.scalars(
            select(Consent).where(Consent.family_id == world.family.id).order_by(Consent.given_at)
        )
    )


def _choose(
    browser: PageClient, world: World, units: list[str], given_by: str, expires_at: str
) -> httpx2.Response:
    """The consent form on the consents page, filled in and sent: the statement comes next."""
    return browser.submit(
        consents_url(world),
        consents_url(world),
        {"unit_ids": units, "given_by": given_by, "expires_at": expires_at},
    )


def _agree(
    browser: PageClient, world: World, review: httpx2.Response, says: str
) -> httpx2.Response:
    """The family has read the statement: the caseworker presses the button that records."""
    form = page(review).form(consents_url(world))
    clicked = form.button(says)
    return browser.post_form(
        consents_url(world), {**form.hidden_fields(), clicked["name"]: clicked["value"]}
    )


# --- the page ------------------------------------------------------------------------------


def test_the_plan_lead_sees_the_consents_and_a_form_for_several_services(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    shown = page(browser.get(consents_url(world)))

    given = shown.one(f'[data-testid="consent-{world.consent_b_id}"]')
    assert given.one(".card-title").text == "Barnevern Test"
    assert "Mor" in given.text
    [withdrawn] = [
        card
        for card in shown.all(".consent-card")
        if card["data-testid"] != f"consent-{world.consent_b_id}"
    ]
    assert withdrawn.one(".card-title").text == "Husbanken Test"
    assert not withdrawn.has(".consent-withdraw")
    form = shown.form(consents_url(world))
    a_year_ahead = datetime.now(OSLO).date() + timedelta(days=365)
    expiry = form.one("[name=expires_at]")
    assert (expiry["type"], expiry["value"]) == ("date", a_year_ahead.isoformat())
    assert form.has("input[name=given_by]")
    # Every unit but the plan lead's own, grouped by level; the one with consent is marked so
    # and cannot be chosen again.
    offered = {box["value"] for box in form.all("input[type=checkbox][name=unit_ids]")}
    assert {str(world.unit_c.id), str(world.unit_d.id)} <= offered
    assert not {str(world.unit_a.id), str(world.unit_b.id)} & offered
    given_unit = form.one(f'[data-testid="has-consent-{world.unit_b.id}"]')
    assert given_unit.text_without("[aria-hidden]") == "Barnevern Test – has consent"
    assert not given_unit.has("input")
    assert "Municipal services" in form.texts(".consent-level")
    assert "NAV Test" not in form.text
    assert form.button("Show the statement to the family")


def test_withdrawing_is_apart_from_print_and_asks_first(signed_in: SignedIn, world: World) -> None:
    browser = signed_in(world.lead, language="en")

    card = page(browser.get(consents_url(world))).one(
        f'[data-testid="consent-{world.consent_b_id}"]'
    )

    # "Print the statement" alone where it was; withdrawing on a row of its own below it.
    assert card.one(".consent-actions").text == "Print the statement (Barnevern Test)"
    ask = card.one(".consent-withdraw a")
    assert ask.text == "Withdraw consent… (Barnevern Test)"
    assert ask["href"] == withdraw_url(world)  # without the script: the page that asks
    # With it, the same question in a dialog; the only form that withdraws is in there.
    dialog = card.one(f"dialog#{ask['data-dialog']}")
    assert len(card.all(f'form[action="{withdraw_url(world)}"]')) == 1
    assert dialog.has(f'form[action="{withdraw_url(world)}"]')
    assert dialog.one("h2").text == "Withdraw the consent for Barnevern Test?"
    assert "Barnevern Test can no longer see the family's plan, from now on." in dialog.text
    assert "Reviews it has already made are kept." in dialog.text
    assert dialog.one('form[method="dialog"] button').text == "Cancel"
    withdraw = dialog.form(withdraw_url(world))
    assert withdraw.hidden_fields()["confirm"] == "yes"
    assert withdraw.one("button").text == "Withdraw the consent"


# --- giving consent for several services ------------------------------------------------------


def test_several_consents_are_shown_as_one_statement_then_recorded_one_per_unit(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    unit_e = make_unit(session, name="Helsestasjon Test")
    reviewer_c = make_user(session, role=Role.reviewer, units=[world.unit_c])
    reviewer_e = make_user(session, role=Role.reviewer, units=[unit_e])
    session.commit()
    browser = signed_in(world.lead, language="en")
    before = len(consents_of(session, world))
    expiry = local_today() + timedelta(days=200)
    chosen = [str(world.unit_c.id), str(world.unit_d.id)]

    review = _choose(browser, world, chosen, "Far", expiry.isoformat())

    # First the statement, for exactly the chosen services, in the family's language (bokmål):
    # nothing is recorded yet.
    assert review.status_code == 200
    assert len(consents_of(session, world)) == before
    statement = page(review).one('[data-testid="consent-statement"] > div[lang]')
    assert statement["lang"] == world.family.language.value == "nb"
    assert sorted(li["data-unit-id"] for li in statement.all("li[data-unit-id]")) == sorted(chosen)
    assert expiry.strftime("%d.%m.%Y") in statement.text
    assert "Far" in page(review).one("main").text_without('[data-testid="consent-statement"]')
    printed = page(review).by_text("a", "Print the statement to sign")["href"]
    assert browser.get(printed).status_code == 200
    assert f"until={expiry.isoformat()}" in printed

    recorded = _agree(browser, world, review, AGREE_TWO)

    assert recorded.status_code == 303
    assert recorded.headers["location"] == f"{consents_url(world)}?done=recorded"
    new = consents_of(session, world)[before:]
    assert sorted((str(c.unit_id), c.given_by) for c in new) == sorted(
        (unit, "Far") for unit in chosen
    )
    assert {c.expires_at and c.expires_at.astimezone(OSLO).date() for c in new} == {expiry}
    audited = session.scalars(
        select(AuditEvent.record_id).where(
            AuditEvent.family_id == world.family.id, AuditEvent.action == "consent_given"
        )
    ).all()
    assert {str(c.id) for c in new} <= set(audited)
    assert (
        "Recorded: the services the family chose" in browser.get(recorded.headers["location"]).text
    )
    # The chosen units see the plan; a unit that was not chosen still finds nothing.
    for user in (reviewer_c, world.withdrawn):
        assert signed_in(user).get(f"/plans/{world.plan.id}").status_code == 200
    assert signed_in(reviewer_e).get(f"/plans/{world.plan.id}").status_code == 404
    assert signed_in(reviewer_e).get(f"/families/{world.family.id}").status_code == 404


def test_change_the_choices_goes_back_to_the_form_as_it_was(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    review = _choose(browser, world, [str(world.unit_d.id)], "Far", "")

    back = _agree(browser, world, review, "Change the choices")

    assert back.status_code == 200
    form = page(back).form(consents_url(world))
    assert form.ticked("unit_ids") == [str(world.unit_d.id)]
    assert form.value("given_by") == "Far"
    assert form.value("expires_at") == ""
    assert world.unit_d.id not in {
        c.unit_id for c in consents_of(session, world) if c.withdrawn_at is None
    }


def test_a_consent_without_an_end_says_so_in_the_statement(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    review = _choose(browser, world, [str(world.unit_c.id)], "Far", "")

    assert review.status_code == 200
    statement = page(review).one('[data-testid="consent-statement"]')
    # In the family's bokmål: "Until you withdraw it."
    assert (
        statement.one("#statement-expiry")
        .ancestors()[0]
        .text.endswith("Til du trekker det tilbake.")
    )
    printed = page(review).by_text("a", "Print the statement to sign")["href"]
    assert printed.endswith("until=none")
    assert page(review).form(consents_url(world)).button("The family agrees: record the consent")


def test_a_consent_form_with_mistakes_shows_them_next_to_the_fields_and_stores_nothing(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    before = len(consents_of(session, world))

    response = _choose(browser, world, [], "  ", (local_today() - timedelta(days=1)).isoformat())

    assert response.status_code == 422
    shown = page(response)
    assert shown.field_error("unit_ids") == (
        "Choose at least one service the family shares its plan with."
    )
    assert shown.invalid("given_by")
    assert shown.field_error("given_by")
    assert shown.field_error("expires_at")
    assert len(consents_of(session, world)) == before


def test_a_past_expiry_is_shown_next_to_the_date_and_the_choice_is_kept(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    response = _choose(
        browser,
        world,
        [str(world.unit_c.id)],
        "Far",
        (local_today() - timedelta(days=2)).isoformat(),
    )

    assert response.status_code == 422
    form = page(response).form(consents_url(world))
    assert form.field_error("expires_at")
    assert form.value("given_by") == "Far"  # what was written is kept
    assert form.ticked("unit_ids") == [str(world.unit_c.id)]
    assert world.unit_c.id not in {c.unit_id for c in consents_of(session, world)}


def test_a_service_that_got_consent_meanwhile_is_refused_and_none_is_recorded(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    # The statement was shown for C and D; meanwhile someone recorded D's consent elsewhere.
    browser = signed_in(world.lead, language="en")
    review = _choose(browser, world, [str(world.unit_c.id), str(world.unit_d.id)], "Far", "")
    meanwhile = _choose(browser, world, [str(world.unit_d.id)], "Mor", "")
    assert (
        _agree(browser, world, meanwhile, "The family agrees: record the consent").status_code
        == 303
    )
    before = consents_of(session, world)

    late = _agree(browser, world, review, AGREE_TWO)

    assert late.status_code == 422
    assert (
        page(late).field_error("unit_ids").startswith("A service you chose has an active consent")
    )
    assert consents_of(session, world) == before


# --- withdrawing ---------------------------------------------------------------------------


def test_the_question_before_withdrawing_names_the_unit_and_what_follows(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    response = browser.get(withdraw_url(world))

    assert response.status_code == 200
    shown = page(response)
    assert shown.one("main h2").text == "Withdraw the consent for Barnevern Test?"
    assert "Barnevern Test can no longer see the family's plan, from now on." in shown.text
    assert "Reviews it has already made are kept." in shown.text
    assert shown.by_text("main a", "Cancel")["href"] == consents_url(world)
    assert shown.form(withdraw_url(world)).one("button").text == "Withdraw the consent"


def test_withdrawal_without_the_confirmation_changes_nothing(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    reviewer = signed_in(world.consented)
    lead = signed_in(world.lead, language="en")

    # The form of the page before withdrawal asked first, or a stray tap: no confirmation.
    response = lead.post_form(withdraw_url(world))

    assert response.status_code == 422
    assert "Nothing was withdrawn" in page(response).text
    consent = next(c for c in consents_of(session, world) if c.id == world.consent_b_id)
    assert (consent.withdrawn_at, consent.version) == (None, 1)
    assert reviewer.get(f"/plans/{world.plan.id}").status_code == 200


def test_withdrawal_with_the_confirmation_removes_the_units_access_on_its_next_request(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    reviewer = signed_in(world.consented)
    assert reviewer.get(f"/families/{world.family.id}").status_code == 200
    assert reviewer.get(f"/plans/{world.plan.id}").status_code == 200
    lead = signed_in(world.lead, language="en")

    response = lead.submit(withdraw_url(world), withdraw_url(world))

    assert response.status_code == 303
    assert response.headers["location"] == f"{consents_url(world)}?done=withdrawn"
    assert reviewer.get(f"/families/{world.family.id}").status_code == 404
    assert reviewer.get(f"/plans/{world.plan.id}").status_code == 404
    assert world.family.display_name not in reviewer.get("/").text
    after = lead.get(response.headers["location"])
    assert "The consent is withdrawn" in after.text
    card = page(after).one(f'[data-testid="consent-{world.consent_b_id}"]')
    assert not card.has(".consent-withdraw")
    withdrawn = next(c for c in consents_of(session, world) if c.id == world.consent_b_id)
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.withdrawn_by_id == world.lead.id
    # Asked again about it, the page goes back to the list: there is nothing to withdraw.
    asked = lead.get(withdraw_url(world), follow_redirects=False)
    assert asked.headers["location"] == consents_url(world)


def test_withdrawing_twice_keeps_the_first_withdrawal(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead)
    browser.post_form(withdraw_url(world), {"confirm": "yes"})
    first = next(c for c in consents_of(session, world) if c.id == world.consent_b_id)
    first_at = first.withdrawn_at

    again = browser.post_form(withdraw_url(world), {"confirm": "yes"})  # a dialog left open

    assert again.status_code == 303
    second = next(c for c in consents_of(session, world) if c.id == world.consent_b_id)
    assert second.withdrawn_at == first_at


# A consent shares the plan, not the family's consents: not there for the consented unit.
@pytest.mark.parametrize(
    ("persona", "status"), [("consented", 404), ("other_unit", 404), ("withdrawn", 404)]
)
def test_only_the_plan_lead_side_manages_consents_in_the_browser(
    signed_in: SignedIn, session: Session, world: World, persona: str, status: int
) -> None:
    browser = signed_in(getattr(world, persona))
    base = consents_url(world)

    assert browser.get(base).status_code == status
    assert browser.get(f"{base}/{world.consent_b_id}/statement").status_code == status
    assert browser.get(f"{base}/statement", params={"unit": str(world.unit_b.id)}).status_code == (
        status
    )
    assert browser.get(withdraw_url(world)).status_code == status
    withdraw = browser.post_form(withdraw_url(world), {"confirm": "yes"})
    assert withdraw.status_code == status
    record = browser.post_form(
        base, {"unit_ids": str(world.unit_c.id), "given_by": "Far", "confirm": "yes"}
    )
    assert record.status_code == status
    consents = consents_of(session, world)
    assert next(c for c in consents if c.id == world.consent_b_id).withdrawn_at is None
    assert world.unit_c.id not in {c.unit_id for c in consents}


# --- the statement the family signs ------------------------------------------------------------


@pytest.mark.parametrize("language", [Language.en, Language.nn, Language.nb])
def test_the_statement_is_in_the_familys_language_and_names_every_chosen_unit(
    signed_in: SignedIn, session: Session, settings: Settings, language: Language
) -> None:
    unit = make_unit(session, name="NAV Oppfølging")
    lead = make_user(session, units=[unit], display_name="Kari Hansen")
    family = make_family(session, lead, settings, display_name="Familien Ali", language=language)
    school = make_unit(session, name="Østsiden skole")
    health = make_unit(session, name="Helsestasjonen")
    session.commit()
    browser = signed_in(lead, language="en")

    response = browser.get(
        f"/families/{family.id}/consents/statement",
        params=[("unit", str(school.id)), ("unit", str(health.id))],
    )

    assert response.status_code == 200
    statement = page(response)
    assert statement["lang"] == language.value
    assert response.headers["content-language"] == language.value
    listed = [(li["data-unit-id"], li.text) for li in statement.all("li[data-unit-id]")]
    assert sorted(listed) == sorted(
        [(str(school.id), "Østsiden skole"), (str(health.id), "Helsestasjonen")]
    )
    assert "Familien Ali" in statement.text
    assert "Kari Hansen" in statement.text
    assert "NAV Oppfølging" in statement.text
    assert statement.one("h1").text
    for section in ("statement-what", "statement-why", "statement-withdraw", "statement-expiry"):
        assert statement.one(f"#{section}").tag == "h2", section
    assert len(statement.all(".plan-sign-line")) == 2
    a_year = local_today() + timedelta(days=365)
    assert (
        a_year.strftime("%d.%m.%Y") in statement.text
        or (a_year + timedelta(days=1)).strftime("%d.%m.%Y") in statement.text
    )
    assert not statement.has("form")


def test_the_printed_statement_says_the_end_that_was_chosen(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    lead = make_user(session, units=[unit])
    family = make_family(session, lead, settings, language=Language.en)
    other = make_unit(session)
    session.commit()
    browser = signed_in(lead)
    url = f"/families/{family.id}/consents/statement"

    dated = browser.get(url, params={"unit": str(other.id), "until": "2031-03-31"})
    open_ended = browser.get(url, params={"unit": str(other.id), "until": "none"})

    expiry = page(dated).one("#statement-expiry").ancestors()[0].text
    assert expiry.endswith("Until 31.03.2031, unless you withdraw it before.")
    assert (
        page(open_ended)
        .one("#statement-expiry")
        .ancestors()[0]
        .text.endswith("Until you withdraw it.")
    )
    assert browser.get(url, params={"unit": str(other.id), "until": "soon"}).status_code == 422


def test_an_english_family_gets_the_statement_in_english(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    lead = make_user(session, units=[unit])
    family = make_family(session, lead, settings, language=Language.en)
    other = make_unit(session)
    session.commit()
    browser = signed_in(lead)  # the caseworker's own screen stays in bokmål

    response = browser.get(
        f"/families/{family.id}/consents/statement", params={"unit": str(other.id)}
    )

    assert page(response)["lang"] == "en"
    assert "You can withdraw your consent at any time" in response.text


def test_a_recorded_consents_statement_shows_who_gave_it_and_is_audited(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    response = browser.get(f"{consents_url(world)}/{world.consent_b_id}/statement")

    assert response.status_code == 200
    units = page(response).all("li[data-unit-id]")
    assert [li["data-unit-id"] for li in units] == [str(world.unit_b.id)]
    assert "Mor" in response.text
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.family_id == world.family.id, AuditEvent.purpose == "consent_statement"
        )
    ).all()
    assert [(e.username, e.record_id) for e in events] == [
        (world.lead.username, str(world.consent_b_id))
    ]


def test_a_statement_needs_known_units(signed_in: SignedIn, world: World) -> None:
    browser = signed_in(world.lead, language="en")
    url = f"{consents_url(world)}/statement"

    assert browser.get(url).status_code == 422
    assert browser.get(url, params={"unit": "not-a-unit"}).status_code == 422
    unknown = "00000000-0000-4000-8000-000000000000"
    assert browser.get(url, params={"unit": unknown}).status_code == 404
    other_family_consent = f"{consents_url(world)}/{unknown}/statement"
    assert browser.get(other_family_consent).status_code == 404

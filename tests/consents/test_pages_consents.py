"""Consent in the room with the family (DESIGN §3 Consent, §4.4): the consents page, recording
and withdrawing with one action, and the statement the family signs in its own language.

The tests read the English source texts (``signed_in(..., language="en")``); the nb and nn
catalogs have tests of their own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from app.models import AuditEvent, Consent
from app.models.enums import Language
from tests.factories import World, build_world, make_family, make_unit, make_user
from tests.html import page
from tests.pages import SignedIn

OSLO = ZoneInfo("Europe/Oslo")


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


def test_the_plan_lead_sees_the_familys_consents_and_a_form_with_a_year_ahead(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    shown = page(browser.get(consents_url(world)))

    given = shown.one(f'[data-testid="consent-{world.consent_b_id}"]')
    assert given.one(".card-title").text == "Barnevern Test"
    assert "Mor" in given.text
    assert given.one(f'form[action="{withdraw_url(world)}"] button').text == (
        "Withdraw consent (Barnevern Test)"
    )
    [withdrawn] = [
        card
        for card in shown.all(".consent-card")
        if card["data-testid"] != f"consent-{world.consent_b_id}"
    ]
    assert withdrawn.one(".card-title").text == "Husbanken Test"
    assert "Withdraw consent" not in withdrawn.text
    assert not withdrawn.has("form")
    form = shown.form(consents_url(world))
    a_year_ahead = datetime.now(OSLO).date() + timedelta(days=365)
    expiry = form.one("[name=expires_at]")
    assert (expiry["type"], expiry["value"]) == ("date", a_year_ahead.isoformat())
    # The unit select is grouped by level and marks the units that have consent already.
    units = form.one("select[name=unit_id]")
    assert units.has('optgroup[label="Municipal services"]')
    assert units.one(f'option[value="{world.unit_b.id}"]').text == "Barnevern Test – has consent"
    # The plan lead's own unit needs no consent and is not offered.
    assert not units.has(f'option[value="{world.unit_a.id}"]')


def test_recording_a_consent_gives_the_unit_access(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    reviewer_c = make_user(session, units=[world.unit_c])
    session.commit()
    browser = signed_in(world.lead, language="en")
    expiry = local_today() + timedelta(days=200)

    response = browser.submit(
        consents_url(world),
        consents_url(world),
        {"unit_id": str(world.unit_c.id), "given_by": "Far", "expires_at": expiry.isoformat()},
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"{consents_url(world)}?done=recorded"
    stored = [c for c in consents_of(session, world) if c.unit_id == world.unit_c.id]
    assert [
        (c.given_by, c.expires_at and c.expires_at.astimezone(OSLO).date()) for c in stored
    ] == [("Far", expiry)]
    assert "The consent is recorded" in browser.get(response.headers["location"]).text
    assert signed_in(reviewer_c).get(f"/families/{world.family.id}").status_code == 200


def test_a_consent_form_with_mistakes_shows_them_next_to_the_fields_and_stores_nothing(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    before = len(consents_of(session, world))

    response = browser.submit(
        consents_url(world),
        consents_url(world),
        {
            "unit_id": "",
            "given_by": "  ",
            "expires_at": (local_today() - timedelta(days=1)).isoformat(),
        },
    )

    assert response.status_code == 422
    for field in ("unit_id", "given_by"):
        assert page(response).invalid(field), field
        assert page(response).field_error(field), field
    assert len(consents_of(session, world)) == before


def test_a_past_expiry_is_shown_next_to_the_date(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    response = browser.submit(
        consents_url(world),
        consents_url(world),
        {
            "unit_id": str(world.unit_c.id),
            "given_by": "Far",
            "expires_at": (local_today() - timedelta(days=2)).isoformat(),
        },
    )

    assert response.status_code == 422
    assert page(response).field_error("expires_at")
    assert page(response).value("given_by") == "Far"  # what was written is kept
    assert world.unit_c.id not in {c.unit_id for c in consents_of(session, world)}


def test_the_withdraw_button_removes_the_units_access_on_its_next_request(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    reviewer = signed_in(world.consented)
    assert reviewer.get(f"/families/{world.family.id}").status_code == 200
    assert reviewer.get(f"/plans/{world.plan.id}").status_code == 200
    lead = signed_in(world.lead, language="en")

    response = lead.submit(consents_url(world), withdraw_url(world))

    assert response.status_code == 303
    assert response.headers["location"] == f"{consents_url(world)}?done=withdrawn"
    assert reviewer.get(f"/families/{world.family.id}").status_code == 404
    assert reviewer.get(f"/plans/{world.plan.id}").status_code == 404
    assert world.family.display_name not in reviewer.get("/").text
    after = lead.get(response.headers["location"])
    assert "The consent is withdrawn" in after.text
    card = page(after).one(f'[data-testid="consent-{world.consent_b_id}"]')
    assert "Withdraw consent" not in card.text
    withdrawn = next(c for c in consents_of(session, world) if c.id == world.consent_b_id)
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.withdrawn_by_id == world.lead.id


def test_withdrawing_twice_keeps_the_first_withdrawal(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead)
    browser.submit(consents_url(world), withdraw_url(world))
    first = next(c for c in consents_of(session, world) if c.id == world.consent_b_id)
    first_at = first.withdrawn_at

    again = browser.post_form(withdraw_url(world))  # the same button, on a page left open

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
    withdraw = browser.post_form(withdraw_url(world))
    assert withdraw.status_code == status
    record = browser.post_form(base, {"unit_id": str(world.unit_c.id), "given_by": "Far"})
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
    for section in ("statement-what", "statement-why", "statement-withdraw", "statement-expiry"):
        assert statement.has(f"#{section}"), section
    assert len(statement.all(".plan-sign-line")) == 2
    a_year = local_today() + timedelta(days=365)
    assert (
        a_year.strftime("%d.%m.%Y") in statement.text
        or (a_year + timedelta(days=1)).strftime("%d.%m.%Y") in statement.text
    )
    assert not statement.has("form")


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

"""Consent in the room with the family (DESIGN §3 Consent, §4.4): the consents page, recording
and withdrawing with one action, and the statement the family signs in its own language."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import AuditEvent, Consent
from app.models.enums import Language
from tests.accounts.test_pages import csrf_from, sign_in
from tests.factories import World, build_world, make_family, make_unit, make_user


@pytest.fixture(autouse=True)
def english_ui(client: TestClient) -> None:
    """These tests read the English source texts; the nb and nn catalogs have tests of their own."""
    client.headers["Accept-Language"] = "en"


OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def consents_url(world: World) -> str:
    return f"/families/{world.family.id}/consents"


def consents_of(session: Session, world: World) -> list[Consent]:
    session.expire_all()
    return list(
        session.scalars(
            select(Consent).where(Consent.family_id == world.family.id).order_by(Consent.given_at)
        )
    )


def card(html: str, testid: str) -> str:
    match = re.search(rf'<li [^>]*data-testid="{testid}".*?</li>', html, re.S)
    assert match, f"no {testid} in the page"
    return match.group(0)


def test_the_plan_lead_sees_the_familys_consents_and_a_form_with_a_year_ahead(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.lead.username)

    page = client.get(consents_url(world))

    assert page.status_code == 200
    given = card(page.text, f"consent-{world.consent_b_id}")
    assert "Barnevern Test" in given
    assert "Mor" in given
    assert "Withdraw consent" in given
    withdrawn = next(c for c in consents_of_page_ids(page.text) if c != str(world.consent_b_id))
    assert "Husbanken Test" in card(page.text, f"consent-{withdrawn}")
    assert "Withdraw consent" not in card(page.text, f"consent-{withdrawn}")
    a_year_ahead = datetime.now(OSLO).date() + timedelta(days=365)
    assert f'name="expires_at" type="date" value="{a_year_ahead}"' in page.text
    # The unit select is grouped by level and marks the units that have consent already.
    assert '<optgroup label="Municipal services">' in page.text
    assert re.search(rf'value="{world.unit_b.id}"\s*>Barnevern Test – has consent', page.text)
    # The plan lead's own unit needs no consent and is not offered.
    assert f'<option value="{world.unit_a.id}"' not in page.text


def consents_of_page_ids(html: str) -> list[str]:
    return re.findall(r'data-testid="consent-([0-9a-f-]{36})"', html)


def test_recording_a_consent_gives_the_unit_access(
    client: TestClient, session: Session, world: World
) -> None:
    reviewer_c = make_user(session, units=[world.unit_c])
    session.commit()
    sign_in(client, world.lead.username)
    expiry = date.today() + timedelta(days=200)

    response = client.post(
        consents_url(world),
        data={
            "unit_id": str(world.unit_c.id),
            "given_by": "Far",
            "expires_at": expiry.isoformat(),
            "csrftoken": csrf_from(client.get(consents_url(world)).text),
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"{consents_url(world)}?done=recorded"
    stored = [c for c in consents_of(session, world) if c.unit_id == world.unit_c.id]
    assert [
        (c.given_by, c.expires_at and c.expires_at.astimezone(OSLO).date()) for c in stored
    ] == [("Far", expiry)]
    assert "The consent is recorded" in client.get(response.headers["location"]).text
    with TestClient(client.app) as other:
        sign_in(other, reviewer_c.username)
        assert other.get(f"/families/{world.family.id}").status_code == 200


def test_a_consent_form_with_mistakes_shows_them_next_to_the_fields_and_stores_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)
    before = len(consents_of(session, world))

    response = client.post(
        consents_url(world),
        data={
            "unit_id": "",
            "given_by": "  ",
            "expires_at": (date.today() - timedelta(days=1)).isoformat(),
            "csrftoken": csrf_from(client.get(consents_url(world)).text),
        },
    )

    assert response.status_code == 422
    for field in ("unit_id", "given_by"):
        assert re.search(
            rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="{field}-error"',
            response.text,
        ), field
        assert f'id="{field}-error"' in response.text
    assert len(consents_of(session, world)) == before


def test_a_past_expiry_is_shown_next_to_the_date(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)

    response = client.post(
        consents_url(world),
        data={
            "unit_id": str(world.unit_c.id),
            "given_by": "Far",
            "expires_at": (date.today() - timedelta(days=2)).isoformat(),
            "csrftoken": csrf_from(client.get(consents_url(world)).text),
        },
    )

    assert response.status_code == 422
    assert 'id="expires_at-error"' in response.text
    assert 'value="Far"' in response.text  # what was written is kept
    assert world.unit_c.id not in {c.unit_id for c in consents_of(session, world)}


def test_the_withdraw_button_removes_the_units_access_on_its_next_request(
    client: TestClient, app: FastAPI, session: Session, world: World
) -> None:
    with TestClient(app) as reviewer:
        sign_in(reviewer, world.consented.username)
        assert reviewer.get(f"/families/{world.family.id}").status_code == 200
        assert reviewer.get(f"/plans/{world.plan.id}").status_code == 200

        sign_in(client, world.lead.username)
        page = client.get(consents_url(world))
        response = client.post(
            f"{consents_url(world)}/{world.consent_b_id}/withdraw",
            data={"csrftoken": csrf_from(page.text)},
            follow_redirects=False,
        )

        assert response.status_code == 303
        assert response.headers["location"] == f"{consents_url(world)}?done=withdrawn"
        assert reviewer.get(f"/families/{world.family.id}").status_code == 404
        assert reviewer.get(f"/plans/{world.plan.id}").status_code == 404
        assert world.family.display_name not in reviewer.get("/").text
    after = client.get(response.headers["location"]).text
    assert "The consent is withdrawn" in after
    assert "Withdraw consent" not in card(after, f"consent-{world.consent_b_id}")
    withdrawn = next(c for c in consents_of(session, world) if c.id == world.consent_b_id)
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.withdrawn_by_id == world.lead.id


def test_withdrawing_twice_keeps_the_first_withdrawal(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)
    token = csrf_from(client.get(consents_url(world)).text)
    url = f"{consents_url(world)}/{world.consent_b_id}/withdraw"
    client.post(url, data={"csrftoken": token})
    first = next(c for c in consents_of(session, world) if c.id == world.consent_b_id)
    first_at = first.withdrawn_at

    again = client.post(url, data={"csrftoken": token}, follow_redirects=False)

    assert again.status_code == 303
    second = next(c for c in consents_of(session, world) if c.id == world.consent_b_id)
    assert second.withdrawn_at == first_at


# A consent shares the plan, not the family's consents: not there for the consented unit.
@pytest.mark.parametrize(
    ("persona", "status"), [("consented", 404), ("other_unit", 404), ("withdrawn", 404)]
)
def test_only_the_plan_lead_side_manages_consents_in_the_browser(
    client: TestClient, session: Session, world: World, persona: str, status: int
) -> None:
    sign_in(client, getattr(world, persona).username)
    base = consents_url(world)

    assert client.get(base).status_code == status
    assert client.get(f"{base}/{world.consent_b_id}/statement").status_code == status
    assert client.get(f"{base}/statement", params={"unit": str(world.unit_b.id)}).status_code == (
        status
    )
    token = csrf_from(client.get("/").text)
    withdraw = client.post(f"{base}/{world.consent_b_id}/withdraw", data={"csrftoken": token})
    assert withdraw.status_code == status
    record = client.post(
        base, data={"unit_id": str(world.unit_c.id), "given_by": "Far", "csrftoken": token}
    )
    assert record.status_code == status
    consents = consents_of(session, world)
    assert next(c for c in consents if c.id == world.consent_b_id).withdrawn_at is None
    assert world.unit_c.id not in {c.unit_id for c in consents}


# --- the statement the family signs ------------------------------------------------------------


@pytest.mark.parametrize("language", [Language.en, Language.nn, Language.nb])
def test_the_statement_is_in_the_familys_language_and_names_every_chosen_unit(
    client: TestClient, session: Session, settings: Settings, language: Language
) -> None:
    unit = make_unit(session, name="NAV Oppfølging")
    lead = make_user(session, units=[unit], display_name="Kari Hansen")
    family = make_family(session, lead, settings, display_name="Familien Ali", language=language)
    school = make_unit(session, name="Østsiden skole")
    health = make_unit(session, name="Helsestasjonen")
    session.commit()
    sign_in(client, lead.username)

    page = client.get(
        f"/families/{family.id}/consents/statement",
        params=[("unit", str(school.id)), ("unit", str(health.id))],
    )

    assert page.status_code == 200
    assert f'<html lang="{language.value}">' in page.text
    assert page.headers["content-language"] == language.value
    listed = re.findall(r'<li data-unit-id="([0-9a-f-]{36})">([^<]+)</li>', page.text)
    assert sorted(listed) == sorted(
        [(str(school.id), "Østsiden skole"), (str(health.id), "Helsestasjonen")]
    )
    assert "Familien Ali" in page.text
    assert "Kari Hansen" in page.text
    assert "NAV Oppfølging" in page.text
    for section in ("statement-what", "statement-why", "statement-withdraw", "statement-expiry"):
        assert f'id="{section}"' in page.text
    assert page.text.count('class="plan-sign-line"') == 2
    a_year = date.today() + timedelta(days=365)
    assert (
        a_year.strftime("%d.%m.%Y") in page.text
        or (a_year + timedelta(days=1)).strftime("%d.%m.%Y") in page.text
    )
    assert "<form" not in page.text


def test_an_english_family_gets_the_statement_in_english(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    lead = make_user(session, units=[unit])
    family = make_family(session, lead, settings, language=Language.en)
    other = make_unit(session)
    session.commit()
    sign_in(client, lead.username)  # the caseworker's own screen stays in bokmål

    page = client.get(f"/families/{family.id}/consents/statement", params={"unit": str(other.id)})

    assert '<html lang="en">' in page.text
    assert "You can withdraw your consent at any time" in page.text


def test_a_recorded_consents_statement_shows_who_gave_it_and_is_audited(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)

    page = client.get(f"{consents_url(world)}/{world.consent_b_id}/statement")

    assert page.status_code == 200
    assert re.findall(r'<li data-unit-id="([0-9a-f-]{36})">', page.text) == [str(world.unit_b.id)]
    assert "Mor" in page.text
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.family_id == world.family.id, AuditEvent.purpose == "consent_statement"
        )
    ).all()
    assert [(e.username, e.record_id) for e in events] == [
        (world.lead.username, str(world.consent_b_id))
    ]


def test_a_statement_needs_known_units(client: TestClient, world: World) -> None:
    sign_in(client, world.lead.username)
    url = f"{consents_url(world)}/statement"

    assert client.get(url).status_code == 422
    assert client.get(url, params={"unit": "not-a-unit"}).status_code == 422
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.get(url, params={"unit": unknown}).status_code == 404
    other_family_consent = f"{consents_url(world)}/{unknown}/statement"
    assert client.get(other_family_consent).status_code == 404

"""Family members sign in through ID-porten (DESIGN §11, §12; issue 15) to their family's own
pages, against a real OpenID Connect provider process; a session of their own that reaches
only /familie/, and nothing of the staff pages or API."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.config import Settings
from app.db import utcnow
from app.members import service as member_service
from app.members.schemas import MemberCreate
from app.models import AuditEvent, FamilySession
from app.models.enums import MemberRelation
from tests.factories import MOR_NATIONAL_ID, World, actor_of, build_world, make_family
from tests.family.door import HIGH, Browser, csrf_of, sign_in
from tests.html import page
from tests.members.numbers import fodselsnummer
from tests.oidc_provider import Provider
from tests.pages import SignedIn


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    world = build_world(session, settings)
    session.commit()
    return world


def test_the_authorization_asks_for_level_high(door: Browser) -> None:
    start = door().get("/familie/auth/login", follow_redirects=False)
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["acr_values"] == [HIGH]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://testserver/familie/auth/callback"]


def test_a_parent_signs_in_and_sees_the_family_plan_in_her_language(
    door: Browser, idporten: Provider, session: Session, world: World
) -> None:
    browser = door()

    back = sign_in(browser, idporten, "mor-sub", MOR_NATIONAL_ID)

    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/familie/"
    assert "duk_session" not in browser.cookies
    home = browser.get("/familie/")
    assert home.status_code == 200
    assert home.headers["content-language"] == "nb"
    assert page(home).one(".who").text == "Mor Test"
    assert "Vi trenger større bolig." in home.text
    events = session.execute(
        select(AuditEvent.action, AuditEvent.member_id, AuditEvent.role, AuditEvent.user_id)
        .where(AuditEvent.family_id == world.family.id, AuditEvent.member_id.is_not(None))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.member_id, e.role, e.user_id) for e in events] == [
        ("login", world.mother.id, "family_member", None),
        ("read", world.mother.id, "family_member", None),
    ]
    assert MOR_NATIONAL_ID not in str(session.scalars(select(AuditEvent.purpose)).all())


def test_a_lower_level_is_refused(
    door: Browser, idporten: Provider, session: Session, world: World
) -> None:
    browser = door()

    back = sign_in(browser, idporten, "mor-low", MOR_NATIONAL_ID, acr="idporten-loa-substantial")

    assert back.status_code == 403
    assert "duk_family" not in browser.cookies
    assert browser.get("/familie/", follow_redirects=False).status_code == 303


def test_a_person_with_no_family_sees_only_the_kind_page(
    door: Browser, idporten: Provider, session: Session, world: World
) -> None:
    browser = door()
    stranger = fodselsnummer(date(1979, 8, 30))

    back = sign_in(browser, idporten, "stranger", stranger)

    assert back.status_code == 403
    main = page(back).one("main")
    assert main.one("h1").text == "Vi fant ikke familien din"
    assert "kontaktpersonen din i kommunen" in main.text
    assert page(back).all("nav") == []
    assert world.family.display_name not in back.text
    assert "duk_family" not in browser.cookies
    refusal = session.scalars(
        select(AuditEvent.purpose).where(AuditEvent.action == "login_failed")
    ).all()
    assert refusal[-1] == "idporten:unknown_person"


def test_before_sign_in_the_pages_speak_the_browsers_family_language(
    door: Browser, idporten: Provider, world: World
) -> None:
    """No member is known yet: an Arabic phone gets the way in, the kind page and the page
    after signing out in Arabic, mirrored; a language the installation does not offer
    families, bokmål."""
    browser = door()
    browser.headers["accept-language"] = "ar-SA,ar;q=0.9,en;q=0.5"
    for path in ("/familie/logg-inn", "/familie/logget-ut"):
        shown = browser.get(path)
        assert shown.headers["content-language"] == "ar", path
        html = page(shown).one("html")
        assert (html["lang"], html["dir"]) == ("ar", "rtl"), path
    refused = sign_in(browser, idporten, "stranger-ar", fodselsnummer(date(1979, 8, 30)))
    assert refused.status_code == 403
    assert page(refused).one("h1").text == "لم نتمكن من العثور على عائلتك"

    browser.headers["accept-language"] = "de-DE,de;q=0.9"
    assert browser.get("/familie/logg-inn").headers["content-language"] == "nb"


def test_a_child_under_16_is_not_let_in(
    door: Browser, idporten: Provider, session: Session, world: World
) -> None:
    today = date.today()
    born = date(today.year - 15, 1, 1)
    number = fodselsnummer(born)
    lead = actor_of(session, world.lead)
    member_service.add_member(
        session,
        lead,
        scope_for(session, lead, world.family),
        MemberCreate(
            name="Sara", relation=MemberRelation.child, birth_year=born.year, national_id=number
        ),
        world.settings,
    )
    session.commit()

    back = sign_in(door(), idporten, "sara", number)

    assert back.status_code == 403
    assert page(back).one("h1").text == "Du kan logge inn fra du er 16 år"


def test_a_family_session_gets_nothing_of_the_staff_pages_or_api(
    door: Browser, idporten: Provider, world: World
) -> None:
    browser = door()
    sign_in(browser, idporten, "mor-sub", MOR_NATIONAL_ID)

    for path in ("/", f"/families/{world.family.id}", f"/plans/{world.plan.id}", "/inbox"):
        response = browser.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login"), path
    cookie = browser.cookies["duk_family"]
    for path in (f"/api/v1/families/{world.family.id}", "/api/v1/me"):
        assert browser.get(path).status_code == 401, path
        bearer = {"Authorization": f"Bearer {cookie}"}
        assert browser.get(path, headers=bearer).status_code == 401, path


def test_a_staff_session_gets_nothing_of_the_family_pages(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead)

    response = browser.get("/familie/", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/familie/logg-inn?next=/familie/"
    printed = browser.get(f"/familie/plan/{world.plan.id}/utskrift", follow_redirects=False)
    assert printed.status_code == 303


def test_a_member_of_another_family_finds_nothing_of_this_one(
    door: Browser, idporten: Provider, session: Session, settings: Settings, world: World
) -> None:
    other = build_world(session, settings)  # a second family, led elsewhere
    other_mother = fodselsnummer(date(1990, 2, 2))
    lead = actor_of(session, other.lead)
    member_service.add_member(
        session,
        lead,
        scope_for(session, lead, other.family),
        MemberCreate(
            name="Mor B",
            relation=MemberRelation.parent,
            birth_year=1990,
            parental_responsibility=True,
            national_id=other_mother,
        ),
        settings,
    )
    session.commit()
    browser = door()
    sign_in(browser, idporten, "mor-b", other_mother)

    mine = browser.get(f"/familie/plan/{other.plan.id}/utskrift")
    theirs = browser.get(f"/familie/plan/{world.plan.id}/utskrift")
    unknown = "00000000-0000-4000-8000-000000000000"
    missing = browser.get(f"/familie/plan/{unknown}/utskrift")

    assert mine.status_code == 200
    assert (theirs.status_code, missing.status_code) == (404, 404)
    # The same page as for a plan that never existed (it names the path it was asked for).
    assert theirs.text.replace(str(world.plan.id), unknown) == missing.text


def test_a_person_in_two_families_chooses_one_and_sees_only_that_one(
    door: Browser, idporten: Provider, session: Session, settings: Settings, world: World
) -> None:
    # The mother's other household, led elsewhere: she is recorded there too (build_world).
    other = build_world(session, settings)
    other.family.display_name = "Familien Berg"
    other.unit_a.name = "Barnevern Berg"
    stranger = make_family(session, world.lead, settings, display_name="Familien Fremmed")
    session.commit()
    sessions_before = session.scalar(select(func.count()).select_from(FamilySession))
    browser = door()

    back = sign_in(browser, idporten, "mor-sub", MOR_NATIONAL_ID)

    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/familie/velg-familie"
    assert "duk_family" not in browser.cookies
    assert browser.get("/familie/", follow_redirects=False).status_code == 303
    choose = browser.get("/familie/velg-familie")
    assert choose.status_code == 200
    buttons = [b.text for b in page(choose).all("main button")]
    assert len(buttons) == 2
    assert ("Familien Test" in buttons[0], "NAV Test" in buttons[0]) == (True, True)
    assert ("Familien Berg" in buttons[1], "Barnevern Berg" in buttons[1]) == (True, True)
    assert "Vi trenger større bolig." not in choose.text  # nothing of either case
    token = csrf_of(choose)

    # A family the person is not in: as for one that does not exist, and nothing changes.
    tampered = browser.post(
        "/familie/velg-familie", data={"csrftoken": token, "family_id": str(stranger.id)}
    )
    assert tampered.status_code == 404
    assert "duk_family" not in browser.cookies
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(FamilySession)) == sessions_before

    chosen = browser.post(
        "/familie/velg-familie",
        data={"csrftoken": token, "family_id": str(other.family.id)},
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/familie/"
    home = browser.get("/familie/")
    assert "Barnevern Berg" in home.text  # the plan lead of that family
    assert browser.get(f"/familie/plan/{other.plan.id}/utskrift").status_code == 200
    assert browser.get(f"/familie/plan/{world.plan.id}/utskrift").status_code == 404
    login = session.execute(
        select(AuditEvent.family_id, AuditEvent.member_id).where(
            AuditEvent.action == "login", AuditEvent.purpose == "idporten:chosen"
        )
    ).one()
    assert tuple(login) == (other.family.id, other.mother.id)
    # The choice was spent: the page is gone until the next sign-in or "change family".
    assert browser.get("/familie/velg-familie").status_code == 404

    assert page(home).one('form[action="/familie/bytt-familie"] button').text == "Bytt familie"
    switched = browser.post(
        "/familie/bytt-familie", data={"csrftoken": csrf_of(home)}, follow_redirects=False
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == "/familie/velg-familie"
    assert browser.get("/familie/", follow_redirects=False).status_code == 303  # never both
    again = browser.get("/familie/velg-familie")
    browser.post(
        "/familie/velg-familie",
        data={"csrftoken": csrf_of(again), "family_id": str(world.family.id)},
    )
    assert "Barnevern Berg" not in browser.get("/familie/").text
    assert browser.get(f"/familie/plan/{other.plan.id}/utskrift").status_code == 404


def test_the_choosing_page_needs_a_sign_in_waiting_for_a_choice(
    door: Browser, world: World
) -> None:
    browser = door()
    login = browser.get("/familie/logg-inn")

    assert browser.get("/familie/velg-familie").status_code == 404
    posted = browser.post(
        "/familie/velg-familie",
        data={"csrftoken": csrf_of(login), "family_id": str(world.family.id)},
    )
    assert posted.status_code == 404
    assert "duk_family" not in browser.cookies


def test_the_session_ends_after_30_idle_minutes(
    door: Browser, idporten: Provider, session: Session, world: World
) -> None:
    browser = door()
    sign_in(browser, idporten, "mor-sub", MOR_NATIONAL_ID)
    assert browser.get("/familie/", follow_redirects=False).status_code == 200

    session.execute(update(FamilySession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    session.commit()

    assert browser.get("/familie/", follow_redirects=False).status_code == 303


def test_signing_out_ends_the_idporten_session_too(
    door: Browser, idporten: Provider, world: World
) -> None:
    browser = door()
    sign_in(browser, idporten, "mor-sub", MOR_NATIONAL_ID)
    home = browser.get("/familie/")

    out = browser.post(
        "/familie/logg-ut", data={"csrftoken": csrf_of(home)}, follow_redirects=False
    )

    assert out.status_code == 303
    assert out.headers["location"] == "/familie/auth/logout"
    assert browser.get("/familie/", follow_redirects=False).status_code == 303
    onward = browser.get("/familie/auth/logout", follow_redirects=False)
    end_session = onward.headers["location"]
    assert end_session.startswith(f"{idporten.issuer}/oauth2/end_session?")
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/familie/logget-ut"]
    assert query["id_token_hint"][0].count(".") == 2


def test_without_idporten_there_is_no_family_sign_in(client: TestClient) -> None:
    assert client.get("/familie/logg-inn").status_code == 404
    assert client.get("/familie/auth/login", follow_redirects=False).status_code == 404

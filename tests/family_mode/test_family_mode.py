"""Family mode on the caseworker's tablet (DESIGN §12): while the family looks at the screen it
shows only the family's own things, every other staff page and form is refused on the server,
and leaving takes the worker's own sign-in again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.security import hash_password
from app.config import Settings
from app.db import utcnow
from app.kit.crypto import data_keys
from app.models import ApiToken, AuditEvent, Family
from app.models.enums import Language
from tests.access.test_need_to_know import secrets_of, tick_everything
from tests.access.test_page_matrix import PAGES, PageCall, PageRule
from tests.factories import PASSWORD, World, build_world, make_family
from tests.html import page
from tests.pages import PageClient, SignedIn

VIEW = "/family-mode"
LEAVE = "/family-mode/leave"
OTHER_PASSWORD = "someone else's password"


def turn_on(browser: PageClient, world: World) -> str:
    """The worker presses "Show to the family" on the family's canvas; returns that page."""
    on = f"/canvases/{world.canvas.id}"
    response = browser.submit(on, f"/families/{world.family.id}/family-mode")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == VIEW
    return on


def in_family_mode(session: Session, world: World) -> bool:
    session.expire_all()
    shown = session.scalars(
        select(ApiToken.family_mode_family_id).where(
            ApiToken.user_id == world.lead.id, ApiToken.kind == "session"
        )
    ).all()
    return world.family.id in shown


def purposes(session: Session, action: str) -> list[str | None]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent.purpose).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


# --- every staff page and form is refused ---------------------------------------------------


def staff_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) signed in by the staff's session cookie, from the app's routes:
    the ones family mode must refuse (the family-mode pages and signing out excepted)."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.route
        if not isinstance(route, APIRoute):
            continue
        needs = getattr(route.endpoint, "duk_needs", {})
        if not set(needs.values()) & {"page", "page_token"}:
            continue
        if route.name in ("logout",):
            continue
        found |= {(m, route.path) for m in route.methods or () if m != "HEAD"}
    return found


STAFF_RULES = (PageRule.home, PageRule.barriers, PageRule.admin)


def test_in_family_mode_every_staff_page_and_form_is_refused_and_changes_nothing(
    app: FastAPI, client: TestClient, session: Session, settings: Settings, signed_in: SignedIn
) -> None:
    world = build_world(session, settings)
    browser = signed_in(world.lead)
    turn_on(browser, world)
    routes = staff_routes(app)
    # The page matrix holds a way to send every page (tests/access/test_page_matrix.py), and
    # what each left behind: here every one of them is sent in family mode.
    pages = {p.key: p for p in PAGES}
    assert len(routes) > 60, "the walk found too few staff routes to be looking right"
    assert routes - pages.keys() == set(), "a staff route the page matrix does not send"

    # Each page's records (its setup) are rolled back after it, as the matrix's world is new
    # for each of its cells; the one world is shared.
    connection = app.state.session_factory.kw["bind"]
    for key in sorted(routes):
        sent = pages[key]
        session.commit()
        each = connection.begin_nested()
        ids = {**sent.ids(world), **sent.setup(session, world)}
        response = sent.send(browser, world, ids)
        if sent.method == "GET":
            assert response.status_code == 303, (key, response.status_code)
            assert response.headers["location"] == VIEW, key
            htmx = sent.send(browser, world, ids, headers={"HX-Request": "true"})
            assert (htmx.status_code, htmx.headers.get("hx-redirect")) == (403, VIEW), key
        else:
            assert response.status_code == 403, (key, response.status_code, response.text[:300])
            assert response.headers["duk-problem"] == "family-mode", key
            assert not page(response).all("nav"), key
        # What the matrix asks of a refused request: nothing stored, nothing changed. (Turning
        # family mode on again is refused too; its check would find it on from before.)
        if key != ("POST", "/families/{family_id}/family-mode"):
            sent.check(PageCall(client, session, world, "lead", response, allowed=False))
        session.commit()
        each.rollback()
    assert in_family_mode(session, world)


def test_the_api_is_not_the_tablet_session(
    client: TestClient, session: Session, settings: Settings, signed_in: SignedIn
) -> None:
    world = build_world(session, settings)
    browser = signed_in(world.lead)
    turn_on(browser, world)

    # The tablet's cookie never signs in to the API; the worker's device token is unaffected.
    assert browser.get("/api/v1/families").status_code == 401
    api = client.get("/api/v1/families", headers=world.headers["lead"])
    assert api.status_code == 200
    assert "Familien Test" in api.text


# --- what the family sees -------------------------------------------------------------------


def test_the_family_view_shows_the_familys_own_words_and_nothing_else(
    session: Session, settings: Settings, signed_in: SignedIn
) -> None:
    world = build_world(session, settings)
    tick_everything(session, world)  # worker's scores and every statistics-only code
    make_family(session, world.lead, settings, display_name="Familien Annen")
    family = session.get(Family, world.family.id)
    assert family is not None
    family.language = Language.ar
    session.commit()
    secrets = secrets_of(session)
    browser = signed_in(world.lead, language="en")
    assert "Familien Annen" in browser.get("/").text  # the worker's home names both families
    turn_on(browser, world)

    view = browser.get(VIEW)

    assert view.status_code == 200
    shown = page(view)
    assert shown.one("html")["lang"] == "ar"
    assert shown.one("html")["dir"] == "rtl"
    assert not shown.all("nav"), "no menus"
    assert not shown.all(".language-form"), "no language switch"
    assert not shown.all("form[action='/logout']")
    assert "Familien Annen" not in view.text
    assert "Kari Lead" in view.text  # the family's contact person, in the plan
    assert secrets.found_in(view.text) == []
    # The family's own words, in the plan being written and in the one waiting for them.
    assert view.text.count("Vi trenger større bolig.") == 2
    assert view.text.count("Vi har regninger vi ikke klarer.") == 2
    # The worker's one control is in the worker's language, marked so.
    leave = shown.one("[data-testid=family-mode-leave]")
    assert (leave["lang"], leave.text) == ("en", "Back to the caseworker")
    # Showing the family is in the family's trail: who turned it on, and what was shown.
    assert "family_mode_on" in purposes(session, "update")
    assert "family_mode" in purposes(session, "read")


# --- leaving takes the worker's own sign-in ---------------------------------------------------


def leave_with(browser: PageClient, **form: Any) -> Any:
    return browser.submit(LEAVE, LEAVE, form)


def test_leaving_takes_the_workers_own_password_and_returns_where_they_were(
    session: Session, settings: Settings, signed_in: SignedIn
) -> None:
    world = build_world(session, settings)
    world.same_unit.password_hash = hash_password(OTHER_PASSWORD)
    session.commit()
    browser = signed_in(world.lead)
    came_from = turn_on(browser, world)

    wrong = leave_with(browser, password="not the password")
    someone_else = leave_with(browser, password=OTHER_PASSWORD)

    for refused in (wrong, someone_else):
        assert refused.status_code == 401
        assert page(refused).one("#leave-error")
    assert in_family_mode(session, world)
    staff_page = browser.get(f"/families/{world.family.id}", follow_redirects=False)
    assert staff_page.headers["location"] == VIEW
    assert purposes(session, "login_failed")[-2:] == ["family_mode_leave:password"] * 2

    right = leave_with(browser, password=PASSWORD)

    assert right.status_code == 303
    assert right.headers["location"] == came_from
    assert not in_family_mode(session, world)
    assert browser.get(came_from).status_code == 200
    assert purposes(session, "update")[-1] == "family_mode_off"
    # Not in family mode, its pages send the worker home.
    assert browser.get(VIEW, follow_redirects=False).headers["location"] == "/"


def test_guessing_the_password_is_throttled_like_signing_in(
    session: Session, settings: Settings, signed_in: SignedIn
) -> None:
    world = build_world(session, settings)
    browser = signed_in(world.lead)
    turn_on(browser, world)

    answers = [
        leave_with(browser, password=f"guess {n}").status_code
        for n in range(settings.login_max_failures)
    ]
    # The wait after the limit doubles with each failure from a second on: on a busy machine
    # one argon2 check can outlast the first, never the wait after a few more.
    for n in range(4):
        answers.append(leave_with(browser, password=f"more {n}").status_code)
        if answers[-1] == 429:
            break

    assert answers[-1] == 429
    assert set(answers[:-1]) == {401}
    assert len(answers) > settings.login_max_failures
    assert in_family_mode(session, world)


def test_signing_out_ends_family_mode_and_the_next_sign_in_shows_no_family(
    client: TestClient, session: Session, settings: Settings, signed_in: SignedIn
) -> None:
    world = build_world(session, settings)
    browser = signed_in(world.lead)
    turn_on(browser, world)

    out = browser.post_form("/logout")

    assert out.status_code == 303
    assert out.headers["location"] == "/login"
    assert browser.get(VIEW, follow_redirects=False).headers["location"].startswith("/login")
    # Someone else signs in on the tablet: a session of their own, in no family mode, and the
    # family is not theirs to see.
    browser.sign_in(world.other_unit.username)
    assert browser.get(VIEW, follow_redirects=False).headers["location"] == "/"
    home = browser.get("/")
    assert home.status_code == 200
    assert "Familien Test" not in home.text


@pytest.mark.parametrize("persona", ["other_unit", "consented"])
def test_only_the_plan_leads_side_can_show_a_family(
    persona: str, session: Session, settings: Settings, signed_in: SignedIn
) -> None:
    world = build_world(session, settings)
    browser = signed_in(getattr(world, persona))

    response = browser.post_form(f"/families/{world.family.id}/family-mode", {"next": "/"})

    assert response.status_code == 404
    assert browser.get("/").status_code == 200


def test_a_worker_with_a_second_factor_leaves_with_the_password_and_a_code(
    session: Session, settings: Settings, signed_in: SignedIn
) -> None:
    world = build_world(session, settings)
    browser = signed_in(world.lead)
    secret = pyotp.random_base32()
    world.lead.totp_secret_encrypted = data_keys(settings).encrypt(secret)
    world.lead.totp_enrolled_at = utcnow()
    session.commit()
    came_from = turn_on(browser, world)
    assert page(browser.get(LEAVE)).one("#leave-code")

    without = leave_with(browser, password=PASSWORD, code="000000")

    assert without.status_code == 401
    assert in_family_mode(session, world)
    assert purposes(session, "login_failed")[-1] == "family_mode_leave:code"

    right = leave_with(browser, password=PASSWORD, code=pyotp.TOTP(secret).now())

    assert right.status_code == 303
    assert right.headers["location"] == came_from
    assert not in_family_mode(session, world)


def test_the_idle_timeout_still_ends_a_session_in_family_mode(
    session: Session, settings: Settings, signed_in: SignedIn
) -> None:
    world = build_world(session, settings)
    browser = signed_in(world.lead)
    turn_on(browser, world)
    idle_since = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == world.lead.id, ApiToken.kind == "session")
        .values(last_seen_at=idle_since)
    )
    session.commit()

    view = browser.get(VIEW, follow_redirects=False)

    assert view.status_code == 303
    assert view.headers["location"] == f"/login?next={VIEW}"

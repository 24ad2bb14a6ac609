"""The authorization matrix of DESIGN §4 for the browser: every HTML page × every persona.

The pages follow the same rules as the API, so a page's row names one of the API matrix's kinds
and the expected status comes from that matrix's rule table (tests/access/test_matrix.py):
a page that answered differently from its endpoint would fail here. What differs in the
browser: without a session a page redirects to sign-in (303 to /login?next=<path>; for htmx
401 with HX-Redirect), and success is a page (200) or a redirect after a form (303). Forms are
sent with a valid CSRF token, so a refusal comes from the access rules and not from the CSRF
check; every row's ``check`` then asserts what is stored, so a refused form changed nothing.

A page route without a row fails ``test_every_page_is_in_the_matrix``.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.access.scope import scope_for
from app.accounts import service as account_service
from app.actions import service as action_service
from app.actions.schemas import ActionCreate, Responsible
from app.barriers import service as barrier_service
from app.barriers.schemas import BarrierCreate
from app.config import Settings
from app.db import utcnow
from app.kit.crypto import data_keys
from app.kit.i18n import local_today
from app.members import service as member_service
from app.members import sessions as member_sessions
from app.members.schemas import MemberCreate
from app.models import (
    Action,
    ApiToken,
    Barrier,
    Canvas,
    CanvasDomain,
    Consent,
    Family,
    Goal,
    Need,
    NotificationSetting,
    Plan,
    PlanReview,
    Reading,
    Referral,
    User,
)
from app.models.enums import MemberRelation, ResponsibleKind, Role
from tests.access.test_matrix import FAMILY_MEMBER, PERSONA, Kind, Side, expected_status
from tests.canvases import matrix_checks as goal_checks
from tests.conftest import savepoint_factory
from tests.corrections import matrix_checks as correction_checks
from tests.factories import (
    PASSWORD,
    PERSONAS,
    World,
    actor_of,
    build_world,
    build_world_once,
    make_family,
    make_user,
    world_for_cell,
)
from tests.family.door import family_session_of
from tests.html import page as read_page
from tests.members import matrix_checks as member_checks
from tests.members.numbers import fodselsnummer
from tests.pages import PageClient

Form = Mapping[str, str | Sequence[str]]


# --- one cell -------------------------------------------------------------------------------


@dataclass
class PageCall:
    """One cell of the matrix after its request was sent."""

    client: TestClient
    session: Session
    world: World
    persona: str
    response: httpx2.Response
    allowed: bool

    def stored(self, statement: Any) -> Any:
        """A fresh look at the database: what the request left behind."""
        self.session.expire_all()
        return self.session.scalars(statement).all()


Check = Callable[[PageCall], None]


def _no_check(_call: PageCall) -> None:
    return None


def _no_form(_world: World) -> Form | None:
    return None


def _no_json(_world: World) -> dict[str, Any] | None:
    return None


def _no_query(_world: World) -> dict[str, str]:
    return {}


def _no_setup(_session: Session, _world: World) -> dict[str, uuid.UUID | str]:
    return {}


class PageRule(enum.Enum):
    """Rules only pages have; every other page follows an API kind of the rule table."""

    public = "no sign-in needed"
    home = "the start page: coordinators go on to their reports, the others see their families"
    barriers = "the barrier register: caseworkers (their own) and coordinators (all)"
    admin = "the users and their link to the identity provider: admins only (403 for others)"
    provider = (
        "signing in through the OpenID Connect provider: no sign-in needed, and not there (404)"
        " for anyone where no provider is configured, as in this matrix's app; with a provider,"
        " tests/accounts/test_oidc.py runs them against a real one"
    )
    second_factor = (
        "the code after a right password where a second factor is required: only with the"
        " signed half-way cookie that password gives, never with a session; without it, as for"
        " every persona here, 303 back to /login; tests/accounts/test_totp.py runs them with it"
    )

    family_door = (
        "the family's own pages (DESIGN §12): a family session only, of the family's own;"
        " everyone else, staff sessions included, is sent to the family's sign-in (303)"
    )
    family_mode = (
        "the tablet's family mode (DESIGN §12): only a staff session in family mode; no"
        " persona here is in it, so staff are sent home (303 to /) and no one else has signed"
        " in (303 to /login); tests/family_mode runs them in family mode"
    )
    idporten = (
        "signing in through ID-porten: not there (404) for anyone where ID-porten is not"
        " configured, as in this matrix's app; tests/family runs them against a real provider"
    )


PUBLIC = PageRule.public
Rule = Kind | PageRule


@dataclass(frozen=True)
class Page:
    method: str
    path: str  # exactly as the route declares it
    kind: Rule
    ids: Callable[[World], dict[str, uuid.UUID | str]]
    success: int = 200
    form: Callable[[World], Form | None] = _no_form
    json: Callable[[World], dict[str, Any] | None] = _no_json
    query: Callable[[World], dict[str, str]] = _no_query
    # Records the world does not hold, made before the request; their ids join ``ids``.
    setup: Callable[[Session, World], dict[str, uuid.UUID | str]] = _no_setup
    check: Check = _no_check

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    def url(self, ids: Mapping[str, uuid.UUID | str]) -> str:
        return self.path.format(**{name: str(value) for name, value in ids.items()})

    def send(
        self,
        browser: PageClient,
        world: World,
        ids: Mapping[str, uuid.UUID | str],
        headers: Mapping[str, str] | None = None,
    ) -> httpx2.Response:
        """The request as the page's form, link or script sends it, with the CSRF token."""
        form = self.form(world)
        return browser.http.request(
            self.method,
            self.url(ids),
            params=self.query(world),
            data={**form, "csrftoken": browser.csrf_token} if form is not None else None,
            json=self.json(world),
            headers={"x-csrftoken": browser.csrf_token, **(headers or {})},
            follow_redirects=False,
        )


def sign_in_as(client: TestClient, session: Session, world: World, persona: str) -> PageClient:
    if persona == FAMILY_MEMBER:
        client.cookies.set("duk_family", family_session_of(session, world))
        return PageClient(client)
    return _staff_sign_in_as(client, session, world, persona)


def _staff_sign_in_as(
    client: TestClient, session: Session, world: World, persona: str
) -> PageClient:
    """``client`` as the persona's browser: a session as /login would make it, without the
    password check (the ``signed_in`` fixture goes through the login form, which costs a
    tenth of a second of argon2 in each of this matrix's some 600 cells; signing in itself
    is tested in tests/accounts)."""
    if persona != "anonymous":
        user = getattr(world, persona)
        secret, token = account_service.issue_token(session, user, world.settings, kind="session")
        token.last_seen_at = utcnow()
        session.commit()
        client.cookies.set("duk_session", secret)
    return PageClient(client)


def expected_page_status(page: Page, persona: str) -> int:
    """The API's rule for the page's kind; without a session, the way to sign in (303)."""
    who = PERSONA[persona]
    match page.kind:
        case PageRule.public:
            return page.success
        case PageRule.provider | PageRule.idporten:
            return 404
        case PageRule.family_door:
            return page.success if persona == FAMILY_MEMBER else 303
        case PageRule.second_factor | PageRule.family_mode:
            return 303
        case _ if who.role is None:
            return 303
        case PageRule.home:
            return 303 if who.role is Role.coordinator else page.success
        case PageRule.barriers:
            return page.success if who.role in (Role.caseworker, Role.coordinator) else 403
        case PageRule.admin:
            return page.success if who.role is Role.admin else 403
        case Kind() as kind:
            return expected_status(kind, who, page.success)


# --- what each cell leaves behind -------------------------------------------------------------


def _family(w: World) -> dict[str, uuid.UUID | str]:
    return {"family_id": w.family.id}


def _canvas(w: World) -> dict[str, uuid.UUID | str]:
    return {"canvas_id": w.canvas.id}


def _need(w: World) -> dict[str, uuid.UUID | str]:
    return {"need_id": w.need.id}


def _plan(w: World) -> dict[str, uuid.UUID | str]:
    return {"plan_id": w.plan.id}


def _none(_w: World) -> dict[str, uuid.UUID | str]:
    return {}


def _main(html: str) -> str:
    match = re.search(r"<main\b.*</main>", html, re.DOTALL)
    assert match, "the page has no <main>"
    return match.group(0)


def check_sees_family_name(call: PageCall) -> None:
    if call.allowed:
        assert "Familien Test" in read_page(call.response).one("main").text


def check_home(call: PageCall) -> None:
    if not call.allowed:
        return
    if PERSONA[call.persona].role is Role.coordinator:
        assert call.response.headers["location"] == "/reports"
        return
    sees = PERSONA[call.persona].side is not Side.none
    assert ("Familien Test" in call.response.text) is sees


def check_family_home(call: PageCall) -> None:
    if call.allowed:
        assert read_page(call.response).one(".who").text == "Mor Test"
        assert "Vi trenger større bolig." in call.response.text


def a_family_action(session: Session, world: World) -> dict[str, uuid.UUID | str]:
    """One of the family's own actions (the world's action is unit B's)."""
    lead = actor_of(session, world.lead)
    action = action_service.add_action(
        session,
        lead,
        scope_for(session, lead, world.family),
        world.canvas,
        ActionCreate(
            text=FAMILY_ACTION,
            responsible=Responsible(kind=ResponsibleKind.family, member="Mor"),
            due=local_today() + timedelta(days=10),
            need_ids=[world.need.id],
        ),
    )
    session.commit()
    return {"action_id": action.id}


FAMILY_ACTION = "Mor søker bostøtte."


def check_family_action_done(call: PageCall) -> None:
    [action] = call.stored(select(Action).where(Action.text == FAMILY_ACTION))
    assert (action.status.value == "done") is call.allowed


def check_family_trail(call: PageCall) -> None:
    if call.allowed:
        # The world's plan lead's unit has been at the family's data.
        assert "NAV Test" in read_page(call.response).one(".trail-summary").text


def check_family_approved(call: PageCall) -> None:
    [plan] = call.stored(select(Plan).where(Plan.id == call.world.plan.id))
    expected = call.world.mother.id if call.allowed else None
    assert plan.family_approved_by_member_id == expected


def check_family_withdrew(call: PageCall) -> None:
    [consent] = call.stored(select(Consent).where(Consent.id == call.world.consent_b_id))
    assert (consent.withdrawn_at is not None) is call.allowed


def check_family_signed_out(call: PageCall) -> None:
    if call.allowed:
        assert call.response.headers["location"] == "/familie/auth/logout"
        assert call.client.get("/familie/", follow_redirects=False).status_code == 303


def check_family_not_switched(call: PageCall) -> None:
    """A member of one family has no other to change to: still signed in, at home."""
    if call.allowed:
        assert call.response.headers["location"] == "/familie/"
        assert call.client.get("/familie/", follow_redirects=False).status_code == 200


def check_signed_in(call: PageCall) -> None:
    assert call.response.headers["location"] == "/"
    assert call.client.get("/", follow_redirects=False).status_code == 200


def check_logout(call: PageCall) -> None:
    if call.allowed:
        assert call.response.headers["location"] == "/login"
        assert call.client.get("/", follow_redirects=False).status_code == 303


def check_family_mode_on(call: PageCall) -> None:
    """The persona's session is in family mode for the family exactly when let in."""
    shown = call.stored(select(ApiToken.family_mode_family_id).where(ApiToken.kind == "session"))
    assert (call.world.family.id in shown) is call.allowed
    if call.allowed:
        assert call.response.headers["location"] == "/family-mode"


def check_not_in_family_mode(call: PageCall) -> None:
    """A staff session in no family mode is sent home from the family-mode pages."""
    if call.allowed:
        assert call.response.headers["location"] == "/"


def check_back_to_login(call: PageCall) -> None:
    assert call.response.headers["location"] == "/login"
    assert call.response.cookies.get("duk_session") is None


def check_user_list(call: PageCall) -> None:
    if call.allowed:
        assert call.world.lead.username in call.response.text


def check_link_subject(call: PageCall) -> None:
    linked = call.stored(select(User.oidc_subject).where(User.id == call.world.lead.id))
    assert linked == (["matrix-sub"] if call.allowed else [None])


def a_linked_user(session: Session, world: World) -> dict[str, uuid.UUID | str]:
    user = session.get_one(User, world.same_unit.id)
    user.oidc_subject = "linked-sub"
    session.commit()
    return {}


def check_unlink_subject(call: PageCall) -> None:
    linked = call.stored(select(User.oidc_subject).where(User.id == call.world.same_unit.id))
    assert linked == ([None] if call.allowed else ["linked-sub"])


def an_enrolled_user(session: Session, world: World) -> dict[str, uuid.UUID | str]:
    user = session.get_one(User, world.other_unit.id)
    user.totp_secret_encrypted = data_keys(world.settings).encrypt("A" * 32)
    user.totp_enrolled_at = utcnow()
    session.commit()
    return {}


def check_reset_totp(call: PageCall) -> None:
    enrolled = call.stored(
        select(User.totp_enrolled_at.is_not(None)).where(User.id == call.world.other_unit.id)
    )
    assert enrolled == [not call.allowed]


def check_form_token(call: PageCall) -> None:
    if call.allowed:
        assert call.response.json() == {"csrf_token": call.client.cookies["csrftoken"]}
        assert call.response.headers["cache-control"] == "no-store"


def check_language(call: PageCall) -> None:
    assert call.response.cookies.get("duk_lang") == "en"


def check_create_family(call: PageCall) -> None:
    made = call.stored(select(Family.id).where(Family.display_name == "Familien Ny"))
    assert len(made) == (1 if call.allowed else 0)
    if call.allowed:
        assert call.response.headers["location"] == f"/families/{made[0]}"


def _count(call: PageCall, model: Any) -> int:
    counted: list[int] = call.stored(
        select(func.count()).select_from(model).where(model.family_id == call.world.family.id)
    )
    return counted[0]


def check_start_canvas(call: PageCall) -> None:
    assert _count(call, Canvas) == (2 if call.allowed else 1)


def _canvas_row(call: PageCall) -> Canvas:
    [canvas] = call.stored(select(Canvas).where(Canvas.id == call.world.canvas.id))
    assert isinstance(canvas, Canvas)
    return canvas


def check_participants(call: PageCall) -> None:
    names = [p["name"] for p in _canvas_row(call).participants]
    assert ("Morfar" in names) is call.allowed


NEXT_REVIEW = local_today() + timedelta(days=45)


def check_period(call: PageCall) -> None:
    assert (_canvas_row(call).next_review_date == NEXT_REVIEW) is call.allowed


def check_domain(call: PageCall) -> None:
    [situation] = call.stored(
        select(CanvasDomain.situation).where(
            CanvasDomain.canvas_id == call.world.canvas.id, CanvasDomain.domain_key == "bolig"
        )
    )
    assert (situation == "Vi har fått større bolig.") is call.allowed


def check_autosave(call: PageCall) -> None:
    assert (_canvas_row(call).what_matters == "Ro i hverdagen.") is call.allowed


def added(column: Any, value: str) -> Check:
    """A form that adds a record to the family's case (a need, a goal ...): afterwards the
    family has one whose ``column`` is ``value`` only if the form was let through."""

    def check(call: PageCall) -> None:
        model = column.class_
        stored = call.stored(select(column).where(model.family_id == call.world.family.id))
        assert (value in stored) is call.allowed

    return check


def status_is(model: Any, record: Callable[[World], Any], allowed: str, refused: str) -> Check:
    """A form that changes a record's status: afterwards it is ``allowed`` if the form was
    let through, else still ``refused``."""

    def check(call: PageCall) -> None:
        [status] = call.stored(select(model.status).where(model.id == record(call.world).id))
        assert status.value == (allowed if call.allowed else refused)

    return check


check_add_need = added(Need.text, "Vi har gjeld.")
check_add_referral = added(Referral.external_service_name, "Leksehjelp på biblioteket")
check_add_goal = added(Goal.text, "Egen hage.")
check_add_action = added(Action.text, "Mor søker bostøtte.")
check_referral_status = status_is(Referral, lambda w: w.referral, "accepted", "sent")
check_action_status = status_is(Action, lambda w: w.action, "in_progress", "planned")


def check_submit_plan(call: PageCall) -> None:
    assert _count(call, Plan) == (2 if call.allowed else 1)


def check_pdf(call: PageCall) -> None:
    if call.allowed:
        assert call.response.headers["content-type"] == "application/pdf"
        assert call.response.content.startswith(b"%PDF")


def check_add_consent(call: PageCall) -> None:
    given = call.stored(
        select(Consent.unit_id).where(
            Consent.family_id == call.world.family.id, Consent.withdrawn_at.is_(None)
        )
    )
    assert (call.world.unit_c.id in given) is call.allowed
    assert (call.world.unit_d.id in given) is call.allowed


def check_withdraw_consent(call: PageCall) -> None:
    [withdrawn_at] = call.stored(
        select(Consent.withdrawn_at).where(Consent.id == call.world.consent_b_id)
    )
    assert (withdrawn_at is not None) is call.allowed


def check_handover(call: PageCall) -> None:
    [lead] = call.stored(select(Family.plan_lead_id).where(Family.id == call.world.family.id))
    assert lead == (call.world.same_unit.id if call.allowed else call.world.lead.id)


def check_erase(call: PageCall) -> None:
    left = call.stored(select(Family.id).where(Family.id == call.world.family.id))
    assert (left == []) is call.allowed


def _plan_row(call: PageCall) -> Plan:
    [plan] = call.stored(select(Plan).where(Plan.id == call.world.plan.id))
    assert isinstance(plan, Plan)
    return plan


def check_family_approval(call: PageCall) -> None:
    assert (_plan_row(call).family_approved_by == "Mor") is call.allowed


def check_close_plan(call: PageCall) -> None:
    assert _plan_row(call).status.value == ("closed" if call.allowed else "in_review")


def check_review(call: PageCall) -> None:
    [status] = call.stored(
        select(PlanReview.status).where(
            PlanReview.plan_id == call.world.plan.id, PlanReview.unit_id == call.world.unit_b.id
        )
    )
    assert status.value == ("approved" if call.allowed else "pending")


def check_review_queue(call: PageCall) -> None:
    if call.allowed:
        # Only unit B is asked to review the world's plan.
        assert ("Familien Test" in call.response.text) is (call.persona == "consented")


def check_inbox_seen(call: PageCall) -> None:
    if call.allowed:
        user = getattr(call.world, call.persona)
        [seen] = call.stored(select(User.inbox_seen_at).where(User.id == user.id))
        assert seen is not None


def check_notification_settings(call: PageCall) -> None:
    """The caller's own choice is saved, and nobody else's."""
    if call.allowed:
        user = getattr(call.world, call.persona)
        assert call.stored(select(NotificationSetting.user_id)) == [user.id]
        [email] = call.stored(
            select(NotificationSetting.email).where(NotificationSetting.user_id == user.id)
        )
        assert email == "me@duk.test"


READING_NOTE = "Mor: Det er roligere hjemme nå som vi har fått svar fra Husbanken."


def reading_form(_world: World) -> Form:
    """A follow-up two days ago that moves the next review 60 days on, worked out when the
    cell runs (a run that crosses midnight must not send yesterday's dates)."""
    today = local_today()
    return {
        "taken_on": (today - timedelta(days=2)).isoformat(),
        "family-bolig": "5",
        "worker-bolig": "4",
        "note": READING_NOTE,
        "next_review_date": (today + timedelta(days=60)).isoformat(),
    }


def check_add_reading(call: PageCall) -> None:
    """The reading, its note and the canvas's next review are stored together, or none."""
    stored = call.stored(
        select(Reading.next_review_date).where(
            Reading.family_id == call.world.family.id, Reading.note == READING_NOTE
        )
    )
    assert len(stored) == (1 if call.allowed else 0)
    moved = _canvas_row(call).next_review_date
    assert moved is not None
    if call.allowed:
        assert moved == stored[0]
    else:  # still the world's, a month on; the form's was two
        assert moved < local_today() + timedelta(days=45)


BARRIER_TEXT = "Bostøtten regnes av brutto inntekt, så husholdninger med gjeld faller utenfor."


def check_record_barrier(call: PageCall) -> None:
    made = call.stored(select(Barrier.id).where(Barrier.text == BARRIER_TEXT))
    assert len(made) == (1 if call.allowed else 0)


def a_pending_barrier(session: Session, world: World) -> dict[str, uuid.UUID | str]:
    barrier = barrier_service.record_barrier(
        session,
        actor_of(session, world.lead),
        BarrierCreate.model_validate(
            {
                "category": "regulation",
                "domain": "bolig",
                "responsible_level": "national",
                "text": BARRIER_TEXT,
            }
        ),
    )
    session.commit()
    return {"barrier_id": barrier.id}


def check_decide_barrier(call: PageCall) -> None:
    [status] = call.stored(select(Barrier.status).where(Barrier.text == BARRIER_TEXT))
    assert status.value == ("approved" if call.allowed else "pending")


# --- the pages ------------------------------------------------------------------------------

PAGES = (
    # signing in and out, the language of the pages
    Page("GET", "/login", PUBLIC, _none),
    Page(
        "POST",
        "/login",
        PUBLIC,
        _none,
        303,
        form=lambda w: {"username": w.lead.username, "password": PASSWORD, "next": "/"},
        check=check_signed_in,
    ),
    Page("POST", "/logout", Kind.signed_in, _none, 303, form=lambda _w: {}, check=check_logout),
    # a fresh CSRF token for a form that waited while its user was signed out
    Page("GET", "/form-token", Kind.signed_in, _none, check=check_form_token),
    Page("GET", "/auth/oidc/login", PageRule.provider, _none),
    # the second factor after a password (TOTP, DESIGN §11)
    Page("GET", "/login/enrol", PageRule.second_factor, _none, 303, check=check_back_to_login),
    Page(
        "POST",
        "/login/enrol",
        PageRule.second_factor,
        _none,
        303,
        form=lambda _w: {"code": "123456"},
        check=check_back_to_login,
    ),
    Page("GET", "/login/code", PageRule.second_factor, _none, 303, check=check_back_to_login),
    Page(
        "POST",
        "/login/code",
        PageRule.second_factor,
        _none,
        303,
        form=lambda _w: {"code": "123456"},
        check=check_back_to_login,
    ),
    Page("GET", "/auth/oidc/callback", PageRule.provider, _none),
    Page("GET", "/auth/oidc/logout", PageRule.provider, _none),
    # the administrator's users: linking them to the identity provider's subject
    Page("GET", "/admin/users", PageRule.admin, _none, check=check_user_list),
    Page(
        "POST",
        "/admin/users/{user_id}/oidc-subject",
        PageRule.admin,
        lambda w: {"user_id": w.lead.id},
        303,
        form=lambda _w: {"oidc_subject": "matrix-sub"},
        check=check_link_subject,
    ),
    Page(
        "POST",
        "/admin/users/{user_id}/oidc-subject/unlink",
        PageRule.admin,
        lambda w: {"user_id": w.same_unit.id},
        303,
        form=lambda _w: {"confirm": "yes"},
        setup=a_linked_user,
        check=check_unlink_subject,
    ),
    Page(
        "POST",
        "/admin/users/{user_id}/totp/reset",
        PageRule.admin,
        lambda w: {"user_id": w.other_unit.id},
        303,
        form=lambda _w: {"confirm_reset": "yes"},
        setup=an_enrolled_user,
        check=check_reset_totp,
    ),
    Page(
        "POST",
        "/language",
        PUBLIC,
        _none,
        303,
        form=lambda _w: {"language": "en", "next": "/"},
        check=check_language,
    ),
    # the caseworker's home and the family
    Page("GET", "/", PageRule.home, _none, check=check_home),
    Page(
        "POST",
        "/families",
        Kind.create_family,
        _none,
        303,
        form=lambda _w: {
            "display_name": "Familien Ny",
            "municipality_code": "3107",
            "language": "nb",
            "adults": "1",
            "children_birth_years": "2016",
        },
        check=check_create_family,
    ),
    Page("GET", "/families/{family_id}", Kind.family_read, _family, check=check_sees_family_name),
    # The world's duk is in progress: the question comes first, and the answer makes one.
    Page("GET", "/families/{family_id}/canvases/new", Kind.case, _family),
    Page(
        "POST",
        "/families/{family_id}/canvases",
        Kind.case,
        _family,
        303,
        form=lambda _w: {"confirm": "yes"},
        check=check_start_canvas,
    ),
    # --- family members (issue 15): the lead side's, like the live case ---
    Page("GET", "/families/{family_id}/members/new", Kind.case, _family),
    Page(
        "POST",
        "/families/{family_id}/members",
        Kind.case,
        _family,
        303,
        form=member_checks.new_member_form,
        check=member_checks.check_page_add,
    ),
    Page("GET", "/members/{member_id}/edit", Kind.case, member_checks.page_member),
    Page(
        "POST",
        "/members/{member_id}",
        Kind.case,
        member_checks.page_member,
        303,
        form=member_checks.member_form,
        check=member_checks.check_page_update,
    ),
    Page(
        "POST",
        "/members/{member_id}/remove",
        Kind.case,
        member_checks.page_member,
        303,
        form=lambda _w: {"confirm": "yes"},
        check=member_checks.check_page_remove,
    ),
    # --- family side: consents, audit, timeline, handover, erasure (issue 4): rows below ---
    # The plan lead's side only, in the browser as in the API. Handover and erasure are
    # lead-side pages too: the admin's way to them is the API (they show the family).
    Page(
        "GET",
        "/families/{family_id}/messages",
        Kind.case,
        _none,
        setup=member_checks.a_message,
        check=member_checks.check_message_shown,
    ),
    Page(
        "POST",
        "/families/{family_id}/messages/{message_id}/read",
        Kind.case,
        _none,
        303,
        form=lambda _w: {},
        setup=member_checks.a_message,
        check=member_checks.check_message_read,
    ),
    Page("GET", "/families/{family_id}/consents", Kind.case, _family),
    Page(
        "POST",
        "/families/{family_id}/consents",
        Kind.case,
        _family,
        303,
        # the consents as the family agreed to them, after it read the statement
        form=lambda w: {
            "unit_ids": [str(w.unit_c.id), str(w.unit_d.id)],
            "given_by": "Mor",
            "confirm": "yes",
        },
        check=check_add_consent,
    ),
    # the question before withdrawing (the page's script asks it in a dialog)
    Page(
        "GET",
        "/families/{family_id}/consents/{consent_id}/withdraw",
        Kind.case,
        lambda w: {"family_id": w.family.id, "consent_id": w.consent_b_id},
    ),
    Page(
        "POST",
        "/families/{family_id}/consents/{consent_id}/withdraw",
        Kind.case,
        lambda w: {"family_id": w.family.id, "consent_id": w.consent_b_id},
        303,
        form=lambda _w: {"confirm": "yes"},
        check=check_withdraw_consent,
    ),
    Page(
        "GET",
        "/families/{family_id}/consents/statement",
        Kind.case,
        _family,
        query=lambda w: {"unit": str(w.unit_c.id)},
    ),
    Page(
        "GET",
        "/families/{family_id}/consents/{consent_id}/statement",
        Kind.case,
        lambda w: {"family_id": w.family.id, "consent_id": w.consent_b_id},
    ),
    Page("GET", "/families/{family_id}/audit", Kind.lead_read, _family),
    Page("GET", "/families/{family_id}/audit/print", Kind.lead_read, _family),
    Page("GET", "/families/{family_id}/timeline", Kind.case, _family),
    Page("GET", "/families/{family_id}/handover", Kind.lead_read, _family),
    Page(
        "POST",
        "/families/{family_id}/handover",
        Kind.lead_edit,
        _family,
        303,
        form=lambda w: {
            "lead": f"{w.same_unit.id}/{w.unit_a.id}",
            "version": str(w.family.version),
        },
        check=check_handover,
    ),
    Page("GET", "/families/{family_id}/erase", Kind.lead_read, _family),
    Page(
        "POST",
        "/families/{family_id}/erase",
        Kind.lead_edit,
        _family,
        303,
        form=lambda _w: {"reason": "family_request", "confirm": "yes"},
        check=check_erase,
    ),
    # the canvas
    Page("GET", "/canvases/{canvas_id}", Kind.case, _canvas, check=check_sees_family_name),
    Page(
        "POST",
        "/canvases/{canvas_id}/participants",
        Kind.case,
        _canvas,
        303,
        form=lambda w: {
            "version": str(w.canvas.version),
            "name": ["Mor", "Veileder", "Morfar"],
            "role": ["family_member", "plan_lead", "family_member"],
            "origin": ["saved", "saved", "new"],
        },
        check=check_participants,
    ),
    Page(
        "POST",
        "/canvases/{canvas_id}/period",
        Kind.case,
        _canvas,
        303,
        form=lambda w: {
            "version": str(w.canvas.version),
            "period_from": local_today().isoformat(),
            "period_to": (local_today() + timedelta(days=90)).isoformat(),
            "next_review": NEXT_REVIEW.isoformat(),
        },
        check=check_period,
    ),
    Page(
        "GET",
        "/canvases/{canvas_id}/domains/{domain_key}",
        Kind.case,
        lambda w: {"canvas_id": w.canvas.id, "domain_key": "bolig"},
    ),
    Page(
        "POST",
        "/canvases/{canvas_id}/domains/{domain_key}",
        Kind.case,
        lambda w: {"canvas_id": w.canvas.id, "domain_key": "bolig"},
        303,
        form=lambda w: {
            "version": str(w.canvas.version),
            "situation": "Vi har fått større bolig.",
            "base_situation": "Vi bor trangt.",
            "family_score": "3",
            "base_family_score": "3",
            "strengths": "Vi holder sammen.",
            "base_strengths": "Vi holder sammen.",
        },
        check=check_domain,
    ),
    Page(
        "PATCH",
        "/canvases/{canvas_id}/autosave",
        Kind.case,
        _canvas,
        json=lambda w: {
            "version": w.canvas.version,
            "field": "centre.what_matters",
            "value": "Ro i hverdagen.",
        },
        check=check_autosave,
    ),
    # needs, services, goals, actions
    Page("GET", "/canvases/{canvas_id}/needs", Kind.case, _canvas),
    Page(
        "GET",
        "/canvases/{canvas_id}/needs/indicators",
        Kind.case,
        _canvas,
        query=lambda _w: {"domain": "bolig"},
    ),
    Page(
        "POST",
        "/canvases/{canvas_id}/needs",
        Kind.case,
        _canvas,
        303,
        form=lambda _w: {"domain": "okonomi", "text": "Vi har gjeld.", "priority": "2"},
        check=check_add_need,
    ),
    Page("GET", "/needs/{need_id}/suggestions", Kind.case, _need),
    Page(
        "POST",
        "/needs/{need_id}/referrals",
        Kind.case,
        _need,
        303,
        form=lambda _w: {"external_service_name": "Leksehjelp på biblioteket"},
        check=check_add_referral,
    ),
    Page(
        "POST",
        "/referrals/{referral_id}/status",
        Kind.case,
        lambda w: {"referral_id": w.referral.id},
        303,
        form=lambda w: {"status": "accepted", "version": str(w.referral.version)},
        check=check_referral_status,
    ),
    Page("GET", "/canvases/{canvas_id}/goals", Kind.case, _canvas),
    Page(
        "POST",
        "/canvases/{canvas_id}/goals",
        Kind.case,
        _canvas,
        303,
        form=lambda _w: {"horizon": "dream", "text": "Egen hage.", "domains": ["bolig"]},
        check=check_add_goal,
    ),
    Page(
        "POST",
        "/goals/{goal_id}/progress",
        Kind.case,
        goal_checks.page_goal_ids,
        303,
        form=goal_checks.progress_form,
        check=goal_checks.check_goal_progress,
    ),
    Page("GET", "/canvases/{canvas_id}/actions", Kind.case, _canvas),
    Page(
        "POST",
        "/canvases/{canvas_id}/actions",
        Kind.case,
        _canvas,
        303,
        form=lambda w: {
            "text": "Mor søker bostøtte.",
            "kind": "family",
            "member": "Mor",
            "due": (local_today() + timedelta(days=7)).isoformat(),
            "need_ids": [str(w.need.id)],
        },
        check=check_add_action,
    ),
    Page(
        "POST",
        "/actions/{action_id}/status",
        Kind.case,
        lambda w: {"action_id": w.action.id},
        303,
        form=lambda w: {"status": "in_progress", "version": str(w.action.version)},
        check=check_action_status,
    ),
    # --- corrections (issue 13): the live case's, the lead side's only ---
    Page("GET", "/needs/{need_id}/correct", Kind.case, correction_checks.page_need),
    Page(
        "POST",
        "/needs/{need_id}/correct",
        Kind.case,
        correction_checks.page_need,
        303,
        form=correction_checks.need_form,
        check=correction_checks.check_need_corrected,
    ),
    Page("GET", "/needs/{need_id}/entered-in-error", Kind.case, correction_checks.page_need),
    Page(
        "POST",
        "/needs/{need_id}/entered-in-error",
        Kind.case,
        correction_checks.page_need,
        303,
        form=lambda w: correction_checks.error_form(w, "need"),
        check=correction_checks.check_need_in_error,
    ),
    Page("GET", "/referrals/{referral_id}/correct", Kind.case, correction_checks.page_referral),
    Page(
        "POST",
        "/referrals/{referral_id}/correct",
        Kind.case,
        _none,
        303,
        form=correction_checks.referral_form,
        setup=correction_checks.a_proposed_referral,
        check=correction_checks.check_referral_corrected,
    ),
    Page("GET", "/goals/{goal_id}/correct", Kind.case, correction_checks.page_goal),
    Page(
        "POST",
        "/goals/{goal_id}/correct",
        Kind.case,
        correction_checks.page_goal,
        303,
        form=correction_checks.goal_form,
        check=correction_checks.check_goal_corrected,
    ),
    Page("GET", "/goals/{goal_id}/entered-in-error", Kind.case, correction_checks.page_goal),
    Page(
        "POST",
        "/goals/{goal_id}/entered-in-error",
        Kind.case,
        correction_checks.page_goal,
        303,
        form=lambda w: correction_checks.error_form(w, "goal"),
        check=correction_checks.check_goal_in_error,
    ),
    Page("GET", "/actions/{action_id}/correct", Kind.case, correction_checks.page_action),
    Page(
        "POST",
        "/actions/{action_id}/correct",
        Kind.case,
        correction_checks.page_action,
        303,
        form=correction_checks.action_form,
        check=correction_checks.check_action_corrected,
    ),
    Page("GET", "/actions/{action_id}/entered-in-error", Kind.case, correction_checks.page_action),
    Page(
        "POST",
        "/actions/{action_id}/entered-in-error",
        Kind.case,
        correction_checks.page_action,
        303,
        form=lambda w: correction_checks.error_form(w, "action"),
        check=correction_checks.check_action_in_error,
    ),
    # the plan
    Page("GET", "/canvases/{canvas_id}/plan", Kind.case, _canvas),
    Page(
        "POST",
        "/canvases/{canvas_id}/plans",
        Kind.case,
        _canvas,
        303,
        form=lambda _w: {},
        check=check_submit_plan,
    ),
    Page("GET", "/plans/{plan_id}", Kind.family_read, _plan, check=check_sees_family_name),
    Page("GET", "/plans/{plan_id}/print", Kind.family_read, _plan),
    Page("GET", "/plans/{plan_id}.pdf", Kind.family_read, _plan, check=check_pdf),
    # --- review flow ---
    Page(
        "POST",
        "/plans/{plan_id}/family-approval",
        Kind.lead_edit,
        _plan,
        303,
        form=lambda _w: {"approved_by": "Mor"},
        check=check_family_approval,
    ),
    Page("GET", "/plans/{plan_id}/close", Kind.lead_edit, _plan),
    Page(
        "POST",
        "/plans/{plan_id}/close",
        Kind.lead_edit,
        _plan,
        303,
        form=lambda _w: {"outcome": "family_moved"},
        check=check_close_plan,
    ),
    Page(
        "GET",
        "/plans/{plan_id}/diff",
        Kind.family_read,
        _plan,
        query=lambda w: {"against": str(w.plan.number)},
    ),
    Page("GET", "/review-queue", Kind.review_queue, _none, check=check_review_queue),
    Page("GET", "/plans/{plan_id}/review", Kind.family_read, _plan, check=check_sees_family_name),
    Page(
        "POST",
        "/plans/{plan_id}/reviews",
        Kind.review,
        _plan,
        303,
        form=lambda _w: {"decision": "approved", "comment": "Ser bra ut."},
        check=check_review,
    ),
    Page(
        "POST",
        "/plans/{plan_id}/review/actions/{action_id}/status",
        Kind.assigned_update,
        lambda w: {"plan_id": w.plan.id, "action_id": w.action.id},
        303,
        form=lambda w: {"status": "in_progress", "version": str(w.action.version)},
        check=check_action_status,
    ),
    Page(
        "POST",
        "/plans/{plan_id}/review/referrals/{referral_id}/status",
        Kind.assigned_update,
        lambda w: {"plan_id": w.plan.id, "referral_id": w.referral.id},
        303,
        form=lambda w: {"status": "accepted", "version": str(w.referral.version)},
        check=check_referral_status,
    ),
    # --- inbox ---
    # everyone signed in has an inbox; coordinators and admins an empty one
    Page("GET", "/inbox", Kind.signed_in, _none),
    Page(
        "POST",
        "/inbox/seen",
        Kind.signed_in,
        _none,
        303,
        form=lambda _w: {},
        check=check_inbox_seen,
    ),
    # --- notifications: everyone signed in has their own settings ---
    Page("GET", "/account/notifications", Kind.signed_in, _none),
    Page(
        "POST",
        "/account/notifications",
        Kind.signed_in,
        _none,
        303,
        form=lambda _w: {"channel": "email", "email": "me@duk.test", "language": "en"},
        check=check_notification_settings,
    ),
    # --- readings and barriers ---
    Page("GET", "/families/{family_id}/readings/new", Kind.case, _family),
    Page("GET", "/families/{family_id}/readings", Kind.case, _family),
    Page(
        "POST",
        "/families/{family_id}/readings",
        Kind.case,
        _family,
        303,
        form=reading_form,
        check=check_add_reading,
    ),
    Page("GET", "/barriers", PageRule.barriers, _none),
    Page(
        "POST",
        "/barriers",
        Kind.record_barrier,
        _none,
        303,
        form=lambda _w: {
            "category": "regulation",
            "domain": "bolig",
            "responsible_level": "national",
            "text": BARRIER_TEXT,
        },
        check=check_record_barrier,
    ),
    Page(
        "POST",
        "/barriers/{barrier_id}/decision",
        Kind.coordinator,
        _none,
        303,
        form=lambda _w: {"decision": "approved", "text": BARRIER_TEXT},
        setup=a_pending_barrier,
        check=check_decide_barrier,
    ),
    # --- reports ---
    Page("GET", "/reports", Kind.coordinator, _none),
    Page("GET", "/reports/{name}", Kind.coordinator, lambda _w: {"name": "needs"}),
    Page("GET", "/reports/{name}.csv", Kind.coordinator, lambda _w: {"name": "needs"}),
    Page("GET", "/reports/{name}/print", Kind.coordinator, lambda _w: {"name": "needs"}),
    # --- the family's own pages (issue 15): the family member persona's; for every staff
    # persona they are the family's sign-in, and every staff page is the staff sign-in for
    # the family member (tests/family: another family's, and no family's) ---
    # family mode on the caseworker's tablet (DESIGN §12)
    Page(
        "POST",
        "/families/{family_id}/family-mode",
        Kind.case,
        _family,
        303,
        form=lambda _w: {"next": "/"},
        check=check_family_mode_on,
    ),
    Page("GET", "/family-mode", PageRule.family_mode, _none, check=check_not_in_family_mode),
    Page("GET", "/family-mode/leave", PageRule.family_mode, _none, check=check_not_in_family_mode),
    Page(
        "POST",
        "/family-mode/leave",
        PageRule.family_mode,
        _none,
        303,
        form=lambda _w: {"password": PASSWORD},
        check=check_not_in_family_mode,
    ),
    Page("GET", "/familie/logg-inn", PageRule.idporten, _none),
    Page("GET", "/familie/auth/login", PageRule.idporten, _none),
    Page("GET", "/familie/auth/callback", PageRule.idporten, _none),
    Page("GET", "/familie/auth/logout", PageRule.idporten, _none),
    Page("GET", "/familie/logget-ut", PUBLIC, _none),
    # A person in two families chooses one: only with a sign-in through ID-porten waiting
    # for the choice (tests/family/test_sign_in.py); without ID-porten, not there.
    Page("GET", "/familie/velg-familie", PageRule.idporten, _none),
    Page(
        "POST",
        "/familie/velg-familie",
        PageRule.idporten,
        _none,
        form=lambda w: {"family_id": str(w.family.id)},
    ),
    Page(
        "POST",
        "/familie/bytt-familie",
        PageRule.family_door,
        _none,
        303,
        form=lambda _w: {},
        check=check_family_not_switched,
    ),
    Page("GET", "/familie/", PageRule.family_door, _none, check=check_family_home),
    Page("GET", "/familie/plan/{plan_id}/utskrift", PageRule.family_door, _plan),
    Page("GET", "/familie/plan/{plan_id}/pdf", PageRule.family_door, _plan),
    Page(
        "POST",
        "/familie/plan/{plan_id}/godkjenn",
        PageRule.family_door,
        _plan,
        303,
        form=lambda _w: {"confirm": "yes"},
        check=check_family_approved,
    ),
    Page("GET", "/familie/samtykker", PageRule.family_door, _none),
    Page(
        "GET",
        "/familie/samtykker/ny/{unit_id}",
        PageRule.family_door,
        _none,
        setup=member_checks.consent_b_withdrawn,
    ),
    Page(
        "POST",
        "/familie/samtykker/ny/{unit_id}",
        PageRule.family_door,
        _none,
        303,
        form=lambda _w: {"confirm": "yes"},
        setup=member_checks.consent_b_withdrawn,
        check=member_checks.check_consent_given,
    ),
    Page("GET", "/familie/oppgaver", PageRule.family_door, _none),
    Page("GET", "/familie/innsyn", PageRule.family_door, _none, check=check_family_trail),
    Page(
        "GET",
        "/familie/melding",
        PageRule.family_door,
        _none,
        setup=member_checks.a_message,
        check=member_checks.check_message_shown,
    ),
    Page(
        "POST",
        "/familie/melding",
        PageRule.family_door,
        _none,
        303,
        form=member_checks.message_form,
        check=member_checks.check_message_sent,
    ),
    Page(
        "GET",
        "/familie/varsler",
        PageRule.family_door,
        _none,
        setup=member_checks.mother_with_email,
        check=member_checks.check_notices_shown,
    ),
    Page(
        "POST",
        "/familie/varsler",
        PageRule.family_door,
        _none,
        303,
        form=lambda _w: {"notify_channel": "email"},
        setup=member_checks.mother_with_email,
        check=member_checks.check_notices_chosen,
    ),
    Page(
        "POST",
        "/familie/oppgaver/{action_id}/ferdig",
        PageRule.family_door,
        _none,
        303,
        form=lambda _w: {},
        setup=a_family_action,
        check=check_family_action_done,
    ),
    Page(
        "GET",
        "/familie/samtykker/{consent_id}/trekk",
        PageRule.family_door,
        lambda w: {"consent_id": w.consent_b_id},
    ),
    Page(
        "POST",
        "/familie/samtykker/{consent_id}/trekk",
        PageRule.family_door,
        lambda w: {"consent_id": w.consent_b_id},
        303,
        form=lambda _w: {"confirm": "yes"},
        check=check_family_withdrew,
    ),
    Page(
        "POST",
        "/familie/logg-ut",
        PageRule.family_door,
        _none,
        303,
        form=lambda _w: {},
        check=check_family_signed_out,
    ),
)

CASES = [
    pytest.param(page, persona, id=f"{page.method} {page.path} {persona}")
    for page in PAGES
    for persona in (*PERSONAS, FAMILY_MEMBER)
]


@pytest.fixture
def session_factory(test_in_savepoint: sessionmaker[Session]) -> sessionmaker[Session]:
    """Every test of the module in a savepoint of the module's transaction, which holds the
    matrix's world (``matrix_world``), built once."""
    return test_in_savepoint


@pytest.fixture(scope="module")
def matrix_world(module_connection: Connection, settings: Settings) -> World:
    return build_world_once(savepoint_factory(module_connection), settings)


@pytest.mark.parametrize(("page", "persona"), CASES)
def test_page_matrix(
    page: Page, persona: str, client: TestClient, session: Session, matrix_world: World
) -> None:
    world = world_for_cell(matrix_world, session)
    browser = sign_in_as(client, session, world, persona)
    expected = expected_page_status(page, persona)
    ids = {**page.ids(world), **page.setup(session, world)}

    response = page.send(browser, world, ids)

    assert response.status_code == expected, response.text[:2000]
    if page.kind is PageRule.family_door and persona != FAMILY_MEMBER:
        # Every staff persona, and no one: the family's own sign-in, never the page.
        assert response.headers["location"] == f"/familie/logg-inn?next={page.url(ids)}"
    elif (
        expected == 303
        and page.kind not in (PUBLIC, PageRule.second_factor, PageRule.family_door)
        and persona in ("anonymous", FAMILY_MEMBER)
    ):
        assert response.headers["location"] == f"/login?next={page.url(ids)}"
        htmx = page.send(browser, world, ids, headers={"HX-Request": "true"})
        assert htmx.status_code == 401
        assert htmx.headers["hx-redirect"] == f"/login?next={page.url(ids)}"
    if expected in (403, 404):
        assert response.headers["content-type"].startswith("text/html")
    if expected == 404 and page.kind not in (PageRule.provider, PageRule.idporten):
        # Exactly what a record that never existed looks like: no existence leak.
        first = next(name for name, value in ids.items() if isinstance(value, uuid.UUID))
        missing = page.send(browser, world, {**ids, first: uuid.uuid4()})
        assert missing.status_code == 404, missing.text[:2000]
        assert _main(missing.text) == _main(response.text)
    page.check(
        PageCall(client, session, world, persona, response, allowed=let_in(page, persona, expected))
    )


# --- the family's pages for a member of another family, and for someone of no family ----------

OTHER_FAMILY, NO_FAMILY = "member_of_another_family", "no_family"
MOR_B = fodselsnummer(date(1990, 2, 2))  # a parent in a second family, led in another unit
NOBODY = fodselsnummer(date(1980, 1, 1))  # proved by ID-porten, recorded in no family


def _signed_in_elsewhere(session: Session, world: World, persona: str) -> str | None:
    """The family session of ``persona``: Mor B's, of a family of her own; none for someone no
    plan lead has recorded (ID-porten's sign-in ends at the kind page)."""
    if persona == NO_FAMILY:
        refused = member_sessions.finish_sign_in(
            session, world.settings, claims={"sub": "nobody", "pid": NOBODY}
        )
        assert refused == "unknown_person", refused
        session.commit()
        return None
    lead = actor_of(session, world.other_unit)
    family = make_family(session, world.other_unit, world.settings, display_name="Familien B")
    member_service.add_member(
        session,
        lead,
        scope_for(session, lead, family),
        MemberCreate(
            name="Mor B",
            relation=MemberRelation.parent,
            birth_year=1990,
            parental_responsibility=True,
            national_id=MOR_B,
        ),
        world.settings,
    )
    found = member_sessions.finish_sign_in(
        session, world.settings, claims={"sub": "mor-b", "pid": MOR_B}
    )
    assert not isinstance(found, str | member_sessions.Choice), found
    session.commit()
    return found[0]


@pytest.mark.parametrize(
    ("page", "persona"),
    [
        pytest.param(page, persona, id=f"{page.method} {page.path} {persona}")
        for page in PAGES
        if page.kind is PageRule.family_door
        for persona in (OTHER_FAMILY, NO_FAMILY)
    ],
)
def test_the_familys_pages_for_another_family_and_for_no_family(
    page: Page, persona: str, client: TestClient, session: Session, matrix_world: World
) -> None:
    """DESIGN §12: a member sees only their own family. A member of another family gets 404
    for whatever names one of this family's records, and on the pages of no record sees their
    own family's, with nothing of this one; someone of no family has no session, and every
    family page is the way to sign in. Neither changes anything of this family."""
    world = world_for_cell(matrix_world, session)
    secret = _signed_in_elsewhere(session, world, persona)
    if secret is not None:
        client.cookies.set("duk_family", secret)
    ids = {**page.ids(world), **page.setup(session, world)}
    names_a_record = any(
        isinstance(value, uuid.UUID) and f"{{{name}}}" in page.path for name, value in ids.items()
    )

    response = page.send(PageClient(client), world, ids)

    if persona == NO_FAMILY:
        assert response.status_code == 303, response.text[:2000]
        assert response.headers["location"] == f"/familie/logg-inn?next={page.url(ids)}"
    elif names_a_record:
        assert response.status_code == 404, response.text[:2000]
    else:
        assert response.status_code < 500, response.text[:2000]
        for theirs in (world.family.display_name, "Mor Test", "Vi trenger større bolig."):
            assert theirs not in response.text
    page.check(PageCall(client, session, world, persona, response, allowed=False))


def let_in(page: Page, persona: str, expected: int) -> bool:
    """Whether the persona got what the page is for; sent on to sign in is not being let in
    (a staff member on the family's pages, a family member on the staff's)."""
    return expected < 400 and (
        page.kind is PUBLIC
        or (page.kind is PageRule.family_door and persona == FAMILY_MEMBER)
        or (page.kind is not PageRule.family_door and persona not in ("anonymous", FAMILY_MEMBER))
    )


# --- the matrix covers every page -----------------------------------------------------------


def page_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the browser can reach: routes left out of the OpenAPI document,
    without the API, the static files and FastAPI's own documentation routes."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        if getattr(route, "include_in_schema", True) or route.path is None:
            continue
        if route.path.startswith(("/api/", "/static")):
            continue
        if getattr(route.endpoint, "__module__", "").startswith("fastapi."):
            continue  # /openapi.json and the Swagger UI's redirect
        found |= {(method, route.path) for method in route.methods or () if method != "HEAD"}
    return found


def test_every_page_is_in_the_matrix(app: FastAPI) -> None:
    pages = page_routes(app)
    classified = {page.key for page in PAGES}
    assert len(classified) == len(PAGES), "a page is listed twice"
    assert sorted(pages - classified) == [], "classify these in PAGES"
    assert sorted(classified - pages) == [], "these pages are gone"


def test_the_page_walk_sees_the_pages_of_every_room(app: FastAPI) -> None:
    # The walk above must not come back empty (a FastAPI change in how routers are included
    # would make every page look classified).
    rooms = {path.split("/")[1] for _, path in page_routes(app)}
    assert {"login", "families", "canvases", "plans"} <= rooms


# --- beyond the world's personas --------------------------------------------------------------


def test_an_admin_in_a_consented_unit_sees_no_family_at_home(
    client: TestClient, session: Session, settings: Settings
) -> None:
    # §4.3: admins never see case content, not even through membership of a unit the family
    # shares its plan with; the family's name is case content.
    world = build_world(session, settings)
    admin_b = make_user(session, role=Role.admin, units=[world.unit_b])
    session.commit()
    world.admin = admin_b
    sign_in_as(client, session, world, "admin")

    home = client.get("/")

    assert home.status_code == 200, home.text
    assert "Familien Test" not in home.text
    assert client.get(f"/families/{world.family.id}").status_code == 404

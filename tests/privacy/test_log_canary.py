"""No personal data in the application log (DESIGN §9, issue 4).

The real server (``duk serve`` as a process, its stdout and stderr captured) serves a case whose
family carries canary values: a national ID number, a family name and free-text sentences in
every place the family's words go. Requests that fail (422 with the canary in a bad field, 404,
412, 401, a page form sent back) are part of the run, because error paths are where data slips
into logs. Afterwards no canary may appear anywhere in the server's output, while the request
lines of the run must: a server that logged nothing would pass otherwise.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx2
from sqlalchemy import select

from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope
from app.kit.i18n import local_today
from app.models import Canvas
from tests.cli.duk_process import DukServer, serving
from tests.conftest import TEST_SECRET, prepare_database
from tests.factories import PASSWORD, World, build_world
from tests.html import page

API = "/api/v1"

# A valid-looking Norwegian national ID number (the check digits are right), a family name
# and sentences no test data or code contains.
NATIONAL_ID = "01017549819"
FAMILY_NAME = "Familien Kvistbergrud"
CENTRE = "Bestefar Oddleif lærer oss å fiske ved Tangebrygga hver lørdag."
NEED = "Gjelden hos Brattlikreditt gjør at vi ikke sover om natta."
ACTION = "Mor ringer Hvalsvikbadet om sommerjobb for eldste sønn."
GIVEN_BY = "Solfrid Trandemyr"
SITUATION = "Vi deler ett soverom med sopp i taket på Gunnarsbyveien."
GOAL = "Flytte til Hafslundsøy før skolestart."
COMMENT = "Planen mangler avtalen med Rognstadkollektivet."
APPROVED_BY = "Torbjørg Flatebygdsen"
CLOSING_NOTE = "Familien flyttet til Lundeborgtunet."
HANDOVER_NOTE = "Overtas etter Varangerturen."
# A family member's contact data (issue 15): as personal as a name.
MEMBER_EMAIL = "solfrid@trandemyr-post.test"
MEMBER_PHONE = "+4798761234"
CANARIES = (
    MEMBER_EMAIL,
    MEMBER_PHONE,
    NATIONAL_ID,
    FAMILY_NAME,
    CENTRE,
    NEED,
    ACTION,
    GIVEN_BY,
    SITUATION,
    GOAL,
    COMMENT,
    APPROVED_BY,
    CLOSING_NOTE,
    HANDOVER_NOTE,
)


def _forms_of(canary: str) -> set[str]:
    """The canary as it could be written to a log: as is, URL-encoded, or JSON-escaped."""
    return {
        canary,
        quote(canary),
        quote_plus(canary),
        canary.encode("ascii", "backslashreplace").decode(),
        canary.encode("unicode_escape").decode(),
        canary.split()[-1].rstrip("."),  # the last, most distinctive word alone
    }


def _world(database_url: str) -> World:
    engine = make_engine(database_url)
    prepare_database(engine)
    settings = Settings(env="test", database_url=database_url, secret_key=TEST_SECRET)
    try:
        for session in session_scope(make_session_factory(engine)):
            return build_world(session, settings)
    finally:
        engine.dispose()
    raise AssertionError("session_scope yielded no session")


class Case:
    """One HTTP client against the server, and the request ids of what it sent."""

    def __init__(self, server: DukServer, world: World) -> None:
        self.http = httpx2.Client(base_url=server.base_url, timeout=30, follow_redirects=True)
        self.world = world
        self.request_ids: list[str] = []

    def send(self, method: str, path: str, persona: str, expected: int, **kwargs: Any) -> Any:
        headers = {**self.world.headers[persona], **kwargs.pop("headers", {})}
        response = self.http.request(method, path, headers=headers, **kwargs)
        assert response.status_code == expected, (method, path, response.text)
        self.request_ids.append(response.headers["x-request-id"])
        return response

    def csrf(self, on: str) -> str:
        """The CSRF token of the forms on the page ``on``, opened as a user opens it."""
        return page(self.http.get(on)).all("input[name=csrftoken]")[0]["value"]


def _run_api_case(case: Case) -> dict[str, str]:
    w = case.world
    family = case.send(
        "POST",
        f"{API}/families",
        "lead",
        201,
        json={
            "display_name": FAMILY_NAME,
            "municipality_code": "3107",
            "language": "nb",
            "national_id": NATIONAL_ID,
            "household": {"adults": 1, "children_birth_years": [2012], "single_parent": True},
        },
    ).json()
    family_url = f"{API}/families/{family['id']}"
    member = {"name": GIVEN_BY, "relation": "parent", "birth_year": 1980}
    case.send(
        "POST",
        f"{family_url}/members",
        "lead",
        201,
        json={**member, "email": MEMBER_EMAIL, "phone": MEMBER_PHONE, "notify_channel": "sms"},
    )
    # Each in the other's field: refused, and neither may reach the log on the way.
    case.send(
        "POST",
        f"{family_url}/members",
        "lead",
        422,
        json={**member, "email": MEMBER_PHONE, "phone": MEMBER_EMAIL},
    )
    canvas = case.send(
        "POST", f"{family_url}/canvases", "lead", 201, json={"template_key": "familie"}
    ).json()
    canvas_url = f"{API}/canvases/{canvas['id']}"
    today = local_today()
    patched = case.send(
        "PATCH",
        canvas_url,
        "lead",
        200,
        headers={"If-Match": f'"{canvas["version"]}"'},
        json={
            "centre": {"what_matters": CENTRE},
            "domains": {
                "bolig": {"situation": SITUATION, "family_score": 3, "strengths": "Vi er sterke."}
            },
            "participants": [{"name": GIVEN_BY, "role": "family_member"}],
            "period": {"from": today.isoformat(), "to": (today + timedelta(days=90)).isoformat()},
            "next_review_date": (today + timedelta(days=30)).isoformat(),
        },
    )
    need = case.send(
        "POST",
        f"{canvas_url}/needs",
        "lead",
        201,
        json={"domain": "okonomi", "text": NEED, "priority": 1},
    ).json()
    goal = case.send(
        "POST",
        f"{canvas_url}/goals",
        "lead",
        201,
        json={"horizon": "short", "text": GOAL, "domains": ["bolig"]},
    ).json()
    case.send(
        "POST",
        f"{canvas_url}/actions",
        "lead",
        201,
        json={
            "text": ACTION,
            "responsible": {"kind": "unit", "unit_id": str(w.unit_c.id)},
            "due": (today + timedelta(days=14)).isoformat(),
            "need_ids": [need["id"]],
            "goal_ids": [goal["id"]],
        },
    )
    case.send(
        "POST",
        f"{family_url}/consents",
        "lead",
        201,
        json={"unit_id": str(w.unit_c.id), "purpose": "share_plan", "given_by": GIVEN_BY},
    )
    plan = case.send("POST", f"{canvas_url}/plans", "lead", 201).json()
    plan_url = f"{API}/plans/{plan['id']}"

    # The review flow: unit C reviews, the family approves, the plan is closed, the family
    # gets a new plan lead.
    case.send("GET", f"{API}/review-queue", "other_unit", 200)
    case.send(
        "POST",
        f"{plan_url}/reviews",
        "other_unit",
        422,
        json={"decision": COMMENT, "comment": COMMENT},
    )
    case.send(
        "POST",
        f"{plan_url}/reviews",
        "other_unit",
        200,
        json={"decision": "approved", "comment": COMMENT},
    )
    case.send("POST", f"{plan_url}/family-approval", "lead", 200, json={"approved_by": APPROVED_BY})
    case.send("GET", f"{plan_url}/diff", "lead", 200, params={"against": "1"})
    case.send("GET", f"{API}/inbox", "lead", 200)
    case.send("GET", f"{family_url}/timeline", "lead", 200)
    case.send(
        "POST",
        f"{plan_url}/close",
        "lead",
        200,
        json={"outcome": "family_moved", "note": CLOSING_NOTE},
    )
    case.send(
        "POST",
        f"{API}/barriers",
        "lead",
        422,
        json={
            "category": "routine",
            "domain": "bolig",
            "responsible_level": "municipal",
            "text": f"{FAMILY_NAME} ({NATIONAL_ID}) fikk ikke hjelp.",
            "family_id": family["id"],
        },
    )

    # The consented unit reads what the consent shares, and not the live canvas; the lead
    # reads the trail and the export.
    for path in (family_url, plan_url, f"{API}/families", f"{family_url}/assigned"):
        case.send("GET", path, "other_unit", 200)
    case.send("GET", canvas_url, "other_unit", 404)
    case.send("GET", f"{family_url}/audit", "lead", 200)
    case.send("GET", f"{family_url}/export", "lead", 200)
    case.send("GET", f"{API}/services", "lead", 200, params={"q": NEED})

    # Failing requests carrying the canaries.
    case.send(
        "POST",
        f"{API}/families",
        "lead",
        422,
        json={
            "display_name": FAMILY_NAME,
            "municipality_code": NATIONAL_ID,
            "language": "nb",
            "national_id": FAMILY_NAME,
            "household": {"adults": 1, "children_birth_years": [], "single_parent": True},
        },
    )
    case.send("POST", f"{canvas_url}/needs", "lead", 422, json={"domain": NEED, "text": NEED})
    case.send("POST", f"{canvas_url}/needs", "lead", 422, json={"text": NEED, NATIONAL_ID: 1})
    case.send(
        "PATCH",
        canvas_url,
        "lead",
        412,
        headers={"If-Match": f'"{canvas["version"]}"'},
        json={"centre": {"what_matters": CENTRE + " igjen"}},
    )
    case.send(
        "PATCH",
        canvas_url,
        "lead",
        428,
        json={"centre": {"what_matters": CENTRE}},
    )
    case.send(
        "PATCH",
        canvas_url,
        "lead",
        422,
        headers={"If-Match": patched.headers["etag"]},
        json={"domains": {"bolig": {"family_score": CENTRE}}},
    )
    case.send("GET", family_url, "consented", 404)
    case.send("GET", f"{API}/families/{uuid.uuid4()}", "lead", 404)
    case.send("GET", f"{family_url}/export", "other_unit", 403)
    case.send(
        "POST",
        f"{API}/families",
        "lead",
        415,
        content=f"display_name={FAMILY_NAME}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    case.send(
        "POST",
        f"{API}/tokens",
        "anonymous",
        401,
        json={"username": FAMILY_NAME, "password": NATIONAL_ID},
    )
    current = case.send("GET", family_url, "lead", 200)
    case.send(
        "POST",
        f"{family_url}/handover",
        "lead",
        200,
        headers={"If-Match": current.headers["etag"]},
        json={"to_user_id": str(w.same_unit.id), "note": HANDOVER_NOTE},
    )
    return {"family_id": family["id"], "canvas_id": canvas["id"]}


def _run_page_case(case: Case, ids: dict[str, str]) -> None:
    """The same family in the browser: sign in, save a domain, send a form back with errors."""
    http = case.http
    signed_in = http.post(
        "/login",
        data={
            "username": case.world.lead.username,
            "password": PASSWORD,
            "next": "/",
            "csrftoken": case.csrf("/login"),
        },
    )
    assert signed_in.status_code == 200, signed_in.text
    assert FAMILY_NAME in http.get("/").text
    canvas = f"/canvases/{ids['canvas_id']}"
    assert CENTRE in http.get(canvas).text
    domain = f"{canvas}/domains/okonomi"
    token = case.csrf(domain)
    version = _canvas_version(case, ids["canvas_id"])
    saved = http.post(
        domain,
        data={"csrftoken": token, "version": str(version), "situation": SITUATION + " Og mer."},
    )
    assert saved.status_code == 200, saved.text
    refused = http.post(
        f"{canvas}/needs",
        data={"csrftoken": case.csrf(f"{canvas}/needs"), "domain": NEED, "text": NEED},
    )
    assert refused.status_code == 422, refused.text
    consents = f"/families/{ids['family_id']}/consents"
    given = http.post(
        consents,
        data={
            "csrftoken": case.csrf(consents),
            "unit_ids": str(case.world.unit_b.id),
            "given_by": GIVEN_BY,
            "confirm": "yes",
        },
    )
    assert given.status_code == 200, given.text
    assert GIVEN_BY in given.text
    refused_consent = http.post(
        consents,
        data={"csrftoken": case.csrf(consents), "unit_ids": NATIONAL_ID, "given_by": GIVEN_BY},
    )
    assert refused_consent.status_code == 422, refused_consent.text
    assert http.get(f"/families/{uuid.uuid4()}").status_code == 404
    wrong = http.post(
        "/login",
        data={"username": FAMILY_NAME, "password": NATIONAL_ID, "csrftoken": case.csrf("/login")},
    )
    assert wrong.status_code == 401


def _canvas_version(case: Case, canvas_id: str) -> int:
    body = case.http.get(f"{API}/canvases/{canvas_id}", headers=case.world.headers["lead"])
    version: int = body.json()["version"]
    return version


def test_no_canary_reaches_the_server_log(fresh_database_url: str, tmp_path: Path) -> None:
    world = _world(fresh_database_url)
    log = tmp_path / "duk-serve.log"

    with serving(fresh_database_url, log) as server:
        case = Case(server, world)
        ids = _run_api_case(case)
        _run_page_case(case, ids)
        case.http.close()
    text = log.read_text(errors="replace")

    # The run is in the log: every request line, by its request id...
    assert f"POST {API}/families 201" in text
    assert f"GET /canvases/{ids['canvas_id']} 200" in text
    missing = [rid for rid in case.request_ids if f"rid={rid}" not in text]
    assert missing == [], "request lines are missing from the log"
    # ...and nothing the family said or is.
    leaks = sorted(
        form for canary in CANARIES for form in _forms_of(canary) if form.lower() in text.lower()
    )
    assert leaks == [], f"personal data in the server log: {leaks}"
    assert _stored_centre(fresh_database_url, ids["canvas_id"]) == CENTRE


def _stored_centre(database_url: str, canvas_id: str) -> str:
    """The canaries did reach the database: the test sent real data, not something the server
    threw away before it could log it."""
    engine = make_engine(database_url)
    try:
        for session in session_scope(make_session_factory(engine)):
            canvas = session.scalars(select(Canvas).where(Canvas.id == uuid.UUID(canvas_id))).one()
            return canvas.what_matters
    finally:
        engine.dispose()
    raise AssertionError("session_scope yielded no session")

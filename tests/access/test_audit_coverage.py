"""Every read of a family's data is in the family's audit trail (DESIGN §4.5, issue 4).

The API is walked from its OpenAPI document: each GET under /api/v1 is either in FAMILY_DATA
(it returns a family's data, so its request must leave a "read" event for that family, with the
caller's name and unit) or in NO_FAMILY_DATA. A new GET that is in neither table fails
``test_every_get_is_classified`` until someone decides which it is.

The trail is also a condition of the request: when the audit event cannot be written, a read
answers 500 without the data and a write stores nothing. And the trail is append-only: the
app never issues UPDATE or DELETE on it (PostgreSQL's trigger refusing them is tested in
tests/db/test_migrations.py).
"""

from __future__ import annotations

import re
import string
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Column, Engine, Integer, MetaData, Table, event, insert, select
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.config import Settings
from app.models import AuditEvent
from tests.factories import World, build_world

API = "/api/v1"


# --- the classification ---------------------------------------------------------------------


def _no_query(_world: World) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class FamilyRead:
    """A GET that returns a family's data, and the event its request must leave."""

    action: str = "read"
    query: Callable[[World], dict[str, str]] = _no_query


# The path parameters of the API and the world's record each one names.
PATH_IDS: dict[str, Callable[[World], uuid.UUID]] = {
    "family_id": lambda w: w.family.id,
    "canvas_id": lambda w: w.canvas.id,
    "plan_id": lambda w: w.plan.id,
    "need_id": lambda w: w.need.id,
    "goal_id": lambda w: w.goal.id,
    "action_id": lambda w: w.action.id,
    "referral_id": lambda w: w.referral.id,
    "consent_id": lambda w: w.consent_b_id,
    "member_id": lambda w: w.mother.id,
}

FAMILY_DATA: dict[str, FamilyRead] = {
    # lists of families: each family listed is a read of that family
    f"{API}/families": FamilyRead(),
    f"{API}/families/{{family_id}}": FamilyRead(),
    f"{API}/families/{{family_id}}/consents": FamilyRead(),
    f"{API}/families/{{family_id}}/audit": FamilyRead(),
    f"{API}/families/{{family_id}}/export": FamilyRead(action="export"),
    f"{API}/canvases/{{canvas_id}}": FamilyRead(),
    # ranked by the need's domain and indicators: the answer tells what the family needs
    f"{API}/needs/{{need_id}}/suggestions": FamilyRead(),
    f"{API}/plans/{{plan_id}}": FamilyRead(),
    # --- review flow, family side, inbox (issue 4): classify new GETs below this line ---
    f"{API}/families/{{family_id}}/timeline": FamilyRead(),
    f"{API}/families/{{family_id}}/plans": FamilyRead(),
    f"{API}/plans/{{plan_id}}/diff": FamilyRead(query=lambda w: {"against": str(w.plan.number)}),
    # plans waiting for the caller's units, and the caller's inbox: both name the families
    f"{API}/review-queue": FamilyRead(),
    f"{API}/inbox": FamilyRead(),
    # --- readings (issue 5): classify new GETs below this line ---
    f"{API}/families/{{family_id}}/readings": FamilyRead(),
    # --- need to know (issue 9) ---
    # the live actions and referrals assigned to the caller's units
    f"{API}/families/{{family_id}}/assigned": FamilyRead(),
    # --- corrections (issue 13): an item's earlier wording ---
    f"{API}/needs/{{need_id}}/corrections": FamilyRead(),
    f"{API}/goals/{{goal_id}}/corrections": FamilyRead(),
    f"{API}/actions/{{action_id}}/corrections": FamilyRead(),
    f"{API}/referrals/{{referral_id}}/corrections": FamilyRead(),
    # --- family members (issue 15) ---
    f"{API}/families/{{family_id}}/members": FamilyRead(),
    f"{API}/members/{{member_id}}": FamilyRead(),
}

NO_FAMILY_DATA: dict[str, str] = {
    f"{API}/health": "the service answers",
    f"{API}/me": "the caller's own account",
    f"{API}/me/notifications": "the caller's own notification settings",
    f"{API}/units": "the organisation",
    f"{API}/canvas-templates": "the canvas templates",
    f"{API}/services": "the service catalogue",
    # --- barriers and reports (issue 5): anonymised, classify new GETs below this line ---
    # barriers are written for the system level and not linked to a family (§3)
    f"{API}/barriers": "barriers, without personal data",
    **{
        f"{API}/reports/{report}{suffix}": "anonymised counts, small cells suppressed (§7)"
        for report in ("needs", "gaps", "outcomes", "barriers")
        for suffix in ("", ".csv")
    },
}


def _get_paths(client: TestClient) -> set[str]:
    document = client.get("/openapi.json").json()
    return {
        path
        for path, item in document["paths"].items()
        if path.startswith(f"{API}/") and "get" in item
    }


def test_every_get_is_classified(client: TestClient) -> None:
    paths = _get_paths(client)
    assert not set(FAMILY_DATA) & set(NO_FAMILY_DATA), "classified both ways"
    unclassified = paths - set(FAMILY_DATA) - set(NO_FAMILY_DATA)
    assert sorted(unclassified) == [], "classify these in FAMILY_DATA or NO_FAMILY_DATA"
    gone = (set(FAMILY_DATA) | set(NO_FAMILY_DATA)) - paths
    assert sorted(gone) == [], "these are no longer in the API"


def test_every_path_parameter_names_a_record_of_the_world() -> None:
    names = {
        name
        for path in FAMILY_DATA
        for _, name, _, _ in string.Formatter().parse(path)
        if name is not None
    }
    assert names <= set(PATH_IDS), "add the parameter to PATH_IDS"


# --- every family-data GET leaves a read in the trail -----------------------------------------


def _events_of_request(session: Session, request_id: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)
        )
    )


@pytest.mark.parametrize("path", sorted(FAMILY_DATA))
def test_a_read_of_family_data_leaves_an_event_with_the_callers_name_and_unit(
    path: str, client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    read = FAMILY_DATA[path]
    ids = {name: str(get(world)) for name, get in PATH_IDS.items()}
    url = path.format(**ids)

    # The consented reviewer where §4 lets them read it; the plan lead where it does not
    # (refused, or not there at all for a unit that has only the family's plan).
    caller, unit = world.consented, world.unit_b.name
    response = client.get(url, params=read.query(world), headers=world.headers["consented"])
    if response.status_code in (403, 404):
        caller, unit = world.lead, world.unit_a.name
        response = client.get(url, params=read.query(world), headers=world.headers["lead"])
    assert response.status_code == 200, response.text

    events = _events_of_request(session, response.headers["x-request-id"])
    assert (read.action, caller.username, unit, world.family.id) in {
        (e.action, e.username, e.unit, e.family_id) for e in events
    }, f"no {read.action!r} event for the family from {path}: {events}"


def test_the_plan_lead_finds_a_reviewers_read_in_the_familys_trail(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    read = client.get(f"{API}/families/{world.family.id}", headers=world.headers["consented"])
    assert read.status_code == 200, read.text

    trail = client.get(f"{API}/families/{world.family.id}/audit", headers=world.headers["lead"])

    assert trail.status_code == 200, trail.text
    reads = [
        (item["username"], item["unit"], item["role"])
        for item in trail.json()["items"]
        if (item["action"], item["record_type"], item["record_id"])
        == ("read", "family", str(world.family.id))
    ]
    assert reads == [(world.consented.username, "Barnevern Test", "reviewer")]


# --- no trail, no answer ----------------------------------------------------------------------


class AuditSwitch:
    """Points the audit insert at a table that does not exist, so the database itself refuses
    every event, and mends it again."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def break_(self) -> None:
        missing = Table("audit_event_missing", MetaData(), Column("id", Integer, primary_key=True))
        self.monkeypatch.setattr(audit_service, "_INSERT_EVENT", insert(missing))

    def mend(self) -> None:
        self.monkeypatch.undo()


@pytest.fixture
def audit_switch(monkeypatch: pytest.MonkeyPatch) -> AuditSwitch:
    return AuditSwitch(monkeypatch)


def _assert_generic_500(response: Any, *secrets: str) -> None:
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/internal"
    assert body["request_id"] == response.headers["x-request-id"]
    for secret in secrets:
        assert secret not in response.text


def test_a_read_whose_audit_event_cannot_be_written_fails_without_the_data(
    client: TestClient, session: Session, settings: Settings, audit_switch: AuditSwitch
) -> None:
    world = build_world(session, settings)
    audit_switch.break_()

    family = client.get(f"{API}/families/{world.family.id}", headers=world.headers["consented"])
    canvas = client.get(f"{API}/canvases/{world.canvas.id}", headers=world.headers["lead"])

    _assert_generic_500(family, "Familien Test", world.lead.username)
    _assert_generic_500(canvas, "Familien Test", "Vi bor trangt.", "Vi trenger større bolig.")
    audit_switch.mend()
    assert client.get(f"{API}/canvases/{world.canvas.id}", headers=world.headers["lead"]).json()[
        "needs"
    ][0]["text"] == ("Vi trenger større bolig.")


def test_a_write_whose_audit_event_cannot_be_written_stores_nothing(
    client: TestClient, session: Session, settings: Settings, audit_switch: AuditSwitch
) -> None:
    world = build_world(session, settings)
    lead = world.headers["lead"]
    audit_switch.break_()

    patched = client.patch(
        f"{API}/canvases/{world.canvas.id}",
        json={"centre": {"what_matters": "Ro i hverdagen."}},
        headers={**lead, "If-Match": f'"{world.canvas.version}"'},
    )
    need = client.post(
        f"{API}/canvases/{world.canvas.id}/needs",
        json={"domain": "okonomi", "text": "Vi har gjeld.", "priority": 2},
        headers=lead,
    )

    _assert_generic_500(patched, "Ro i hverdagen.")
    _assert_generic_500(need, "Vi har gjeld.")
    audit_switch.mend()
    canvas = client.get(f"{API}/canvases/{world.canvas.id}", headers=lead)
    assert canvas.status_code == 200, canvas.text
    assert canvas.json()["version"] == world.canvas.version
    assert canvas.json()["centre"]["what_matters"] == "At vi har det trygt hjemme."
    assert [n["text"] for n in canvas.json()["needs"]] == ["Vi trenger større bolig."]


# --- append-only ------------------------------------------------------------------------------

_CHANGES_AUDIT = re.compile(r"^\s*(UPDATE|DELETE\s+FROM)\s+\"?audit_event\b", re.IGNORECASE)
_INSERTS_AUDIT = re.compile(r"^\s*INSERT\s+INTO\s+\"?audit_event\b", re.IGNORECASE)


@dataclass
class StatementLog:
    statements: list[str] = field(default_factory=list)

    def __call__(self, *args: Any) -> None:
        # before_cursor_execute(conn, cursor, statement, parameters, context, executemany)
        self.statements.append(str(args[2]))


@pytest.fixture
def statements(engine: Engine) -> Iterator[StatementLog]:
    log = StatementLog()
    event.listen(engine, "before_cursor_execute", log)
    yield log
    event.remove(engine, "before_cursor_execute", log)


def test_the_app_never_updates_or_deletes_an_audit_event(
    client: TestClient, session: Session, settings: Settings, statements: StatementLog
) -> None:
    world = build_world(session, settings)
    lead, reviewer = world.headers["lead"], world.headers["consented"]
    family = f"{API}/families/{world.family.id}"
    canvas = f"{API}/canvases/{world.canvas.id}"
    statements.statements.clear()

    # A whole life of a case: reads from both sides, writes, a new plan version, consent given
    # and withdrawn, the trail, the export, and at last the family's erasure.
    steps = [
        client.get(family, headers=reviewer),
        client.get(f"{family}/assigned", headers=reviewer),
        client.get(f"{API}/plans/{world.plan.id}", headers=reviewer),
        client.patch(
            f"{API}/actions/{world.action.id}",
            json={"status": "in_progress"},
            headers={**reviewer, "If-Match": f'"{world.action.version}"'},
        ),
        client.patch(
            canvas,
            json={"centre": {"what_matters": "Ro i hverdagen."}},
            headers={**lead, "If-Match": f'"{world.canvas.version}"'},
        ),
        client.post(
            f"{canvas}/needs",
            json={"domain": "okonomi", "text": "Gjeld.", "priority": 2},
            headers=lead,
        ),
        client.post(
            f"{family}/consents",
            json={"unit_id": str(world.unit_c.id), "purpose": "share_plan", "given_by": "Mor"},
            headers=lead,
        ),
        client.post(f"{canvas}/plans", headers=lead),
        client.post(f"{family}/consents/{world.consent_b_id}/withdraw", headers=lead),
        client.get(f"{family}/audit", headers=lead),
        client.get(f"{family}/export", headers=lead),
        client.delete(
            family, params={"reason": "family_request"}, headers={**lead, "If-Match": "*"}
        ),
    ]

    expected = [200, 200, 200, 200, 200, 201, 201, 201, 200, 200, 200, 204]
    assert [r.status_code for r in steps] == expected, [r.text for r in steps]
    # The listener saw the app's statements, among them the events it wrote...
    assert sum(bool(_INSERTS_AUDIT.match(s)) for s in statements.statements) >= len(steps)
    # ...and none that changed or removed one.
    assert [s for s in statements.statements if _CHANGES_AUDIT.match(s)] == []
    tombstone = session.scalars(
        select(AuditEvent).where(
            AuditEvent.family_id == world.family.id, AuditEvent.action == "delete"
        )
    ).all()
    assert [(e.record_type, e.username) for e in tombstone] == [("family", world.lead.username)]


# --- every page that shows a family's data leaves a read in the trail too -----------------------


def _family_pages() -> list[Any]:
    from tests.access.test_matrix import Kind
    from tests.access.test_page_matrix import PAGES

    shows_family = {Kind.family_read, Kind.case, Kind.lead_read, Kind.lead_edit, Kind.erase}
    # The indicator checkboxes of a domain (an htmx fragment of the need form): the template's
    # codes, nothing of the family.
    template_only = {"/canvases/{canvas_id}/needs/indicators"}
    return [
        p
        for p in PAGES
        if p.method == "GET" and p.kind in shows_family and p.path not in template_only
    ]


@pytest.mark.parametrize("page", _family_pages(), ids=lambda p: p.path)
def test_a_page_with_family_data_leaves_an_event_with_the_callers_name(
    page: Any, client: TestClient, session: Session, settings: Settings
) -> None:
    from tests.access.test_page_matrix import sign_in_as

    world = build_world(session, settings)
    sign_in_as(client, session, world, "lead")
    ids = {**page.ids(world), **page.setup(session, world)}

    response = client.get(page.url(ids), params=page.query(world), follow_redirects=False)

    assert response.status_code == 200, response.text
    events = _events_of_request(session, response.headers["x-request-id"])
    assert (world.lead.username, world.family.id) in {
        (e.username, e.family_id) for e in events if e.action in ("read", "export")
    }, f"{page.path} showed the family's data and left no read in its trail: {events}"

"""The authorization matrix of DESIGN §4: every /api/v1 endpoint × every persona of the world.

The expected status of each cell is computed from a small rule table (the endpoint's kind and
who is asking), never typed out per cell. The world is built once for the module and each case
runs in a savepoint rolled back after it, so every cell finds the world as built and a write in
one cell cannot change what another cell sees. A new endpoint fails ``test_every_endpoint_is_in_
the_matrix`` until it is classified here.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.kit.i18n import local_today
from app.models import Consent, PlanReview
from app.models.enums import ConsentPurpose, ReviewStatus, Role
from tests.barriers import matrix_checks as barrier_checks
from tests.canvases import matrix_checks as goal_checks
from tests.conftest import savepoint_factory
from tests.corrections import matrix_checks as correction_checks
from tests.factories import (
    PASSWORD,
    PERSONAS,
    World,
    build_world,
    build_world_once,
    world_for_cell,
)
from tests.family.door import family_session_of
from tests.inbox import matrix_checks as inbox_checks
from tests.members import matrix_checks as member_checks
from tests.notifications import matrix_checks as notification_checks
from tests.plans import matrix_checks as plan_checks
from tests.readings import matrix_checks as reading_checks
from tests.reports import matrix_checks as report_checks

API = "/api/v1"
PROBLEM_JSON = "application/problem+json"

PROBLEM_TYPE = {
    401: "/problems/unauthorized",
    403: "/problems/forbidden",
    404: "/problems/not-found",
}

# Operations that answer without a token by design; tested on their own below.
UNAUTHENTICATED = frozenset({("GET", f"{API}/health"), ("POST", f"{API}/tokens")})


# --- who is asking --------------------------------------------------------------------------


class Side(enum.Enum):
    """How a persona stands to the world's family under DESIGN §4.1."""

    lead = "lead_side"  # the plan lead and caseworkers of the plan lead's unit
    consented = "consented"  # a unit with an active consent from the family
    none = "none"  # everyone else: the family does not exist for them


@dataclass(frozen=True)
class Persona:
    role: Role | None  # None: no token at all
    side: Side


# Written from the World's docstring, not from app.access: the matrix must not share the code
# it checks.
PERSONA = {
    "anonymous": Persona(None, Side.none),
    "lead": Persona(Role.caseworker, Side.lead),
    "same_unit": Persona(Role.caseworker, Side.lead),
    "other_unit": Persona(Role.caseworker, Side.none),
    "consented": Persona(Role.reviewer, Side.consented),
    "withdrawn": Persona(Role.reviewer, Side.none),
    "coordinator": Persona(Role.coordinator, Side.none),
    "admin": Persona(Role.admin, Side.none),
    # A family member signed in to the family's own pages (ID-porten): their session is no
    # staff session and no API token, so the API answers them as it answers no one (401).
    "family_member": Persona(None, Side.none),
}
FAMILY_MEMBER = "family_member"


# --- the rule table -------------------------------------------------------------------------


class Kind(enum.Enum):
    signed_in = "any signed-in user"
    create_family = "caseworkers start families"
    list_families = "caseworkers and reviewers list what they may see"
    family_read = "what a consent shares (the family's name, its plans): lead side and consented"
    case = "the live case (canvas, needs, goals, readings, consents): the lead side; 404 else"
    lead_read = "audit trail, export, consents: the lead side only"
    lead_edit = "the lead side changes the case"
    assigned_update = "status of an action or referral: lead side and the assigned unit"
    erase = "erasure: lead side or an admin"
    handover = "move the family to another plan lead: lead side or an admin"
    review = "decide a review: members of an asked unit with consent"
    review_queue = "caseworkers and reviewers see plans waiting for their units"
    coordinator = "anonymised reports and barrier decisions: coordinators only"
    record_barrier = "caseworkers record barriers"
    barrier_list = "barriers: a caseworker lists their own, a coordinator all"


def expected_status(kind: Kind, persona: Persona, success: int) -> int:
    """DESIGN §4 and §8 as one decision per kind. 404 means "as if it did not exist"."""
    if persona.role is None:
        return 401
    lead, consented = persona.side is Side.lead, persona.side is Side.consented
    match kind:
        case Kind.signed_in:
            return success
        case Kind.create_family:
            return success if persona.role is Role.caseworker else 403
        case Kind.list_families:
            return success if persona.role in (Role.caseworker, Role.reviewer) else 403
        case Kind.family_read | Kind.assigned_update:
            return success if lead or consented else 404
        case Kind.case:
            # Need to know (§4.1): for a unit that has only the family's plan, the live case
            # does not exist, exactly as for a unit without consent.
            return success if lead else 404
        case Kind.lead_read | Kind.lead_edit:
            return success if lead else 403 if consented else 404
        case Kind.erase | Kind.handover:
            if lead or persona.role is Role.admin:
                return success
            return 403 if consented else 404
        case Kind.review:
            return success if consented else 403 if lead else 404
        case Kind.review_queue:
            return success if persona.role in (Role.caseworker, Role.reviewer) else 403
        case Kind.coordinator:
            return success if persona.role is Role.coordinator else 403
        case Kind.record_barrier:
            return success if persona.role is Role.caseworker else 403
        case Kind.barrier_list:
            return success if persona.role in (Role.caseworker, Role.coordinator) else 403


# --- the endpoints --------------------------------------------------------------------------


@dataclass
class Call:
    """One cell of the matrix after its request was sent."""

    client: TestClient
    world: World
    persona: str
    response: httpx2.Response
    allowed: bool

    def as_lead(self, path: str) -> Any:
        response = self.client.get(f"{API}{path}", headers=self.world.headers["lead"])
        assert response.status_code == 200, response.text
        return response.json()


Check = Callable[[Call], None]
Json = dict[str, Any]


def _no_check(_call: Call) -> None:
    return None


def _no_body(_world: World) -> Json | None:
    return None


def _no_query(_world: World) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # exactly as in the OpenAPI document
    kind: Kind
    ids: Callable[[World], dict[str, uuid.UUID]]
    success: int = 200
    body: Callable[[World], Json | None] = _no_body
    query: Callable[[World], dict[str, str]] = _no_query
    version: Callable[[World], int] | None = None  # sent as If-Match
    check: Check = _no_check  # what the caller (or the lead, afterwards) sees

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    def url(self, ids: dict[str, uuid.UUID]) -> str:
        return self.path.format(**{name: str(value) for name, value in ids.items()})

    def send(
        self, client: TestClient, world: World, persona: str, ids: dict[str, uuid.UUID]
    ) -> httpx2.Response:
        headers = dict(world.headers[persona])
        if self.version is not None:
            headers["If-Match"] = f'"{self.version(world)}"'
        return client.request(
            self.method,
            self.url(ids),
            headers=headers,
            params=self.query(world),
            json=self.body(world),
        )


# What each success looks like, and that a refused write left nothing behind.


def check_me(call: Call) -> None:
    if call.allowed:
        assert call.response.json()["username"] == getattr(call.world, call.persona).username


def check_units(call: Call) -> None:
    if call.allowed:
        ids = {u["id"] for u in call.response.json()}
        w = call.world
        assert {str(u.id) for u in (w.unit_a, w.unit_b, w.unit_c, w.unit_d)} <= ids


def check_templates(call: Call) -> None:
    if call.allowed:
        assert "familie" in {t["key"] for t in call.response.json()}


def check_services(call: Call) -> None:
    if call.allowed:
        items = call.response.json()["items"]
        assert items
        assert {s["provider_unit_id"] for s in items} == {str(call.world.unit_b.id)}


def check_logout(call: Call) -> None:
    if call.allowed:
        me = call.client.get(f"{API}/me", headers=call.world.headers[call.persona])
        assert me.status_code == 401, "the token still works after logout"


def check_create_family(call: Call) -> None:
    if not call.allowed:
        return
    created = call.response.json()
    again = call.client.get(
        f"{API}/families/{created['id']}", headers=call.world.headers[call.persona]
    )
    assert again.status_code == 200, again.text
    assert again.json()["plan_lead"]["id"] == str(getattr(call.world, call.persona).id)


def check_list_families(call: Call) -> None:
    if call.allowed:
        listed = {f["id"] for f in call.response.json()["items"]}
        sees = PERSONA[call.persona].side is not Side.none
        assert (str(call.world.family.id) in listed) is sees


def check_family(call: Call) -> None:
    if call.allowed:
        body = call.response.json()
        assert body["id"] == str(call.world.family.id)
        assert body["access"] == PERSONA[call.persona].side.value
        assert call.response.headers["etag"] == f'"{body["version"]}"'
        # A consent shares the plan and the family's name, not its household.
        lead = PERSONA[call.persona].side is Side.lead
        assert (body["household"] is not None) is lead


def check_assigned(call: Call) -> None:
    if call.allowed:
        body = call.response.json()
        actions = [a["id"] for a in body["actions"]]
        referrals = [r["id"] for r in body["referrals"]]
        # The world's action and referral are unit B's; unit A (the lead side) has none.
        mine = PERSONA[call.persona].side is Side.consented
        assert actions == ([str(call.world.action.id)] if mine else [])
        assert referrals == ([str(call.world.referral.id)] if mine else [])


def check_canvas(call: Call) -> None:
    if call.allowed:
        body = call.response.json()
        assert body["id"] == str(call.world.canvas.id)
        assert [n["id"] for n in body["needs"]] == [str(call.world.need.id)]


def check_plan(call: Call) -> None:
    if call.allowed:
        body = call.response.json()
        assert (body["id"], body["number"]) == (str(call.world.plan.id), call.world.plan.number)
        assert [r["unit_id"] for r in body["reviews"]] == [str(call.world.unit_b.id)]
        content = body["content"]
        assert [n["text"] for n in content["needs"]] == ["Vi trenger større bolig."]
        # The worker's scores and the statistics-only codes stay with the lead side.
        shared = PERSONA[call.persona].side is Side.consented
        assert ("worker_score" in content["domains"]["bolig"]) is not shared
        assert ("indicators" in content["needs"][0]) is not shared


def check_audit(call: Call) -> None:
    if call.allowed:
        events = {(e["action"], e["record_type"]) for e in call.response.json()["items"]}
        assert ("create", "family") in events
        assert ("consent_withdrawn", "consent") in events


def check_export(call: Call) -> None:
    if call.allowed:
        body = call.response.json()
        assert body["family"]["id"] == str(call.world.family.id)
        assert [c["id"] for c in body["canvases"]] == [str(call.world.canvas.id)]


def check_consents(call: Call) -> None:
    if call.allowed:
        by_unit = {c["unit_id"]: c["active"] for c in call.response.json()}
        assert by_unit == {str(call.world.unit_b.id): True, str(call.world.unit_d.id): False}


def check_patch_family(call: Call) -> None:
    name = call.as_lead(f"/families/{call.world.family.id}")["display_name"]
    assert name == ("Familien Ny" if call.allowed else "Familien Test")


def check_add_consent(call: Call) -> None:
    units = {c["unit_id"] for c in call.as_lead(f"/families/{call.world.family.id}/consents")}
    assert (str(call.world.unit_c.id) in units) is call.allowed
    seen_by_unit_c = call.client.get(
        f"{API}/families/{call.world.family.id}", headers=call.world.headers["other_unit"]
    )
    assert seen_by_unit_c.status_code == (200 if call.allowed else 404)


def check_add_consents(call: Call) -> None:
    consents = call.as_lead(f"/families/{call.world.family.id}/consents")
    active = {c["unit_id"] for c in consents if c["active"]}
    chosen = {str(call.world.unit_c.id), str(call.world.unit_d.id)}
    assert chosen <= active if call.allowed else not chosen & active
    for persona in ("other_unit", "withdrawn"):
        seen = call.client.get(
            f"{API}/families/{call.world.family.id}", headers=call.world.headers[persona]
        )
        assert seen.status_code == (200 if call.allowed else 404)


def check_withdraw(call: Call) -> None:
    consents = call.as_lead(f"/families/{call.world.family.id}/consents")
    active = {c["unit_id"]: c["active"] for c in consents}
    assert active[str(call.world.unit_b.id)] is not call.allowed
    seen_by_unit_b = call.client.get(
        f"{API}/families/{call.world.family.id}", headers=call.world.headers["consented"]
    )
    assert seen_by_unit_b.status_code == (404 if call.allowed else 200)


def check_add_canvas(call: Call) -> None:
    canvases = call.as_lead(f"/families/{call.world.family.id}/export")["canvases"]
    assert len(canvases) == (2 if call.allowed else 1)
    if call.allowed:
        assert canvases[1]["id"] == call.response.json()["id"]


def _canvas(call: Call) -> Json:
    document: Json = call.as_lead(f"/canvases/{call.world.canvas.id}")
    return document


def check_patch_canvas(call: Call) -> None:
    what_matters = _canvas(call)["centre"]["what_matters"]
    assert (what_matters == "Ro i hverdagen.") is call.allowed


AGE_RANK = {"fits": 0, "no_age_limit": 0, "adult_maybe": 1, "nobody": 2}


def check_suggestions(call: Call) -> None:
    if call.allowed:
        # Who in the household a service takes first, then how well it matches.
        ranks = [(AGE_RANK[s["age_fit"]], -s["score"]) for s in call.response.json()]
        assert ranks
        assert ranks == sorted(ranks)


def check_submit_plan(call: Call) -> None:
    earlier = call.as_lead(f"/plans/{call.world.plan.id}")
    assert earlier["status"] == ("superseded" if call.allowed else "in_review")
    if call.allowed:
        assert call.response.json()["number"] == call.world.plan.number + 1


def added_to_canvas(part: str, field: str, value: str) -> Check:
    """A POST that adds to the canvas (a need, a goal ...): the canvas then lists one with
    ``field`` ``value`` in ``part`` only if the request was let through."""

    def check(call: Call) -> None:
        values = [item[field] for item in _canvas(call)[part]]
        assert (value in values) is call.allowed

    return check


def status_on_canvas(
    part: str, record: Callable[[World], Any], allowed: str, refused: str
) -> Check:
    """A PATCH of a record's status: the canvas then shows it ``allowed`` if the request was
    let through, else still ``refused``."""

    def check(call: Call) -> None:
        status = {item["id"]: item["status"] for item in _canvas(call)[part]}
        assert status[str(record(call.world).id)] == (allowed if call.allowed else refused)

    return check


check_add_need = added_to_canvas("needs", "text", "Vi har gjeld.")
check_add_referral = added_to_canvas(
    "referrals", "external_service_name", "Leksehjelp på biblioteket"
)
check_add_goal = added_to_canvas("goals", "text", "Egen hage.")
check_add_action = added_to_canvas("actions", "text", "Mor søker bostøtte.")
check_patch_referral = status_on_canvas("referrals", lambda w: w.referral, "accepted", "sent")
check_patch_action = status_on_canvas("actions", lambda w: w.action, "in_progress", "planned")


def check_erase(call: Call) -> None:
    family = call.client.get(
        f"{API}/families/{call.world.family.id}", headers=call.world.headers["lead"]
    )
    assert family.status_code == (404 if call.allowed else 200)


def check_timeline(call: Call) -> None:
    if call.allowed:
        entries = call.response.json()
        submitted = [e["plan_id"] for e in entries if e["kind"] == "plan_submitted"]
        assert submitted == [str(call.world.plan.id)]
        given = {e["unit"]["id"] for e in entries if e["kind"] == "consent_given"}
        assert str(call.world.unit_b.id) in given


def check_handover(call: Call) -> None:
    lead = call.as_lead(f"/families/{call.world.family.id}")["plan_lead"]["id"]
    expected = call.world.same_unit if call.allowed else call.world.lead
    assert lead == str(expected.id)


def _family(w: World) -> dict[str, uuid.UUID]:
    return {"family_id": w.family.id}


def _canvas_id(w: World) -> dict[str, uuid.UUID]:
    return {"canvas_id": w.canvas.id}


def _need(w: World) -> dict[str, uuid.UUID]:
    return {"need_id": w.need.id}


def _none(_w: World) -> dict[str, uuid.UUID]:
    return {}


ENDPOINTS = (
    # any signed-in user
    Endpoint("GET", f"{API}/me", Kind.signed_in, _none, check=check_me),
    Endpoint("GET", f"{API}/units", Kind.signed_in, _none, check=check_units),
    Endpoint("GET", f"{API}/canvas-templates", Kind.signed_in, _none, check=check_templates),
    Endpoint(
        "GET",
        f"{API}/services",
        Kind.signed_in,
        _none,
        query=lambda w: {"unit": str(w.unit_b.id)},
        check=check_services,
    ),
    Endpoint("DELETE", f"{API}/tokens/current", Kind.signed_in, _none, 204, check=check_logout),
    # families
    Endpoint(
        "POST",
        f"{API}/families",
        Kind.create_family,
        _none,
        201,
        body=lambda _w: {
            "display_name": "Familien Ny",
            "municipality_code": "3107",
            "language": "nb",
            "household": {"adults": 1, "children_birth_years": [2016], "single_parent": True},
        },
        check=check_create_family,
    ),
    Endpoint("GET", f"{API}/families", Kind.list_families, _none, check=check_list_families),
    Endpoint("GET", f"{API}/families/{{family_id}}", Kind.family_read, _family, check=check_family),
    Endpoint(
        "GET",
        f"{API}/families/{{family_id}}/assigned",
        Kind.family_read,
        _family,
        check=check_assigned,
    ),
    Endpoint(
        "PATCH",
        f"{API}/families/{{family_id}}",
        Kind.lead_edit,
        _family,
        body=lambda _w: {"display_name": "Familien Ny"},
        version=lambda w: w.family.version,
        check=check_patch_family,
    ),
    Endpoint(
        "DELETE",
        f"{API}/families/{{family_id}}",
        Kind.erase,
        _family,
        204,
        query=lambda _w: {"reason": "family_request"},
        version=lambda w: w.family.version,
        check=check_erase,
    ),
    Endpoint(
        "GET",
        f"{API}/families/{{family_id}}/consents",
        Kind.case,
        _family,
        check=check_consents,
    ),
    Endpoint(
        "POST",
        f"{API}/families/{{family_id}}/consents",
        Kind.case,
        _family,
        201,
        body=lambda w: {"unit_id": str(w.unit_c.id), "purpose": "share_plan", "given_by": "Mor"},
        check=check_add_consent,
    ),
    Endpoint(
        "POST",
        f"{API}/families/{{family_id}}/consents/batch",
        Kind.case,
        _family,
        201,
        body=lambda w: {
            "unit_ids": [str(w.unit_c.id), str(w.unit_d.id)],
            "purpose": "share_plan",
            "given_by": "Far",
        },
        check=check_add_consents,
    ),
    Endpoint(
        "POST",
        f"{API}/families/{{family_id}}/consents/{{consent_id}}/withdraw",
        Kind.case,
        lambda w: {"family_id": w.family.id, "consent_id": w.consent_b_id},
        check=check_withdraw,
    ),
    Endpoint(
        "GET", f"{API}/families/{{family_id}}/audit", Kind.lead_read, _family, check=check_audit
    ),
    Endpoint(
        "GET",
        f"{API}/families/{{family_id}}/export",
        Kind.lead_read,
        _family,
        check=check_export,
    ),
    # canvases
    Endpoint(
        "POST",
        f"{API}/families/{{family_id}}/canvases",
        Kind.case,
        _family,
        201,
        body=lambda _w: {"template_key": "familie"},
        check=check_add_canvas,
    ),
    Endpoint("GET", f"{API}/canvases/{{canvas_id}}", Kind.case, _canvas_id, check=check_canvas),
    Endpoint(
        "PATCH",
        f"{API}/canvases/{{canvas_id}}",
        Kind.case,
        _canvas_id,
        body=lambda _w: {"centre": {"what_matters": "Ro i hverdagen."}},
        version=lambda w: w.canvas.version,
        check=check_patch_canvas,
    ),
    Endpoint(
        "POST",
        f"{API}/canvases/{{canvas_id}}/needs",
        Kind.case,
        _canvas_id,
        201,
        body=lambda _w: {"domain": "okonomi", "text": "Vi har gjeld.", "priority": 2},
        check=check_add_need,
    ),
    Endpoint(
        "GET",
        f"{API}/needs/{{need_id}}/suggestions",
        Kind.case,
        _need,
        check=check_suggestions,
    ),
    Endpoint(
        "POST",
        f"{API}/needs/{{need_id}}/referrals",
        Kind.case,
        _need,
        201,
        body=lambda _w: {"external_service_name": "Leksehjelp på biblioteket"},
        check=check_add_referral,
    ),
    Endpoint(
        "PATCH",
        f"{API}/referrals/{{referral_id}}",
        Kind.assigned_update,
        lambda w: {"referral_id": w.referral.id},
        body=lambda _w: {"status": "accepted"},
        version=lambda w: w.referral.version,
        check=check_patch_referral,
    ),
    Endpoint(
        "POST",
        f"{API}/canvases/{{canvas_id}}/goals",
        Kind.case,
        _canvas_id,
        201,
        body=lambda _w: {"horizon": "dream", "text": "Egen hage.", "domains": ["bolig"]},
        check=check_add_goal,
    ),
    Endpoint(
        "POST",
        f"{API}/canvases/{{canvas_id}}/actions",
        Kind.case,
        _canvas_id,
        201,
        body=lambda w: {
            "text": "Mor søker bostøtte.",
            "responsible": {"kind": "family", "member": "Mor"},
            "due": (local_today() + timedelta(days=7)).isoformat(),
            "need_ids": [str(w.need.id)],
        },
        check=check_add_action,
    ),
    Endpoint(
        "PATCH",
        f"{API}/actions/{{action_id}}",
        Kind.assigned_update,
        lambda w: {"action_id": w.action.id},
        body=lambda _w: {"status": "in_progress"},
        version=lambda w: w.action.version,
        check=check_patch_action,
    ),
    # How a goal is going: only the lead side records it (no unit is assigned to a goal).
    Endpoint(
        "PATCH",
        f"{API}/goals/{{goal_id}}",
        Kind.case,
        goal_checks.goal_ids,
        body=goal_checks.progress_body,
        version=goal_checks.goal_version,
        check=goal_checks.check_patch_goal,
    ),
    # --- corrections (issue 13): the live case's, the lead side's only ---
    Endpoint(
        "PATCH",
        f"{API}/needs/{{need_id}}",
        Kind.case,
        correction_checks.need_ids,
        body=correction_checks.correct_need_body,
        version=lambda w: w.need.version,
        check=correction_checks.check_correct_need,
    ),
    *(
        Endpoint(
            "GET",
            f"{API}/{kind}s/{{{kind}_id}}/corrections",
            Kind.case,
            ids,
            check=correction_checks.check_history,
        )
        for kind, ids in (
            ("need", correction_checks.need_ids),
            ("goal", correction_checks.goal_ids),
            ("action", correction_checks.action_ids),
            ("referral", correction_checks.referral_ids),
        )
    ),
    # plans
    Endpoint(
        "POST",
        f"{API}/canvases/{{canvas_id}}/plans",
        Kind.case,
        _canvas_id,
        201,
        check=check_submit_plan,
    ),
    Endpoint(
        "GET",
        f"{API}/plans/{{plan_id}}",
        Kind.family_read,
        lambda w: {"plan_id": w.plan.id},
        check=check_plan,
    ),
    # --- review flow ---
    Endpoint(
        "POST",
        f"{API}/plans/{{plan_id}}/reviews",
        Kind.review,
        lambda w: {"plan_id": w.plan.id},
        body=plan_checks.review_body,
        check=plan_checks.check_review,
    ),
    Endpoint(
        "POST",
        f"{API}/plans/{{plan_id}}/family-approval",
        Kind.lead_edit,
        lambda w: {"plan_id": w.plan.id},
        body=lambda _w: {"approved_by": "Amina"},
        check=plan_checks.check_family_approval,
    ),
    Endpoint(
        "POST",
        f"{API}/plans/{{plan_id}}/close",
        Kind.lead_edit,
        lambda w: {"plan_id": w.plan.id},
        body=lambda _w: {"outcome": "goals_reached"},
        check=plan_checks.check_close,
    ),
    Endpoint(
        "GET",
        f"{API}/plans/{{plan_id}}/diff",
        Kind.family_read,
        lambda w: {"plan_id": w.plan.id},
        query=lambda _w: {"against": "1"},
        check=plan_checks.check_diff,
    ),
    Endpoint(
        "GET",
        f"{API}/review-queue",
        Kind.review_queue,
        _none,
        check=plan_checks.check_review_queue,
    ),
    Endpoint(
        "GET",
        f"{API}/families/{{family_id}}/plans",
        Kind.family_read,
        _family,
        check=plan_checks.check_family_plans,
    ),
    # --- family side: timeline, handover ---
    Endpoint(
        "GET",
        f"{API}/families/{{family_id}}/timeline",
        Kind.case,
        _family,
        check=check_timeline,
    ),
    Endpoint(
        "POST",
        f"{API}/families/{{family_id}}/handover",
        Kind.handover,
        _family,
        body=lambda w: {"to_user_id": str(w.same_unit.id), "note": "Kari slutter."},
        version=lambda w: w.family.version,
        check=check_handover,
    ),
    # --- family members (issue 15): the live case's, the lead side's only ---
    Endpoint(
        "GET",
        f"{API}/families/{{family_id}}/members",
        Kind.case,
        _family,
        check=member_checks.check_list,
    ),
    Endpoint(
        "POST",
        f"{API}/families/{{family_id}}/members",
        Kind.case,
        _family,
        201,
        body=member_checks.new_member_body,
        check=member_checks.check_add,
    ),
    Endpoint(
        "GET",
        f"{API}/members/{{member_id}}",
        Kind.case,
        member_checks.member_ids,
        check=member_checks.check_read,
    ),
    Endpoint(
        "PATCH",
        f"{API}/members/{{member_id}}",
        Kind.case,
        member_checks.member_ids,
        body=lambda _w: {"name": "Mor Hansen"},
        version=member_checks.member_version,
        check=member_checks.check_patch,
    ),
    Endpoint(
        "DELETE",
        f"{API}/members/{{member_id}}",
        Kind.case,
        member_checks.member_ids,
        204,
        version=member_checks.member_version,
        check=member_checks.check_delete,
    ),
    # --- inbox ---
    Endpoint(
        "GET",
        f"{API}/inbox",
        Kind.signed_in,
        _none,
        check=inbox_checks.check_inbox,
    ),
    Endpoint(
        "POST",
        f"{API}/inbox/seen",
        Kind.signed_in,
        _none,
        204,
        check=inbox_checks.check_inbox_seen,
    ),
    # --- notifications: the caller's own choice ---
    Endpoint(
        "GET",
        f"{API}/me/notifications",
        Kind.signed_in,
        _none,
        check=notification_checks.check_read_settings,
    ),
    Endpoint(
        "PUT",
        f"{API}/me/notifications",
        Kind.signed_in,
        _none,
        body=lambda _w: {"channel": "email", "email": "me@duk.test", "language": "en"},
        version=lambda _w: 0,
        check=notification_checks.check_put_settings,
    ),
    # --- readings and barriers ---
    Endpoint(
        "POST",
        f"{API}/families/{{family_id}}/readings",
        Kind.case,
        _family,
        201,
        body=reading_checks.reading_body,
        check=reading_checks.check_add_reading,
    ),
    Endpoint(
        "GET",
        f"{API}/families/{{family_id}}/readings",
        Kind.case,
        _family,
        check=reading_checks.check_list_readings,
    ),
    Endpoint(
        "POST",
        f"{API}/barriers",
        Kind.record_barrier,
        _none,
        201,
        body=barrier_checks.barrier_body,
        check=barrier_checks.check_record_barrier,
    ),
    Endpoint(
        "GET",
        f"{API}/barriers",
        Kind.barrier_list,
        _none,
        check=barrier_checks.check_list_barriers,
    ),
    Endpoint(
        "POST",
        f"{API}/barriers/{{barrier_id}}/decision",
        Kind.coordinator,
        barrier_checks.pending_barrier,
        body=barrier_checks.decision_body,
        check=barrier_checks.check_decide_barrier,
    ),
    # --- reports ---
    *(
        Endpoint(
            "GET",
            f"{API}/reports/{report}",
            Kind.coordinator,
            _none,
            check=report_checks.check_report,
        )
        for report in (
            "needs",
            "needs.csv",
            "gaps",
            "gaps.csv",
            "outcomes",
            "outcomes.csv",
            "barriers",
            "barriers.csv",
        )
    ),
)

CASES = [
    pytest.param(endpoint, persona, id=f"{endpoint.method} {endpoint.path[len(API) :]} {persona}")
    for endpoint in ENDPOINTS
    for persona in (*PERSONAS, FAMILY_MEMBER)
]


def _problem(response: httpx2.Response) -> Json:
    assert response.headers["content-type"] == PROBLEM_JSON, response.text
    body: Json = response.json()
    assert body["status"] == response.status_code
    body.pop("request_id")
    return body


@pytest.fixture
def session_factory(test_in_savepoint: sessionmaker[Session]) -> sessionmaker[Session]:
    """Every test of the module in a savepoint of the module's transaction, which holds the
    matrix's world (``matrix_world``)."""
    return test_in_savepoint


@pytest.fixture(scope="module")
def matrix_world(module_connection: Connection, settings: Settings) -> World:
    return build_world_once(savepoint_factory(module_connection), settings)


@pytest.mark.parametrize(("endpoint", "persona"), CASES)
def test_access_matrix(
    endpoint: Endpoint,
    persona: str,
    client: TestClient,
    session: Session,
    matrix_world: World,
) -> None:
    world = world_for_cell(matrix_world, session)
    if persona == FAMILY_MEMBER:
        # The family session's secret, sent the ways a client could: as the family's cookie
        # and as a bearer token.
        secret = family_session_of(session, world)
        world.headers[persona] = {
            "Authorization": f"Bearer {secret}",
            "Cookie": f"duk_family={secret}",
        }
    expected = expected_status(endpoint.kind, PERSONA[persona], endpoint.success)
    ids = endpoint.ids(world)

    response = endpoint.send(client, world, persona, ids)

    assert response.status_code == expected, response.text
    if expected >= 400:
        problem = _problem(response)
        assert problem["type"] == PROBLEM_TYPE[expected]
        if expected == 401:
            assert response.headers["www-authenticate"] == "Bearer"
        if expected == 404:
            # Exactly what a record that never existed looks like: no existence leak.
            first = next(iter(ids))
            missing = endpoint.send(client, world, persona, {**ids, first: uuid.uuid4()})
            assert missing.status_code == 404, missing.text
            assert problem == _problem(missing)
    endpoint.check(Call(client, world, persona, response, allowed=expected < 400))


# --- the matrix covers the whole API --------------------------------------------------------


def test_every_endpoint_is_in_the_matrix(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        if path.startswith(f"{API}/")
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    classified = {endpoint.key for endpoint in ENDPOINTS}
    assert len(classified) == len(ENDPOINTS), "an endpoint is listed twice"
    assert sorted(operations - UNAUTHENTICATED - classified) == [], "classify these in ENDPOINTS"
    assert sorted(classified - operations) == [], "these are no longer in the API"
    assert UNAUTHENTICATED <= operations


def test_every_persona_has_a_row_in_the_rule_table() -> None:
    assert set(PERSONA) == {*PERSONAS, FAMILY_MEMBER}


def test_health_answers_without_a_token(client: TestClient) -> None:
    response = client.get(f"{API}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_signing_in_with_a_wrong_password_is_401(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    wrong = client.post(
        f"{API}/tokens", json={"username": world.lead.username, "password": PASSWORD + "!"}
    )
    assert wrong.status_code == 401, wrong.text
    assert _problem(wrong)["type"] == "/problems/unauthorized"
    right = client.post(
        f"{API}/tokens", json={"username": world.lead.username, "password": PASSWORD}
    )
    assert right.status_code == 201, right.text
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {right.json()['token']}"})
    assert me.json()["username"] == world.lead.username


# --- consent over time ----------------------------------------------------------------------


def test_reviewer_loses_access_when_consent_is_withdrawn(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    reviewer, lead = world.headers["consented"], world.headers["lead"]
    # Unit B has reviewed the plan (there is no review endpoint yet: record it as one would).
    review = session.scalars(
        select(PlanReview).where(
            PlanReview.plan_id == world.plan.id, PlanReview.unit_id == world.unit_b.id
        )
    ).one()
    review.status = ReviewStatus.approved
    review.reviewer_id = world.consented.id
    review.decided_at = datetime.now(UTC)
    session.commit()
    assert client.get(f"{API}/families/{world.family.id}", headers=reviewer).status_code == 200

    withdrawn = client.post(
        f"{API}/families/{world.family.id}/consents/{world.consent_b_id}/withdraw", headers=lead
    )
    assert withdrawn.status_code == 200, withdrawn.text

    for path in (
        f"/families/{world.family.id}",
        f"/canvases/{world.canvas.id}",
        f"/plans/{world.plan.id}",
    ):
        assert client.get(f"{API}{path}", headers=reviewer).status_code == 404, path
    listed = client.get(f"{API}/families", headers=reviewer).json()["items"]
    assert str(world.family.id) not in {f["id"] for f in listed}
    plan = client.get(f"{API}/plans/{world.plan.id}", headers=lead).json()
    assert [(r["unit_id"], r["status"], r["reviewer_id"]) for r in plan["reviews"]] == [
        (str(world.unit_b.id), "approved", str(world.consented.id))
    ]


def test_an_expired_consent_gives_no_access(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    # The API refuses an expiry in the past, so the consent is made as it would look a year on.
    consent = Consent(
        family_id=world.family.id,
        unit_id=world.unit_c.id,
        purpose=ConsentPurpose.share_plan,
        given_by="Mor",
        given_at=datetime.now(UTC) - timedelta(days=400),
        expires_at=datetime.now(UTC) - timedelta(days=35),
        recorded_by_id=world.lead.id,
    )
    session.add(consent)
    session.commit()
    unit_c = world.headers["other_unit"]
    family = f"{API}/families/{world.family.id}"

    assert client.get(family, headers=unit_c).status_code == 404
    assert client.get(f"{API}/canvases/{world.canvas.id}", headers=unit_c).status_code == 404
    listed = client.get(f"{API}/families", headers=unit_c).json()["items"]
    assert str(world.family.id) not in {f["id"] for f in listed}

    # The same consent, still within its term, does open the family: it was the expiry.
    consent.expires_at = datetime.now(UTC) + timedelta(days=30)
    session.commit()
    assert client.get(family, headers=unit_c).status_code == 200

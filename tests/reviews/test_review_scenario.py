"""Issue 4, "Done when": the whole review flow through the API, with three services.

The plan lead works in the family team; the plan holds actions for NAV, the child welfare
service and the school. The family consents to two of them, the plan is refused naming the
third; with the third consent it goes to review, the school asks for changes, version 2 is
approved by all three and by the family and is in force; the child welfare service reports on
its action; then the family withdraws that service's consent and it sees nothing any more.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx2
from babel.dates import format_date
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from app.models import ActionEvent, Unit
from app.models.enums import ActionStatus, Role
from tests.factories import auth_headers, make_unit, make_user
from tests.html import page
from tests.pages import SignedIn

API = "/api/v1"
IN_TWO_WEEKS = (local_today() + timedelta(days=14)).isoformat()
IN_A_MONTH = (local_today() + timedelta(days=30)).isoformat()
IN_THREE_MONTHS = (local_today() + timedelta(days=90)).isoformat()


@dataclass
class Service:
    unit: Unit
    headers: dict[str, str]
    display_name: str


class Lead:
    """The plan lead at work: every call must succeed with the given status."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def call(
        self, method: str, path: str, status: int, *, if_match: int | None = None, **kwargs: Any
    ) -> Any:
        headers = dict(self.headers)
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        response = self.client.request(method, f"{API}{path}", headers=headers, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def send(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        return self.client.request(method, f"{API}{path}", headers=self.headers, **kwargs)


def queue_of(client: TestClient, service: Service) -> list[tuple[str, int]]:
    response = client.get(f"{API}/review-queue", headers=service.headers)
    assert response.status_code == 200, response.text
    return [(item["plan_id"], item["number"]) for item in response.json()]


def decide(client: TestClient, service: Service, plan_id: str, decision: str, comment: str) -> None:
    response = client.post(
        f"{API}/plans/{plan_id}/reviews",
        json={"decision": decision, "comment": comment},
        headers=service.headers,
    )
    assert response.status_code == 200, response.text


def test_three_services_review_the_plan_with_the_familys_consent(
    client: TestClient, session: Session, settings: Settings, signed_in: SignedIn
) -> None:
    team = make_unit(session, name="Familieteamet")
    services: dict[str, Service] = {}
    for key, name, role in (
        ("nav", "NAV Fredrikstad", Role.caseworker),
        ("barnevern", "Barneverntjenesten", Role.reviewer),
        ("skole", "Gressvik skole", Role.reviewer),
    ):
        unit = make_unit(session, name=name)
        user = make_user(session, role=role, units=[unit], display_name=f"Ansatt i {name}")
        services[key] = Service(unit, auth_headers(session, user, settings), user.display_name)
    kari = make_user(session, units=[team], display_name="Kari Kontakt", username="kari-scenario")
    lead = Lead(client, auth_headers(session, kari, settings))
    session.commit()
    nav, barnevern, skole = services["nav"], services["barnevern"], services["skole"]

    # The tablet conversation: a family, its canvas, a need, a goal and one action per service.
    family = lead.call(
        "POST",
        "/families",
        201,
        json={
            "display_name": "Familien Haddad",
            "municipality_code": "3107",
            "language": "en",  # the plan page reads in the family's language
            "household": {"adults": 1, "children_birth_years": [2015], "single_parent": True},
        },
    )
    canvas = lead.call(
        "POST", f"/families/{family['id']}/canvases", 201, json={"template_key": "familie"}
    )
    lead.call(
        "PATCH",
        f"/canvases/{canvas['id']}",
        200,
        if_match=canvas["version"],
        json={
            "centre": {"what_matters": "At barna har det godt."},
            "domains": {"bolig": {"strengths": "Vi står sammen."}},
            "participants": [
                {"name": "Amina", "role": "family_member"},
                {"name": "Kari Kontakt", "role": "plan_lead"},
            ],
            "period": {"from": local_today().isoformat(), "to": IN_THREE_MONTHS},
            "next_review_date": IN_A_MONTH,
        },
    )
    need = lead.call(
        "POST",
        f"/canvases/{canvas['id']}/needs",
        201,
        json={"domain": "bolig", "text": "Vi trenger en større bolig.", "priority": 1},
    )
    lead.call(
        "POST",
        f"/canvases/{canvas['id']}/goals",
        201,
        json={"horizon": "short", "text": "Søke kommunal bolig.", "domains": ["bolig"]},
    )
    actions: dict[str, dict[str, Any]] = {}
    for key, text in (
        ("nav", "NAV hjelper med søknad om bostøtte."),
        ("barnevern", "Barnevernet tilbyr foreldreveiledning."),
        ("skole", "Skolen gir leksehjelp to dager i uka."),
    ):
        actions[key] = lead.call(
            "POST",
            f"/canvases/{canvas['id']}/actions",
            201,
            json={
                "text": text,
                "responsible": {"kind": "unit", "unit_id": str(services[key].unit.id)},
                "due": IN_TWO_WEEKS,
                "need_ids": [need["id"]],
            },
        )
    consents: dict[str, dict[str, Any]] = {}

    def consent(key: str) -> None:
        consents[key] = lead.call(
            "POST",
            f"/families/{family['id']}/consents",
            201,
            json={"unit_id": str(services[key].unit.id), "given_by": "Amina"},
        )

    # Consent for two of the three: the plan is refused, naming the third.
    consent("nav")
    consent("barnevern")
    refused = lead.send("POST", f"/canvases/{canvas['id']}/plans")
    assert refused.status_code == 422, refused.text
    [missing] = refused.json()["errors"]
    assert missing["field"] == f"consents.{skole.unit.id}"
    assert "Gressvik skole" in missing["message"]
    assert lead.call("GET", f"/families/{family['id']}/plans", 200) == []

    # With the third consent, version 1 goes to the three services for review.
    consent("skole")
    plan_1 = lead.call("POST", f"/canvases/{canvas['id']}/plans", 201)
    assert (plan_1["number"], plan_1["status"]) == (1, "in_review")
    assert {r["unit_id"]: r["status"] for r in plan_1["reviews"]} == {
        str(s.unit.id): "pending" for s in services.values()
    }
    for service in services.values():
        assert queue_of(client, service) == [(plan_1["id"], 1)]

    # The school asks for changes; the plan lead moves its action and submits version 2.
    decide(client, nav, plan_1["id"], "approved", "")
    decide(client, skole, plan_1["id"], "changes_requested", "Leksehjelp passer best i januar.")
    reviews_1 = lead.call("GET", f"/plans/{plan_1['id']}", 200)["reviews"]
    assert {r["unit_name"]: (r["status"], r["comment"]) for r in reviews_1}["Gressvik skole"] == (
        "changes_requested",
        "Leksehjelp passer best i januar.",
    )
    school_action = actions["skole"]
    lead.call(
        "PATCH",
        f"/actions/{school_action['id']}",
        200,
        if_match=school_action["version"],
        json={"due": IN_A_MONTH, "text": "Skolen gir leksehjelp fra januar."},
    )
    plan_2 = lead.call("POST", f"/canvases/{canvas['id']}/plans", 201)
    assert plan_2["number"] == 2
    assert lead.call("GET", f"/plans/{plan_1['id']}", 200)["status"] == "superseded"
    for service in services.values():
        assert queue_of(client, service) == [(plan_2["id"], 2)]

    # What changed: the school's action, and nothing else.
    diff = lead.call("GET", f"/plans/{plan_2['id']}/diff", 200, params={"against": 1})
    [changed] = diff["actions"]["changed"]
    assert changed["id"] == school_action["id"]
    assert {c["field"]: c["after"] for c in changed["changes"]} == {
        "text": "Skolen gir leksehjelp fra januar.",
        "due": IN_A_MONTH,
    }
    assert diff["actions"]["added"] == diff["actions"]["removed"] == []
    assert diff["goals"]["changed"] == diff["needs"]["changed"] == []

    # All three approve, the family approves: version 2 is in force.
    for service in services.values():
        decide(client, service, plan_2["id"], "approved", "")
        assert queue_of(client, service) == []
    assert lead.call("GET", f"/plans/{plan_2['id']}", 200)["status"] == "in_review"
    active = lead.call(
        "POST", f"/plans/{plan_2['id']}/family-approval", 200, json={"approved_by": "Amina"}
    )
    assert (active["status"], active["family_approved_by"]) == ("active", "Amina")
    assert active["activated_at"] is not None
    assert [p["status"] for p in lead.call("GET", f"/families/{family['id']}/plans", 200)] == [
        "superseded",
        "active",
    ]

    # The child welfare service reports on its own action; the plan lead sees who and when.
    welfare_action = actions["barnevern"]
    started = client.patch(
        f"{API}/actions/{welfare_action['id']}",
        json={"status": "in_progress"},
        headers={**barnevern.headers, "If-Match": f'"{welfare_action["version"]}"'},
    )
    assert started.status_code == 200, started.text
    in_canvas = lead.call("GET", f"/canvases/{canvas['id']}", 200)["actions"]
    assert {a["id"]: a["status"] for a in in_canvas}[welfare_action["id"]] == "in_progress"
    [event] = session.scalars(
        select(ActionEvent).where(
            ActionEvent.action_id == uuid.UUID(welfare_action["id"]),
            ActionEvent.to_status == ActionStatus.in_progress,
        )
    ).all()
    assert event.unit_id == barnevern.unit.id
    plan_page = signed_in(kari, language="en").get(f"/plans/{plan_2['id']}")
    assert plan_page.status_code == 200
    on = format_date(event.at.date(), format="long", locale="en_GB")
    who_and_when = f"Under way – {barnevern.display_name}, Barneverntjenesten, {on}"
    assert who_and_when in page(plan_page).text

    # The family withdraws the child welfare service's consent: it sees nothing any more.
    lead.call(
        "POST", f"/families/{family['id']}/consents/{consents['barnevern']['id']}/withdraw", 200
    )
    for path in (
        f"/plans/{plan_2['id']}",
        f"/families/{family['id']}",
        f"/canvases/{canvas['id']}",
    ):
        gone = client.get(f"{API}{path}", headers=barnevern.headers)
        assert gone.status_code == 404, path
    assert queue_of(client, barnevern) == []
    # The record of who approved what stays (DESIGN §4.4).
    final = lead.call("GET", f"/plans/{plan_2['id']}", 200)["reviews"]
    assert {r["unit_id"]: r["status"] for r in final}[str(barnevern.unit.id)] == "approved"
    # The other services still read the plan.
    assert client.get(f"{API}/plans/{plan_2['id']}", headers=nav.headers).status_code == 200

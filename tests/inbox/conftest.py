"""A family whose plan lead has shared a plan with one other unit, made through the API the way
a caseworker makes it: family, canvas, need, goal, an action for the other unit, its consent,
and the plan submitted for review."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from app.models import Unit, User
from app.models.enums import Role
from tests.factories import auth_headers, make_unit, make_user

API = "/api/v1"
Json = dict[str, Any]


def in_days(days: int) -> str:
    return (local_today() + timedelta(days=days)).isoformat()


def created(client: TestClient, path: str, headers: dict[str, str], body: Json) -> Json:
    response = client.post(f"{API}{path}", headers=headers, json=body)
    assert response.status_code == 201, response.text
    answer: Json = response.json()
    return answer


@dataclass
class Shared:
    """Unit A is the plan lead's; unit B has the family's consent and an action in the plan."""

    client: TestClient
    unit_a: Unit
    unit_b: Unit
    lead: User
    reviewer: User
    headers: dict[str, str]
    reviewer_headers: dict[str, str]
    family_id: str
    canvas_id: str
    need_id: str
    consent_b_id: str
    action_b_id: str
    plan_id: str

    def inbox(self, headers: dict[str, str]) -> Json:
        response = self.client.get(f"{API}/inbox", headers={**headers, "Accept-Language": "en"})
        assert response.status_code == 200, response.text
        body: Json = response.json()
        return body

    def items(self, headers: dict[str, str], kind: str | None = None) -> list[Json]:
        items: list[Json] = self.inbox(headers)["items"]
        return [i for i in items if kind is None or i["kind"] == kind]

    def add_action(self, text: str, due: str, responsible: Json, *, agreed: bool = True) -> str:
        """An action on the canvas; ``agreed``: put in a new plan version, as the plan lead does
        once the family has agreed to it (a unit hears of its actions from a submitted plan)."""
        body = {"text": text, "responsible": responsible, "due": due, "need_ids": [self.need_id]}
        action: Json = created(
            self.client, f"/canvases/{self.canvas_id}/actions", self.headers, body
        )
        if agreed:
            self.plan_id = str(self.submit_plan()["id"])
        return str(action["id"])

    def give_consent(self, unit: Unit, expires_at: datetime | None = None) -> str:
        body: Json = {"unit_id": str(unit.id), "purpose": "share_plan", "given_by": "Mor"}
        if expires_at is not None:
            body["expires_at"] = expires_at.isoformat()
        consent = created(self.client, f"/families/{self.family_id}/consents", self.headers, body)
        return str(consent["id"])

    def submit_plan(self) -> Json:
        return created(self.client, f"/canvases/{self.canvas_id}/plans", self.headers, {})


def fill_canvas(client: TestClient, headers: dict[str, str], canvas: Json) -> None:
    response = client.patch(
        f"{API}/canvases/{canvas['id']}",
        headers={**headers, "If-Match": f'"{canvas["version"]}"'},
        json={
            "centre": {"what_matters": "At vi har det trygt hjemme."},
            "domains": {
                "bolig": {
                    "situation": "Vi bor trangt.",
                    "family_score": 3,
                    "strengths": "Vi holder sammen.",
                }
            },
            "participants": [
                {"name": "Mor", "role": "family_member"},
                {"name": "Veileder", "role": "plan_lead"},
            ],
            "period": {"from": in_days(0), "to": in_days(90)},
            "next_review_date": in_days(30),
        },
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def shared(client: TestClient, session: Session, settings: Settings) -> Shared:
    unit_a = make_unit(session, name="NAV Sentrum")
    unit_b = make_unit(session, name="Barnevernet Øst")
    lead = make_user(session, units=[unit_a], display_name="Kari Lead")
    reviewer = make_user(session, role=Role.reviewer, units=[unit_b], display_name="Berit B")
    headers = auth_headers(session, lead, settings)
    reviewer_headers = auth_headers(session, reviewer, settings)
    session.commit()

    family = created(
        client,
        "/families",
        headers,
        {
            "display_name": "Familien Haddad",
            "municipality_code": "3107",
            "language": "nb",
            "household": {"adults": 2, "children_birth_years": [2015], "single_parent": False},
        },
    )
    canvas = created(
        client, f"/families/{family['id']}/canvases", headers, {"template_key": "familie"}
    )
    fill_canvas(client, headers, canvas)
    need = created(
        client,
        f"/canvases/{canvas['id']}/needs",
        headers,
        {"domain": "bolig", "text": "Vi trenger større bolig.", "priority": 1},
    )
    created(
        client,
        f"/canvases/{canvas['id']}/goals",
        headers,
        {"horizon": "short", "text": "Søke ny bolig.", "domains": ["bolig"]},
    )
    case = Shared(
        client=client,
        unit_a=unit_a,
        unit_b=unit_b,
        lead=lead,
        reviewer=reviewer,
        headers=headers,
        reviewer_headers=reviewer_headers,
        family_id=family["id"],
        canvas_id=canvas["id"],
        need_id=need["id"],
        consent_b_id="",
        action_b_id="",
        plan_id="",
    )
    case.action_b_id = case.add_action(
        "Barnevernet tilbyr foreldreveiledning.",
        in_days(14),
        {"kind": "unit", "unit_id": str(unit_b.id)},
        agreed=False,  # the plan is submitted below, once the family has consented
    )
    case.consent_b_id = case.give_consent(unit_b)
    case.plan_id = str(case.submit_plan()["id"])
    return case


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """The first word of every statement sent to the database while the test runs."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]).lstrip().split()[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def now() -> datetime:
    return datetime.now(UTC)

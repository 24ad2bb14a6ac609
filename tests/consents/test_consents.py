"""The family's consent to share its plan with a unit (DESIGN §3 Consent, §4.1, §4.4)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import AuditEvent, Family, Unit, User
from app.models.enums import Role
from tests.factories import World, auth_headers, build_world, make_family, make_unit, make_user


@pytest.fixture
def lead_side(session: Session, settings: Settings) -> tuple[Family, dict[str, str], Unit, User]:
    """A family, its plan lead's headers, another unit and a reviewer in that unit."""
    lead = make_user(session, units=[make_unit(session)])
    family = make_family(session, lead, settings)
    unit = make_unit(session, name="Helsestasjonen")
    reviewer = make_user(session, role=Role.reviewer, units=[unit])
    headers = auth_headers(session, lead, settings)
    session.commit()
    return family, headers, unit, reviewer


def test_plan_lead_records_a_consent(
    client: TestClient, lead_side: tuple[Family, dict[str, str], Unit, User]
) -> None:
    family, headers, unit, _ = lead_side
    expires = (datetime.now(UTC) + timedelta(days=365)).replace(microsecond=0)

    response = client.post(
        f"/api/v1/families/{family.id}/consents",
        json={
            "unit_id": str(unit.id),
            "purpose": "share_plan",
            "given_by": "Mor",
            "expires_at": expires.isoformat(),
        },
        headers=headers,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert {
        "id",
        "unit_id",
        "purpose",
        "given_by",
        "given_at",
        "expires_at",
        "withdrawn_at",
    } <= set(body)
    assert body["unit_id"] == str(unit.id)
    assert body["purpose"] == "share_plan"
    assert body["given_by"] == "Mor"
    assert datetime.fromisoformat(body["given_at"]).tzinfo is not None
    assert datetime.fromisoformat(body["expires_at"]) == expires
    assert body["withdrawn_at"] is None
    listed = client.get(f"/api/v1/families/{family.id}/consents", headers=headers).json()
    assert [c["id"] for c in listed] == [body["id"]]


def test_consent_gives_the_units_reviewer_access(
    client: TestClient,
    session: Session,
    settings: Settings,
    lead_side: tuple[Family, dict[str, str], Unit, User],
) -> None:
    family, headers, unit, reviewer = lead_side
    reviewer_headers = auth_headers(session, reviewer, settings)
    session.commit()
    url = f"/api/v1/families/{family.id}"
    assert client.get(url, headers=reviewer_headers).status_code == 404

    given = client.post(
        f"{url}/consents", json={"unit_id": str(unit.id), "given_by": "Far"}, headers=headers
    )

    assert given.status_code == 201, given.text
    assert client.get(url, headers=reviewer_headers).status_code == 200


def test_consent_for_an_unknown_unit_is_422(
    client: TestClient, lead_side: tuple[Family, dict[str, str], Unit, User]
) -> None:
    family, headers, _, _ = lead_side

    response = client.post(
        f"/api/v1/families/{family.id}/consents",
        json={"unit_id": str(uuid.uuid4()), "given_by": "Mor"},
        headers=headers,
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["unit_id"]
    assert client.get(f"/api/v1/families/{family.id}/consents", headers=headers).json() == []


@pytest.mark.parametrize(
    "expires_at",
    [
        pytest.param((datetime.now(UTC) - timedelta(days=1)).isoformat(), id="in-the-past"),
        pytest.param(
            (datetime.now(UTC) + timedelta(days=30)).replace(tzinfo=None).isoformat(),
            id="naive",
        ),
    ],
)
def test_consent_expiry_must_be_a_future_time_with_offset(
    client: TestClient,
    lead_side: tuple[Family, dict[str, str], Unit, User],
    expires_at: str,
) -> None:
    family, headers, unit, _ = lead_side

    response = client.post(
        f"/api/v1/families/{family.id}/consents",
        json={"unit_id": str(unit.id), "given_by": "Mor", "expires_at": expires_at},
        headers=headers,
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["expires_at"]
    assert client.get(f"/api/v1/families/{family.id}/consents", headers=headers).json() == []


def test_withdrawing_consent_records_when(
    client: TestClient, lead_side: tuple[Family, dict[str, str], Unit, User]
) -> None:
    family, headers, unit, _ = lead_side
    consent = client.post(
        f"/api/v1/families/{family.id}/consents",
        json={"unit_id": str(unit.id), "given_by": "Mor"},
        headers=headers,
    ).json()
    url = f"/api/v1/families/{family.id}/consents/{consent['id']}/withdraw"

    withdrawn = client.post(url, headers=headers)
    again = client.post(url, headers=headers)

    assert withdrawn.status_code == 200, withdrawn.text
    withdrawn_at = datetime.fromisoformat(withdrawn.json()["withdrawn_at"])
    assert withdrawn_at >= datetime.fromisoformat(consent["given_at"])
    assert again.status_code == 409
    listed = client.get(f"/api/v1/families/{family.id}/consents", headers=headers).json()
    assert datetime.fromisoformat(listed[0]["withdrawn_at"]) == withdrawn_at


def test_reviewer_loses_access_when_consent_is_withdrawn(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    reviewer = world.headers["consented"]
    records = [
        f"/api/v1/families/{world.family.id}",
        f"/api/v1/families/{world.family.id}/assigned",
        f"/api/v1/plans/{world.plan.id}",
    ]
    for url in records:
        assert client.get(url, headers=reviewer).status_code == 200, url

    withdrawn = client.post(
        f"/api/v1/families/{world.family.id}/consents/{world.consent_b_id}/withdraw",
        headers=world.headers["lead"],
    )

    assert withdrawn.status_code == 200, withdrawn.text
    for url in records:
        assert client.get(url, headers=reviewer).status_code == 404, url
    listed = client.get("/api/v1/families", headers=reviewer).json()["items"]
    assert str(world.family.id) not in [f["id"] for f in listed]


def test_only_the_plan_lead_side_manages_consents(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    url = f"/api/v1/families/{world.family.id}/consents"
    body = {"unit_id": str(world.unit_c.id), "given_by": "Mor"}

    # A consent shares the plan, not the family's consents: for the consented unit they are
    # not there, as for any unit without consent.
    assert client.post(url, json=body, headers=world.headers["consented"]).status_code == 404
    assert client.post(url, json=body, headers=world.headers["other_unit"]).status_code == 404
    assert (
        client.post(
            f"{url}/{world.consent_b_id}/withdraw", headers=world.headers["consented"]
        ).status_code
        == 404
    )
    assert client.post(url, json=body, headers=world.headers["same_unit"]).status_code == 201


# --- several units in one go ------------------------------------------------------------------


def test_one_consent_for_several_units_records_one_per_unit_each_audited(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    family_url = f"/api/v1/families/{world.family.id}"
    url = f"{family_url}/consents"
    expires = (datetime.now(UTC) + timedelta(days=200)).replace(microsecond=0)
    # unit D's consent was withdrawn: the family may give it again.
    units = [world.unit_c.id, world.unit_d.id]
    for persona in ("other_unit", "withdrawn"):
        assert client.get(family_url, headers=world.headers[persona]).status_code == 404

    response = client.post(
        f"{url}/batch",
        json={
            "unit_ids": [str(u) for u in units],
            "purpose": "share_plan",
            "given_by": "Far",
            "expires_at": expires.isoformat(),
        },
        headers=world.headers["lead"],
    )

    assert response.status_code == 201, response.text
    assert response.headers["location"] == url
    items = response.json()["items"]
    assert [(c["unit_id"], c["given_by"], c["active"]) for c in items] == [
        (str(u), "Far", True) for u in units
    ]
    assert {datetime.fromisoformat(c["expires_at"]) for c in items} == {expires}
    listed = client.get(url, headers=world.headers["lead"]).json()
    assert {c["id"] for c in items} <= {c["id"] for c in listed}
    given = session.scalars(
        select(AuditEvent.record_id).where(
            AuditEvent.family_id == world.family.id, AuditEvent.action == "consent_given"
        )
    ).all()
    assert {c["id"] for c in items} <= set(given)
    for persona in ("other_unit", "withdrawn"):
        assert client.get(family_url, headers=world.headers[persona]).status_code == 200


@pytest.mark.parametrize(
    ("units", "refused"),
    [
        pytest.param(lambda w: [w.unit_c.id, w.unit_b.id], [1], id="one-has-consent-already"),
        pytest.param(lambda w: [w.unit_a.id, w.unit_c.id], [0], id="the-plan-leads-own"),
        pytest.param(lambda w: [w.unit_c.id, uuid.uuid4()], [1], id="unknown"),
        pytest.param(lambda w: [w.unit_c.id, w.unit_c.id], [1], id="named-twice"),
    ],
)
def test_a_batch_with_a_unit_it_may_not_name_records_none(
    client: TestClient,
    session: Session,
    settings: Settings,
    units: Callable[[World], list[uuid.UUID]],
    refused: list[int],
) -> None:
    world = build_world(session, settings)
    url = f"/api/v1/families/{world.family.id}/consents"
    before = client.get(url, headers=world.headers["lead"]).json()

    response = client.post(
        f"{url}/batch",
        json={"unit_ids": [str(u) for u in units(world)], "given_by": "Far"},
        headers=world.headers["lead"],
    )

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [f"unit_ids[{i}]" for i in refused]
    assert client.get(url, headers=world.headers["lead"]).json() == before


def test_a_batch_names_at_least_one_unit(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    response = client.post(
        f"/api/v1/families/{world.family.id}/consents/batch",
        json={"unit_ids": [], "given_by": "Far"},
        headers=world.headers["lead"],
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["unit_ids"]

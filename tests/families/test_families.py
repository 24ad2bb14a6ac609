"""Starting and keeping a family (DESIGN §3 Family, §8 /families, /units)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.families import service as family_service
from app.models import Family, Unit, User
from app.models.enums import Role
from tests.factories import auth_headers, build_world, make_family, make_unit, make_user

NATIONAL_ID = "01017012345"


def new_family(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "display_name": "Familien Hansen",
        "municipality_code": "3107",
        "language": "nb",
        "household": {"adults": 1, "children_birth_years": [2012, 2016], "single_parent": True},
    }
    body.update(changes)
    return body


@pytest.fixture
def caseworker(session: Session) -> tuple[User, Unit]:
    unit = make_unit(session, name="NAV Fredrikstad")
    user = make_user(session, units=[unit])
    session.commit()
    return user, unit


def test_caseworker_creates_a_family_and_becomes_its_plan_lead(
    client: TestClient, session: Session, settings: Settings, caseworker: tuple[User, Unit]
) -> None:
    user, unit = caseworker
    headers = auth_headers(session, user, settings)
    session.commit()

    response = client.post("/api/v1/families", json=new_family(), headers=headers)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["plan_lead"]["id"] == str(user.id)
    assert body["plan_lead"]["username"] == user.username
    assert body["lead_unit_id"] == str(unit.id)
    assert body["display_name"] == "Familien Hansen"
    assert body["household"] == {
        "adults": 1,
        "children_birth_years": [2012, 2016],
        "single_parent": True,
    }
    assert body["status"] == "active"
    assert body["version"] == 1
    assert response.headers["etag"] == '"1"'
    assert client.get(f"/api/v1/families/{body['id']}", headers=headers).status_code == 200


def test_reviewer_cannot_create_a_family(
    client: TestClient, session: Session, settings: Settings
) -> None:
    reviewer = make_user(session, role=Role.reviewer, units=[make_unit(session)])
    headers = auth_headers(session, reviewer, settings)
    session.commit()

    response = client.post("/api/v1/families", json=new_family(), headers=headers)

    assert response.status_code == 403
    assert session.scalar(select(Family).where(Family.plan_lead_id == reviewer.id)) is None


def test_national_id_is_kept_encrypted_and_never_returned(
    client: TestClient, session: Session, settings: Settings, caseworker: tuple[User, Unit]
) -> None:
    user, _ = caseworker
    headers = auth_headers(session, user, settings)
    session.commit()

    created = client.post(
        "/api/v1/families", json=new_family(national_id=NATIONAL_ID), headers=headers
    )
    assert created.status_code == 201, created.text
    family_id = created.json()["id"]
    answers = [
        created,
        client.get(f"/api/v1/families/{family_id}", headers=headers),
        client.get("/api/v1/families", headers=headers),
        client.patch(
            f"/api/v1/families/{family_id}",
            json={"language": "nn"},
            headers={**headers, "If-Match": '"1"'},
        ),
    ]

    for answer in answers:
        assert answer.status_code in (200, 201), answer.text
        assert NATIONAL_ID not in answer.text
        assert "national_id" not in answer.text
    raw = session.scalar(
        select(Family.__table__.c.national_id_encrypted).where(
            Family.__table__.c.id == uuid.UUID(family_id)
        )
    )
    assert raw is not None
    assert NATIONAL_ID.encode() not in bytes(raw)
    stored = session.scalar(select(Family).where(Family.id == uuid.UUID(family_id)))
    assert stored is not None
    assert family_service.national_id(settings, stored) == NATIONAL_ID


def test_national_id_must_be_eleven_digits(
    client: TestClient, session: Session, settings: Settings, caseworker: tuple[User, Unit]
) -> None:
    user, _ = caseworker
    headers = auth_headers(session, user, settings)
    session.commit()

    response = client.post(
        "/api/v1/families", json=new_family(national_id="0101701234"), headers=headers
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["national_id"]


def test_patch_needs_the_current_version_in_if_match(
    client: TestClient, session: Session, settings: Settings, caseworker: tuple[User, Unit]
) -> None:
    user, _ = caseworker
    family = make_family(session, user, settings, display_name="Familien Berg")
    headers = auth_headers(session, user, settings)
    session.commit()
    url = f"/api/v1/families/{family.id}"

    missing = client.patch(url, json={"display_name": "Familien Fjell"}, headers=headers)
    updated = client.patch(
        url, json={"display_name": "Familien Fjell"}, headers={**headers, "If-Match": '"1"'}
    )
    stale = client.patch(
        url, json={"display_name": "Familien Dal"}, headers={**headers, "If-Match": '"1"'}
    )

    assert missing.status_code == 428
    assert updated.status_code == 200, updated.text
    assert updated.json()["display_name"] == "Familien Fjell"
    assert updated.json()["version"] == 2
    assert updated.headers["etag"] == '"2"'
    assert stale.status_code == 412
    assert client.get(url, headers=headers).json()["display_name"] == "Familien Fjell"


def test_family_list_comes_in_pages(
    client: TestClient, session: Session, settings: Settings, caseworker: tuple[User, Unit]
) -> None:
    user, _ = caseworker
    created = {str(make_family(session, user, settings).id) for _ in range(3)}
    headers = auth_headers(session, user, settings)
    session.commit()

    first = client.get("/api/v1/families", params={"limit": 2}, headers=headers)
    assert first.status_code == 200, first.text
    assert set(first.json()) == {"items", "next"}
    assert len(first.json()["items"]) == 2
    assert first.json()["next"]
    second = client.get(
        "/api/v1/families", params={"limit": 2, "cursor": first.json()["next"]}, headers=headers
    )
    assert second.status_code == 200, second.text
    assert len(second.json()["items"]) == 1
    assert second.json()["next"] is None

    seen = [f["id"] for f in first.json()["items"] + second.json()["items"]]
    assert sorted(seen) == sorted(created)


@pytest.mark.parametrize(("limit", "status"), [(0, 422), (1, 200), (200, 200), (201, 422)])
def test_family_list_limit_is_between_1_and_200(
    client: TestClient,
    session: Session,
    settings: Settings,
    caseworker: tuple[User, Unit],
    limit: int,
    status: int,
) -> None:
    user, _ = caseworker
    headers = auth_headers(session, user, settings)
    session.commit()

    response = client.get("/api/v1/families", params={"limit": limit}, headers=headers)

    assert response.status_code == status
    if status == 422:
        assert [e["field"] for e in response.json()["errors"]] == ["query.limit"]


def test_a_cursor_not_made_by_the_api_is_422(
    client: TestClient, session: Session, settings: Settings, caseworker: tuple[User, Unit]
) -> None:
    user, _ = caseworker
    headers = auth_headers(session, user, settings)
    session.commit()

    response = client.get("/api/v1/families", params={"cursor": "not a cursor"}, headers=headers)

    assert response.status_code == 422


def test_family_list_holds_only_families_the_caller_may_see(
    client: TestClient, session: Session, settings: Settings, caseworker: tuple[User, Unit]
) -> None:
    user, _ = caseworker
    mine = make_family(session, user, settings)
    stranger = make_user(session, units=[make_unit(session)])
    make_family(session, stranger, settings)
    headers = auth_headers(session, user, settings)
    session.commit()

    response = client.get("/api/v1/families", headers=headers)

    assert [f["id"] for f in response.json()["items"]] == [str(mine.id)]


def test_units_are_listed_for_a_signed_in_user(
    client: TestClient, session: Session, settings: Settings, caseworker: tuple[User, Unit]
) -> None:
    user, unit = caseworker
    headers = auth_headers(session, user, settings)
    session.commit()

    response = client.get("/api/v1/units", headers=headers)

    assert response.status_code == 200, response.text
    units = {u["id"]: u for u in response.json()}
    assert units[str(unit.id)] == {
        "id": str(unit.id),
        "slug": unit.slug,
        "name": "NAV Fredrikstad",
        "level": "municipal",
        "municipality_code": "3107",
        "parent_id": None,
    }
    assert client.get("/api/v1/units").status_code == 401


@pytest.mark.parametrize(
    "household",
    [
        {"adults": "1", "children_birth_years": [], "single_parent": True},
        {"adults": 1, "children_birth_years": [], "single_parent": 0},
        {"adults": 1.0, "children_birth_years": [], "single_parent": "yes"},
    ],
)
def test_household_facts_are_of_their_own_kind_not_guessed_from_others(
    client: TestClient, session: Session, settings: Settings, household: dict[str, object]
) -> None:
    """Found by schemathesis: 0 was taken for "no" and "1" for one adult."""
    world = build_world(session, settings)
    response = client.post(
        "/api/v1/families",
        json={
            "display_name": "Familien Streng",
            "municipality_code": "3107",
            "language": "nb",
            "household": household,
        },
        headers=world.headers["lead"],
    )
    assert response.status_code == 422, response.text

"""Family members through the API (DESIGN §3 FamilyMember, §8): the plan lead's side records
them; the national ID number goes in, is stored encrypted with its keyed hash, and never comes
out; everyone else finds nothing."""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit import crypto
from app.models import AuditEvent, FamilyMember
from tests.factories import World, build_world
from tests.members.numbers import fodselsnummer

API = "/api/v1"
MOR = fodselsnummer(date(1985, 6, 2))


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    world = build_world(session, settings)
    session.commit()
    return world


def mother(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Amina Hassan",
        "relation": "parent",
        "birth_year": 1985,
        "language": "en",
        "parental_responsibility": True,
        "national_id": MOR,
    }
    body.update(changes)
    return body


def add(client: TestClient, world: World, body: dict[str, Any], who: str = "lead") -> Any:
    return client.post(
        f"{API}/families/{world.family.id}/members", json=body, headers=world.headers[who]
    )


def test_the_plan_lead_adds_a_member_whose_number_never_comes_back(
    client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    created = add(client, world, mother())

    assert created.status_code == 201, created.text
    body = created.json()
    assert MOR not in created.text
    assert "national_id" not in body
    assert body["has_national_id"] is True
    assert body["may_sign_in"] is True
    assert created.headers["location"] == f"{API}/members/{body['id']}"
    assert created.headers["etag"] == '"1"'
    listed = client.get(
        f"{API}/families/{world.family.id}/members", headers=world.headers["same_unit"]
    )
    assert [m["name"] for m in listed.json()] == ["Amina Hassan", "Mor Test"]
    assert MOR not in listed.text
    # Stored encrypted, and findable by its keyed hash without decrypting a row.
    raw = session.execute(
        select(FamilyMember.national_id_encrypted, FamilyMember.national_id_key).where(
            FamilyMember.id == uuid.UUID(body["id"])
        )
    ).one()
    assert raw[0] is not None
    assert raw[1] is not None
    assert MOR.encode() not in bytes(raw[0])
    assert MOR not in raw[1]
    assert crypto.data_keys(settings).decrypt(bytes(raw[0])) == MOR
    found = session.scalars(
        select(FamilyMember.name).where(
            FamilyMember.national_id_key.in_(crypto.data_keys(settings).lookup_hashes(MOR))
        )
    ).all()
    assert found == ["Amina Hassan"]


def test_the_number_is_not_in_the_logs(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bad = MOR[:10] + str((int(MOR[10]) + 1) % 10)

    add(client, world, mother())
    refused = add(client, world, mother(name="Someone", national_id=bad))

    assert refused.status_code == 422
    assert bad not in refused.text
    assert MOR not in caplog.text
    assert bad not in caplog.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"national_id": "12345678901"}, "national_id"),
        ({"national_id": MOR[:10] + str((int(MOR[10]) + 1) % 10)}, "national_id"),
        ({"birth_year": 1986}, "birth_year"),
        ({"relation": "child", "birth_year": 1985}, "parental_responsibility"),
        ({"relation": "cousin"}, "relation"),
        ({"birth_year": date.today().year + 1, "national_id": None}, "birth_year"),
        ({"name": " "}, "name"),
        ({"is_admin": True}, "is_admin"),
    ],
)
def test_a_refused_member_names_the_field_and_records_nothing(
    client: TestClient, session: Session, world: World, changes: dict[str, Any], field: str
) -> None:
    refused = add(client, world, mother(**changes))

    assert refused.status_code == 422, refused.text
    assert field in {e["field"].split(".")[-1] for e in refused.json()["errors"]}
    assert session.scalars(select(FamilyMember.name)).all() == ["Mor Test"]


def test_the_same_number_twice_in_one_family_is_refused(client: TestClient, world: World) -> None:
    assert add(client, world, mother()).status_code == 201

    twin = add(client, world, mother(name="Amina H."))

    assert twin.status_code == 422
    assert [e["field"] for e in twin.json()["errors"]] == ["national_id"]


def test_patch_needs_the_version_and_forgets_the_number_when_told(
    client: TestClient, world: World
) -> None:
    member = add(client, world, mother()).json()
    url = f"{API}/members/{member['id']}"
    headers = world.headers["lead"]

    missing = client.patch(url, json={"name": "Amina"}, headers=headers)
    stale = client.patch(url, json={"name": "Amina"}, headers={**headers, "If-Match": '"7"'})
    changed = client.patch(
        url, json={"name": "Amina", "national_id": None}, headers={**headers, "If-Match": '"1"'}
    )

    assert (missing.status_code, stale.status_code) == (428, 412)
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Amina"
    assert changed.json()["has_national_id"] is False
    assert changed.headers["etag"] == '"2"'
    read = client.get(url, headers=headers)
    assert (read.json()["name"], read.headers["etag"]) == ("Amina", '"2"')


def test_a_changed_birth_year_must_still_match_the_stored_number(
    client: TestClient, world: World
) -> None:
    member = add(client, world, mother()).json()

    refused = client.patch(
        f"{API}/members/{member['id']}",
        json={"birth_year": 1990},
        headers={**world.headers["lead"], "If-Match": '"1"'},
    )

    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["birth_year"]


def test_delete_needs_the_version(client: TestClient, world: World) -> None:
    member = add(client, world, mother()).json()
    url = f"{API}/members/{member['id']}"

    assert client.delete(url, headers=world.headers["lead"]).status_code == 428
    gone = client.delete(url, headers={**world.headers["lead"], "If-Match": '"1"'})

    assert gone.status_code == 204
    assert client.get(url, headers=world.headers["lead"]).status_code == 404


def test_a_young_person_signs_in_from_16_and_a_child_never(
    client: TestClient, world: World
) -> None:
    year = date.today().year
    young = add(
        client,
        world,
        mother(
            name="Sara",
            relation="child",
            birth_year=year - 16,
            parental_responsibility=False,
            national_id=fodselsnummer(date(year - 16, 1, 1)),
        ),
    )
    child = add(
        client,
        world,
        mother(
            name="Omar",
            relation="child",
            birth_year=year - 15,
            parental_responsibility=False,
            national_id=fodselsnummer(date(year - 15, 1, 1)),
        ),
    )

    assert young.json()["may_sign_in"] is True
    assert child.json()["may_sign_in"] is False


@pytest.mark.parametrize("who", ["other_unit", "consented", "withdrawn", "coordinator", "admin"])
def test_no_one_but_the_lead_side_finds_the_members(
    client: TestClient, session: Session, world: World, who: str
) -> None:
    member = add(client, world, mother()).json()
    url = f"{API}/members/{member['id']}"
    headers = world.headers[who]

    answers = [
        client.get(f"{API}/families/{world.family.id}/members", headers=headers),
        add(client, world, mother(name="X", national_id=None), who=who),
        client.get(url, headers=headers),
        client.patch(url, json={"name": "X"}, headers={**headers, "If-Match": '"1"'}),
        client.delete(url, headers={**headers, "If-Match": '"1"'}),
    ]

    assert [a.status_code for a in answers] == [404] * 5
    names = sorted(m.name for m in session.scalars(select(FamilyMember)))
    assert names == ["Amina Hassan", "Mor Test"]


def test_every_read_and_write_is_audited(
    client: TestClient, session: Session, world: World
) -> None:
    member = add(client, world, mother()).json()
    url = f"{API}/members/{member['id']}"
    client.get(url, headers=world.headers["lead"])
    client.patch(url, json={"language": "nb"}, headers={**world.headers["lead"], "If-Match": "1"})
    client.get(f"{API}/families/{world.family.id}/members", headers=world.headers["lead"])
    client.delete(url, headers={**world.headers["lead"], "If-Match": "2"})

    events = session.execute(
        select(AuditEvent.action, AuditEvent.record_type, AuditEvent.purpose)
        .where(AuditEvent.family_id == world.family.id)
        .where(AuditEvent.record_type.in_(["family_member", "family"]))
        .order_by(AuditEvent.id)
    ).all()
    wanted = [
        ("create", "family_member", None),
        ("read", "family_member", None),
        ("update", "family_member", None),
        ("read", "family", "members"),
        ("delete", "family_member", None),
    ]
    assert [tuple(e) for e in events][-5:] == wanted

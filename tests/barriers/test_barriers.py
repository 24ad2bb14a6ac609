"""The barrier register over the API: caseworkers record, the text is checked for personal
data, a coordinator approves each text; a barrier is never linked to a family."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Barrier
from tests.factories import World, auth_headers, build_world, make_unit, make_user

API = "/api/v1"
ORDINARY = "Bostøtteregelverket tar ikke hensyn til barn som bor hos begge foreldrene."


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def _barrier(**given: Any) -> dict[str, Any]:
    return {
        "category": "regulation",
        "domain": "bolig",
        "responsible_level": "national",
        "text": ORDINARY,
        **given,
    }


def _record(client: TestClient, world: World, persona: str = "lead", **given: Any) -> Any:
    return client.post(f"{API}/barriers", json=_barrier(**given), headers=world.headers[persona])


def _list(client: TestClient, world: World, persona: str, **query: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/barriers", params=query, headers=world.headers[persona])
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _decide(client: TestClient, world: World, barrier_id: str, body: dict[str, Any]) -> Any:
    return client.post(
        f"{API}/barriers/{barrier_id}/decision", json=body, headers=world.headers["coordinator"]
    )


def _errors(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors: list[dict[str, str]] = response.json()["errors"]
    return errors


def _take_part(client: TestClient, world: World, name: str) -> None:
    """The plan lead lists ``name`` of the family among those who take part in the canvas."""
    lead = world.headers["lead"]
    canvas = client.get(f"{API}/canvases/{world.canvas.id}", headers=lead)
    patched = client.patch(
        f"{API}/canvases/{world.canvas.id}",
        json={"participants": [{"name": name, "role": "family_member"}]},
        headers={**lead, "If-Match": canvas.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text


def _count(session: Session) -> int:
    session.expire_all()
    return len(session.scalars(select(Barrier.id)).all())


def test_a_caseworker_records_a_barrier_that_waits_for_approval(
    client: TestClient, session: Session, world: World
) -> None:
    response = _record(client, world, municipality_code="3105")

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending"
    assert (body["category"], body["domain"], body["responsible_level"]) == (
        "regulation",
        "bolig",
        "national",
    )
    assert body["text"] == ORDINARY
    assert body["municipality_code"] == "3105"
    assert [b["id"] for b in _list(client, world, "lead")] == [body["id"]]


def test_a_barrier_without_a_municipality_takes_the_writers(
    client: TestClient, world: World
) -> None:
    body = _record(client, world).json()

    assert body["municipality_code"] == world.unit_a.municipality_code


def test_the_family_id_checks_names_and_is_never_stored(
    client: TestClient, session: Session, world: World
) -> None:
    response = _record(client, world, family_id=str(world.family.id))

    assert response.status_code == 201, response.text
    assert "family_id" not in response.json()
    columns = {c.key for c in inspect(Barrier).columns}
    assert not any("family" in c for c in columns)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Gjelder 01019012345 som ikke fikk svar.", "national ID number"),
        ("Gjelder 010190 12345 som ikke fikk svar.", "national ID number"),
        ("D-nummer 41019012345 ble avvist.", "D-number"),
        ("Ring 987 65 432 om saken.", "phone number"),
        ("Ring +47 98765432 om saken.", "phone number"),
        ("Skriv til saksbehandler@example.no om saken.", "e-mail address"),
    ],
)
def test_text_that_looks_like_personal_data_is_refused_without_echoing_it(
    client: TestClient, session: Session, world: World, text: str, says: str
) -> None:
    before = _count(session)

    errors = _errors(_record(client, world, text=text))

    assert [e["field"] for e in errors] == ["text"]
    assert says in errors[0]["message"]
    assert "98765432" not in str(errors)
    assert "example.no" not in str(errors)
    assert "01019012345" not in str(errors)
    assert "987 65 432" not in str(errors)
    assert _count(session) == before


def test_the_familys_names_are_refused_when_the_family_is_given(
    client: TestClient, session: Session, world: World
) -> None:
    # The world's family is "Familien Test"; its canvas lists "Mor" and "Veileder": role
    # words, not names, so only "Test" is a name here.
    with_name = "Test-familien fikk ikke bostøtte fordi reglene teller feil."

    refused = _errors(_record(client, world, text=with_name, family_id=str(world.family.id)))

    assert [e["field"] for e in refused] == ["text"]
    assert "name" in refused[0]["message"]
    assert "Test" not in refused[0]["message"]
    mother = _record(client, world, text="Mor fikk ikke tolk.", family_id=str(world.family.id))
    assert mother.status_code == 201, mother.text


def test_a_name_from_the_writers_families_is_refused_when_no_family_is_named(
    client: TestClient, session: Session, world: World
) -> None:
    _take_part(client, world, "Amina Haddad")
    before = _count(session)
    text = "Haddad ventet et år på svar om bostøtte."

    # The plan lead and a colleague of the same unit: the family is on their side.
    for persona in ("lead", "same_unit"):
        refused = _errors(_record(client, world, persona, text=text))
        assert [e["field"] for e in refused] == ["text"], persona
        assert "Haddad" not in refused[0]["message"]
    assert _record(client, world, text="Test-familien fikk ikke bostøtte.").status_code == 422
    assert _count(session) == before
    # A caseworker who has no such family writes the same words about another case.
    assert _record(client, world, "other_unit", text=text).status_code == 201


def test_a_tidied_text_is_checked_against_the_writers_families(
    client: TestClient, world: World
) -> None:
    barrier = _record(client, world).json()

    response = _decide(
        client,
        world,
        barrier["id"],
        {"decision": "approved", "text": "Familien Test ventet på bostøtte i et år."},
    )

    assert [e["field"] for e in _errors(response)] == ["text"]
    assert _list(client, world, "lead")[0]["status"] == "pending"


def test_a_participant_name_on_the_canvas_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    _take_part(client, world, "Amina Yusuf")

    response = _record(
        client, world, text="Yusuf ventet i et år på svar.", family_id=str(world.family.id)
    )

    assert [e["field"] for e in _errors(response)] == ["text"]


def test_a_family_the_caseworker_cannot_see_is_404_for_the_name_check(
    client: TestClient, session: Session, world: World
) -> None:
    before = _count(session)

    response = _record(client, world, "other_unit", family_id=str(world.family.id))

    assert response.status_code == 404, response.text
    assert _count(session) == before


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"category": "weather"}, "category"),
        ({"domain": "hagearbeid"}, "domain"),
        ({"responsible_level": "global"}, "responsible_level"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 10_001}, "text"),
        ({"municipality_code": "31"}, "municipality_code"),
        ({"family": "x"}, "family"),
    ],
)
def test_a_bad_barrier_is_422_naming_the_field(
    client: TestClient, session: Session, world: World, given: dict[str, Any], field: str
) -> None:
    before = _count(session)

    assert field in {e["field"] for e in _errors(_record(client, world, **given))}
    assert _count(session) == before


def test_only_caseworkers_record_barriers(client: TestClient, world: World) -> None:
    for persona in ("consented", "coordinator", "admin"):
        assert _record(client, world, persona).status_code == 403, persona
    assert _record(client, world, "anonymous").status_code == 401


def test_a_caseworker_sees_only_the_barriers_they_wrote(client: TestClient, world: World) -> None:
    mine = _record(client, world, "lead").json()
    theirs = _record(client, world, "same_unit", text="Skolen har ikke rutiner for tolk.").json()

    assert [b["id"] for b in _list(client, world, "lead")] == [mine["id"]]
    assert [b["id"] for b in _list(client, world, "same_unit")] == [theirs["id"]]
    assert {b["id"] for b in _list(client, world, "coordinator")} >= {mine["id"], theirs["id"]}
    for persona in ("consented", "withdrawn", "admin"):
        response = client.get(f"{API}/barriers", headers=world.headers[persona])
        assert response.status_code == 403, persona


def test_the_coordinator_approves_a_tidied_text(client: TestClient, world: World) -> None:
    barrier = _record(client, world).json()
    tidied = "Bostøtten tar ikke hensyn til delt bosted for barn."

    response = _decide(client, world, barrier["id"], {"decision": "approved", "text": tidied})

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["text"]) == ("approved", tidied)
    seen_by_writer = _list(client, world, "lead")[0]
    assert (seen_by_writer["status"], seen_by_writer["text"]) == ("approved", tidied)
    assert [b["id"] for b in _list(client, world, "coordinator", status="approved")] == [
        barrier["id"]
    ]
    assert _list(client, world, "coordinator", status="pending") == []


def test_a_tidied_text_goes_through_the_same_check(client: TestClient, world: World) -> None:
    barrier = _record(client, world).json()

    response = _decide(
        client, world, barrier["id"], {"decision": "approved", "text": "Ring 98765432."}
    )

    assert [e["field"] for e in _errors(response)] == ["text"]
    assert _list(client, world, "lead")[0]["status"] == "pending"
    assert _list(client, world, "lead")[0]["text"] == ORDINARY


def test_a_rejection_needs_a_comment_the_writer_then_sees(client: TestClient, world: World) -> None:
    barrier = _record(client, world).json()

    no_comment = _decide(client, world, barrier["id"], {"decision": "rejected"})
    assert [e["field"] for e in _errors(no_comment)] == ["comment"]
    rejected = _decide(
        client,
        world,
        barrier["id"],
        {"decision": "rejected", "comment": "Skriv hvilken regel det gjelder."},
    )

    assert rejected.status_code == 200, rejected.text
    seen = _list(client, world, "lead")[0]
    assert (seen["status"], seen["decision_comment"]) == (
        "rejected",
        "Skriv hvilken regel det gjelder.",
    )


def test_only_a_pending_barrier_can_be_decided(client: TestClient, world: World) -> None:
    barrier = _record(client, world).json()
    assert _decide(client, world, barrier["id"], {"decision": "approved"}).status_code == 200

    again = _decide(client, world, barrier["id"], {"decision": "rejected", "comment": "Nei."})

    assert again.status_code == 409, again.text
    assert _list(client, world, "lead")[0]["status"] == "approved"


def test_only_a_coordinator_decides(client: TestClient, world: World) -> None:
    barrier = _record(client, world).json()
    url = f"{API}/barriers/{barrier['id']}/decision"

    for persona in ("lead", "same_unit", "consented", "admin"):
        response = client.post(url, json={"decision": "approved"}, headers=world.headers[persona])
        assert response.status_code == 403, persona
    missing = _decide(
        client, world, "00000000-0000-0000-0000-000000000000", {"decision": "approved"}
    )
    assert missing.status_code == 404
    assert _list(client, world, "lead")[0]["status"] == "pending"


def test_the_list_pages_through_a_long_register(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    writer = make_user(session, units=[unit])
    headers = auth_headers(session, writer, settings)
    session.commit()
    for i in range(3):
        created = client.post(
            f"{API}/barriers", json=_barrier(text=f"Regel nummer {i} stenger."), headers=headers
        )
        assert created.status_code == 201

    first = client.get(f"{API}/barriers", params={"limit": 2}, headers=headers).json()
    second = client.get(
        f"{API}/barriers", params={"limit": 2, "cursor": first["next"]}, headers=headers
    ).json()

    assert len(first["items"]) == 2
    assert first["next"]
    assert len(second["items"]) == 1
    assert second["next"] is None
    assert len({b["id"] for b in first["items"] + second["items"]}) == 3

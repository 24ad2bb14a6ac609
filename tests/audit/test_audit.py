"""Who has seen our data (DESIGN §4.5): reads and writes are audited; the plan lead's side
lists the trail and exports everything held on the family."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import AuditEvent
from tests.factories import World, build_world


def trail(client: TestClient, world: World, **params: str | int) -> dict[str, object]:
    response = client.get(
        f"/api/v1/families/{world.family.id}/audit", params=params, headers=world.headers["lead"]
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def events_of(session: Session, world: World, **where: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.family_id == world.family.id)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return list(session.scalars(query.order_by(AuditEvent.id)))


def test_reviewer_reads_are_audited_with_name_unit_and_role(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    reads = {
        "family": f"/api/v1/families/{world.family.id}",
        "assigned": f"/api/v1/families/{world.family.id}/assigned",
        "plan": f"/api/v1/plans/{world.plan.id}",
    }

    for url in reads.values():
        response = client.get(url, headers=world.headers["consented"])
        assert response.status_code == 200, response.text

    events = events_of(session, world, action="read", username=world.consented.username)
    assert [(e.record_type, e.record_id) for e in events] == [
        ("family", str(world.family.id)),
        ("action", None),
        ("plan", str(world.plan.id)),
    ]
    for event in events:
        assert event.unit == "Barnevern Test"
        assert event.role == "reviewer"
        assert event.user_id == world.consented.id


def test_a_refused_read_is_not_recorded_as_a_read(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    response = client.get(
        f"/api/v1/canvases/{world.canvas.id}", headers=world.headers["other_unit"]
    )

    assert response.status_code == 404
    assert events_of(session, world, username=world.other_unit.username) == []


def test_plan_lead_sees_who_read_the_familys_data_newest_first(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    client.get(f"/api/v1/families/{world.family.id}", headers=world.headers["consented"])
    client.get(f"/api/v1/plans/{world.plan.id}", headers=world.headers["consented"])

    items = trail(client, world)["items"]

    assert isinstance(items, list)
    assert items[0] == {
        "at": items[0]["at"],
        "username": world.consented.username,
        "unit": "Barnevern Test",
        "role": "reviewer",
        "action": "read",
        "record_type": "plan",
        "record_id": str(world.plan.id),
        "purpose": None,
    }
    assert (items[1]["record_type"], items[1]["username"]) == ("family", world.consented.username)
    times = [datetime.fromisoformat(item["at"]) for item in items]
    assert all(t.tzinfo is not None for t in times)
    assert times == sorted(times, reverse=True)
    # Everything up to this request; reading the trail is recorded after its page is built.
    assert len(items) == len(events_of(session, world)) - 1


def test_audit_trail_comes_in_pages_that_hold_each_event_once(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    client.get(f"/api/v1/plans/{world.plan.id}", headers=world.headers["consented"])
    before = [
        (e.action, e.record_type, e.record_id, e.username)
        for e in reversed(events_of(session, world))
    ]
    assert len(before) > 6

    walked: list[tuple[object, ...]] = []
    cursor: object = None
    while True:
        page = trail(client, world, limit=3, **({"cursor": str(cursor)} if cursor else {}))
        items = page["items"]
        assert isinstance(items, list)
        assert 1 <= len(items) <= 3
        walked += [(i["action"], i["record_type"], i["record_id"], i["username"]) for i in items]
        cursor = page["next"]
        if cursor is None:
            break

    # Each page read is itself audited; the walk must still show every earlier event once,
    # newest first, however many new events arrive at the top while the client pages.
    assert [w for w in walked if w[1] != "audit"] == before


def test_writes_are_audited(client: TestClient, session: Session, settings: Settings) -> None:
    world = build_world(session, settings)
    canvas = client.get(f"/api/v1/canvases/{world.canvas.id}", headers=world.headers["lead"])

    patched = client.patch(
        f"/api/v1/canvases/{world.canvas.id}",
        json={"centre": {"what_matters": "Ro i hverdagen."}},
        headers={**world.headers["lead"], "If-Match": canvas.headers["etag"]},
    )
    need = client.post(
        f"/api/v1/canvases/{world.canvas.id}/needs",
        json={"domain": "okonomi", "text": "Vi har gjeld.", "priority": 2, "indicators": []},
        headers=world.headers["lead"],
    )

    assert patched.status_code == 200, patched.text
    assert need.status_code == 201, need.text
    writes = events_of(session, world, username=world.lead.username)
    assert ("update", "canvas", str(world.canvas.id)) in [
        (e.action, e.record_type, e.record_id) for e in writes
    ]
    assert ("create", "need", need.json()["id"]) == (
        writes[-1].action,
        writes[-1].record_type,
        writes[-1].record_id,
    )
    listed = trail(client, world)["items"]
    assert isinstance(listed, list)
    assert (listed[0]["action"], listed[0]["record_type"]) == ("create", "need")


def test_only_the_plan_lead_side_reads_the_trail_and_the_export(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    expected = {
        "lead": 200,
        "same_unit": 200,
        "consented": 403,
        "other_unit": 404,
        "withdrawn": 404,
        "coordinator": 404,
        "admin": 404,
        "anonymous": 401,
    }
    for path in ("audit", "export"):
        got = {
            persona: client.get(
                f"/api/v1/families/{world.family.id}/{path}", headers=world.headers[persona]
            ).status_code
            for persona in expected
        }
        assert got == expected, path


def test_export_holds_everything_on_the_family_and_is_audited(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    exports_before = len(events_of(session, world, action="export"))

    response = client.get(
        f"/api/v1/families/{world.family.id}/export", headers=world.headers["lead"]
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["family"]["id"] == str(world.family.id)
    assert body["family"]["display_name"] == "Familien Test"
    assert {c["unit_id"] for c in body["consents"]} == {str(world.unit_b.id), str(world.unit_d.id)}
    withdrawn = [c for c in body["consents"] if c["unit_id"] == str(world.unit_d.id)]
    assert withdrawn[0]["withdrawn_at"] is not None
    [canvas] = body["canvases"]
    assert canvas["id"] == str(world.canvas.id)
    assert [n["text"] for n in canvas["needs"]] == ["Vi trenger større bolig."]
    assert [g["text"] for g in canvas["goals"]] == ["Søke ny bolig."]
    assert [a["text"] for a in canvas["actions"]] == ["Barnevernet tilbyr foreldreveiledning."]
    assert [r["id"] for r in canvas["referrals"]] == [str(world.referral.id)]
    assert canvas["domains"]["bolig"]["situation"] == "Vi bor trangt."
    [plan] = body["plans"]
    assert (plan["id"], plan["number"]) == (str(world.plan.id), 1)
    assert [r["unit_id"] for r in plan["reviews"]] == [str(world.unit_b.id)]
    # What happened in the case, and who has seen or changed the data.
    kinds = {entry["kind"] for entry in body["history"]}
    assert {"plan_submitted", "consent_given", "consent_withdrawn"} <= kinds
    accesses = {(e["username"], e["action"], e["record_type"]) for e in body["access_log"]}
    assert (world.lead.username, "create", "family") in accesses

    exports = events_of(session, world, action="export")
    assert len(exports) == exports_before + 1
    assert (exports[-1].username, exports[-1].record_id) == (
        world.lead.username,
        str(world.family.id),
    )

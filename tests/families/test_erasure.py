"""Erasing a family (DESIGN §8 DELETE /families/{id}): everything goes but an audit tombstone."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.config import Settings
from app.kit.i18n import local_today
from app.models import (
    Action,
    AuditEvent,
    Base,
    Canvas,
    Consent,
    Family,
    FamilyMessage,
    Goal,
    IdempotentRequest,
    Need,
    Notification,
    Plan,
    PlanLeadChange,
    Reading,
    Referral,
)
from app.models.enums import AuditAction, NotificationChannel, NotificationKind
from app.needs import corrections as need_corrections
from app.needs.schemas import NeedPatch
from tests.factories import World, actor_of, build_world

AUDIT_TABLE = AuditEvent.__tablename__


def family_tables() -> list[Table]:
    """Every table with a family_id column, as the schema stands (not a hand-kept list)."""
    return [t for t in Base.metadata.sorted_tables if "family_id" in t.columns]


def rows_for(session: Session, family_id: uuid.UUID) -> dict[str, int]:
    return {
        table.name: session.scalar(
            select(func.count()).select_from(table).where(table.c.family_id == family_id)
        )
        or 0
        for table in family_tables()
    }


def records_of(session: Session, family_id: uuid.UUID) -> dict[str, set[uuid.UUID]]:
    """The ids of the family's own rows, by table (the family itself included)."""
    ids: dict[str, set[uuid.UUID]] = {"family": {family_id}}
    for table in family_tables():
        if table.name != AUDIT_TABLE:
            ids[table.name] = set(
                session.scalars(select(table.c.id).where(table.c.family_id == family_id))
            )
    return ids


def dependants_left(session: Session, ids: dict[str, set[uuid.UUID]]) -> list[str]:
    """Rows anywhere that still point, by foreign key, at one of the erased records."""
    left: list[str] = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            for fk in column.foreign_keys:
                target = fk.column.table.name
                if ids.get(target) and session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(column.in_(sorted(ids[target], key=str)))
                ):
                    left.append(f"{table.name}.{column.name} -> {target}")
    return left


def world_with_history(session: Session, settings: Settings) -> World:
    """The world, plus a reading, a plan lead handover, a stored idempotent answer (which
    holds the family's words), a corrected need, a message from the family and one queued to
    it, and a goal that concerns a member, so every family table holds rows."""
    world = build_world(session, settings)
    lead = actor_of(session, world.lead)
    need_corrections.correct_need(
        session,
        lead,
        scope_for(session, lead, world.family),
        world.need,
        NeedPatch(text="Vi trenger en større bolig."),
        world.need.version,
    )
    session.add(
        IdempotentRequest(
            user_id=world.lead.id,
            key="retry-1",
            family_id=world.family.id,
            fingerprint="0" * 64,
            status_code=201,
            body='{"text": "Vi trenger større bolig."}',
        )
    )
    session.add(
        Reading(
            family_id=world.family.id,
            canvas_id=world.canvas.id,
            number=2,  # a follow-up: reading 1 was stored when the world's plan was submitted
            taken_on=local_today(),
            scores={"bolig": {"family": 3, "worker": None}},
            created_by_id=world.lead.id,
        )
    )
    session.add(
        PlanLeadChange(
            family_id=world.family.id,
            from_user_id=world.same_unit.id,
            to_user_id=world.lead.id,
            to_unit_id=world.unit_a.id,
            changed_by_id=world.lead.id,
        )
    )
    session.add(
        FamilyMessage(
            family_id=world.family.id, member_id=world.mother.id, text="Vi kommer på torsdag."
        )
    )
    # Mor's e-mail address and a message queued to her: they go with her (the outbox has no
    # family_id; dependants_left finds a message left pointing at an erased member).
    world.mother.email = "mor@familie.test"
    world.mother.notify_channel = NotificationChannel.email
    session.add(
        Notification(
            member_id=world.mother.id,
            kind=NotificationKind.family_next_meeting,
            channel=NotificationChannel.email,
            language="nb",
            dedupe_key=f"family_next_meeting:erasure:{world.mother.id}",
        )
    )
    world.goal.concerns_member_id = world.mother.id  # whom it concerns ("gjelder")
    session.commit()
    return world


def test_plan_lead_erases_the_family_and_all_its_records(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = world_with_history(session, settings)
    family_id, plan_id = world.family.id, world.plan.id
    before = rows_for(session, family_id)
    assert all(before.values()), before  # every table to be checked holds something first
    ids = records_of(session, family_id)

    response = client.delete(
        f"/api/v1/families/{family_id}",
        params={"reason": "family_request"},
        headers={**world.headers["lead"], **if_match(session, family_id)},
    )

    assert response.status_code == 204, response.text
    after = rows_for(session, family_id)
    assert {name: n for name, n in after.items() if name != AUDIT_TABLE and n} == {}
    assert after[AUDIT_TABLE] > 0
    assert dependants_left(session, ids) == []
    assert (
        client.get(f"/api/v1/families/{family_id}", headers=world.headers["lead"]).status_code
        == 404
    )
    assert client.get(f"/api/v1/plans/{plan_id}", headers=world.headers["lead"]).status_code == 404


def test_erasure_leaves_only_an_audit_tombstone_without_personal_data(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = world_with_history(session, settings)
    family_id = world.family.id
    # Reads and writes through the API, so the trail holds events of several kinds first.
    client.get(f"/api/v1/canvases/{world.canvas.id}", headers=world.headers["consented"])
    client.get(f"/api/v1/needs/{world.need.id}/suggestions", headers=world.headers["lead"])
    personal = [
        world.family.display_name,
        "Vi trenger større bolig.",  # the need, in the family's words
        "Søke ny bolig.",  # the goal
        "Barnevernet tilbyr foreldreveiledning.",  # the action
        "Vi bor trangt.",  # the situation on the canvas
        "At vi har det trygt hjemme.",  # what matters to the family
    ]

    response = client.delete(
        f"/api/v1/families/{family_id}",
        params={"reason": "registered_in_error"},
        headers={**world.headers["lead"], **if_match(session, family_id)},
    )

    assert response.status_code == 204, response.text
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.family_id == family_id).order_by(AuditEvent.id)
    ).all()
    assert {"create", "read", "update", "delete"} <= {e.action for e in events}
    allowed_actions = {a.value for a in AuditAction}
    for event in events:
        assert event.action in allowed_actions
        if event.record_id is not None:
            uuid.UUID(event.record_id)  # an opaque id, never a name or a text
        stored = " ".join(str(getattr(event, c.key)) for c in AuditEvent.__table__.columns)
        for text in personal:
            assert text not in stored, (event.action, event.record_type)
    last = events[-1]
    assert last.action == "delete"
    assert last.record_type == "family"
    assert last.record_id == str(family_id)
    assert last.purpose == "erasure:registered_in_error"
    assert last.username == world.lead.username


def test_admin_may_erase_a_family(client: TestClient, session: Session, settings: Settings) -> None:
    world = build_world(session, settings)

    response = client.delete(
        f"/api/v1/families/{world.family.id}",
        params={"reason": "retention_expired"},
        headers={**world.headers["admin"], **if_match(session, world.family.id)},
    )

    assert response.status_code == 204, response.text
    assert {n for name, n in rows_for(session, world.family.id).items() if name != AUDIT_TABLE} == {
        0
    }


@pytest.mark.parametrize(
    ("persona", "status"), [("consented", 403), ("other_unit", 404), ("coordinator", 404)]
)
def test_others_cannot_erase_a_family(
    client: TestClient, session: Session, settings: Settings, persona: str, status: int
) -> None:
    world = build_world(session, settings)
    before = rows_for(session, world.family.id)

    response = client.delete(
        f"/api/v1/families/{world.family.id}",
        params={"reason": "family_request"},
        headers={**world.headers[persona], **if_match(session, world.family.id)},
    )

    assert response.status_code == status
    assert rows_for(session, world.family.id) == before


@pytest.mark.parametrize(
    "params",
    [pytest.param({}, id="no-reason"), pytest.param({"reason": "because"}, id="unknown-reason")],
)
def test_erasure_without_a_known_reason_is_422_and_erases_nothing(
    client: TestClient, session: Session, settings: Settings, params: dict[str, str]
) -> None:
    world = build_world(session, settings)
    family_id = world.family.id
    counted = (Canvas, Need, Goal, Referral, Action, Plan, Consent)
    before = {
        m.__tablename__: session.scalar(
            select(func.count()).select_from(m).where(m.family_id == family_id)
        )
        for m in counted
    }

    response = client.delete(
        f"/api/v1/families/{family_id}",
        params=params,
        headers={**world.headers["lead"], **if_match(session, family_id)},
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.reason"]
    after = {
        m.__tablename__: session.scalar(
            select(func.count()).select_from(m).where(m.family_id == family_id)
        )
        for m in counted
    }
    assert after == before
    assert (
        client.get(f"/api/v1/families/{family_id}", headers=world.headers["lead"]).status_code
        == 200
    )
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.family_id == family_id, AuditEvent.action == "delete")
        )
        == 0
    )


def if_match(session: Session, family_id: uuid.UUID) -> dict[str, str]:
    """The family's current version, as a client that has just read it sends it."""
    session.expire_all()
    family = session.get(Family, family_id)
    assert family is not None
    return {"If-Match": f'"{family.version}"'}


@pytest.mark.parametrize(
    ("header", "status"),
    [
        pytest.param(None, 428, id="no-if-match"),
        pytest.param('"999"', 412, id="stale"),
        pytest.param("weak", 412, id="weak-tag-never-matches"),
        pytest.param("garbage!", 400, id="not-a-tag"),
    ],
)
def test_erasure_needs_if_match_with_the_current_version(
    client: TestClient, session: Session, settings: Settings, header: str | None, status: int
) -> None:
    world = build_world(session, settings)
    current = if_match(session, world.family.id)["If-Match"]
    sent = {"weak": f"W/{current}"}.get(header or "", header)
    headers = dict(world.headers["lead"])
    if sent is not None:
        headers["If-Match"] = sent
    before = rows_for(session, world.family.id)

    response = client.delete(
        f"/api/v1/families/{world.family.id}", params={"reason": "family_request"}, headers=headers
    )

    assert response.status_code == status, response.text
    assert rows_for(session, world.family.id) == before


@pytest.mark.parametrize("header", ["*", '"999", {current}', "{current}"])
def test_erasure_takes_a_star_a_list_or_the_bare_version(
    client: TestClient, session: Session, settings: Settings, header: str
) -> None:
    world = build_world(session, settings)
    version = if_match(session, world.family.id)["If-Match"].strip('"')
    sent = header.format(current=f'"{version}"') if header != "{current}" else version

    response = client.delete(
        f"/api/v1/families/{world.family.id}",
        params={"reason": "family_request"},
        headers={**world.headers["lead"], "If-Match": sent},
    )

    assert response.status_code == 204, response.text

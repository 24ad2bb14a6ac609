"""Plan lead handover (DESIGN §4.6): an admin or the plan lead's side moves the family to another
active caseworker; the history is kept and access follows the new plan lead's unit."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import AuditEvent, Family, PlanLeadChange
from app.models.enums import Role
from tests.factories import World, build_world, make_unit, make_user
from tests.html import page
from tests.pages import PageClient, SignedIn


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def hand_over(
    client: TestClient,
    world: World,
    body: dict[str, Any],
    *,
    persona: str = "lead",
    version: int | None = None,
) -> Any:
    headers = dict(world.headers[persona])
    headers["If-Match"] = f'"{world.family.version if version is None else version}"'
    return client.post(f"/api/v1/families/{world.family.id}/handover", json=body, headers=headers)


def family_now(session: Session, world: World) -> Family:
    session.expire_all()
    family = session.get(Family, world.family.id)
    assert family is not None
    return family


def changes(session: Session, world: World) -> list[PlanLeadChange]:
    return list(
        session.scalars(select(PlanLeadChange).where(PlanLeadChange.family_id == world.family.id))
    )


def test_the_plan_lead_hands_the_family_to_a_caseworker_in_another_unit(
    client: TestClient, session: Session, world: World
) -> None:
    before = world.family.version

    response = hand_over(
        client, world, {"to_user_id": str(world.other_unit.id), "note": "Kari slutter."}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    family = family_now(session, world)
    assert (family.plan_lead_id, family.lead_unit_id) == (world.other_unit.id, world.unit_c.id)
    assert family.version > before
    assert response.headers["etag"] == f'"{family.version}"' == f'"{body["family_version"]}"'
    [change] = changes(session, world)
    assert (
        change.from_user_id,
        change.from_unit_id,
        change.to_user_id,
        change.to_unit_id,
        change.changed_by_id,
        change.note,
    ) == (
        world.lead.id,
        world.unit_a.id,
        world.other_unit.id,
        world.unit_c.id,
        world.lead.id,
        "Kari slutter.",
    )
    assert body["id"] == str(change.id)
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.family_id == world.family.id, AuditEvent.purpose == "handover"
        )
    ).one()
    assert (event.username, event.action, event.record_id) == (
        world.lead.username,
        "update",
        str(world.family.id),
    )


def test_after_handover_the_old_plan_leads_unit_no_longer_sees_the_family(
    client: TestClient, world: World
) -> None:
    assert hand_over(client, world, {"to_user_id": str(world.other_unit.id)}).status_code == 200

    family = f"/api/v1/families/{world.family.id}"
    for persona in ("lead", "same_unit"):
        assert client.get(family, headers=world.headers[persona]).status_code == 404, persona
        listed = client.get("/api/v1/families", headers=world.headers[persona]).json()["items"]
        assert str(world.family.id) not in {f["id"] for f in listed}
    new_lead = client.get(family, headers=world.headers["other_unit"])
    assert new_lead.status_code == 200
    assert new_lead.json()["access"] == "lead_side"
    assert new_lead.json()["plan_lead"]["id"] == str(world.other_unit.id)
    # The consented unit keeps its consent: the family's consent does not follow the caseworker.
    assert client.get(family, headers=world.headers["consented"]).status_code == 200


def test_a_handover_within_the_unit_keeps_the_old_lead_on_the_lead_side(
    client: TestClient, world: World
) -> None:
    assert hand_over(client, world, {"to_user_id": str(world.same_unit.id)}).status_code == 200

    seen = client.get(f"/api/v1/families/{world.family.id}", headers=world.headers["lead"])
    assert seen.status_code == 200
    assert seen.json()["access"] == "lead_side"


def test_the_unit_is_one_of_the_new_leads_units_and_defaults_to_the_first(
    client: TestClient, session: Session, world: World
) -> None:
    tag = uuid.uuid4().hex[:6]
    first = make_unit(session, slug=f"a-first-{tag}", name="Zzz last by name")
    second = make_unit(session, slug=f"z-second-{tag}", name="Aaa first by name")
    both = make_user(session, units=[second, first])
    session.commit()

    wrong = hand_over(client, world, {"to_user_id": str(both.id), "unit_id": str(world.unit_b.id)})
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["errors"]] == ["unit_id"]

    default = hand_over(client, world, {"to_user_id": str(both.id)})
    assert default.status_code == 200, default.text
    assert family_now(session, world).lead_unit_id == first.id
    assert default.json()["to_unit_id"] == str(first.id)

    chosen = hand_over(
        client,
        world,
        {"to_user_id": str(both.id), "unit_id": str(second.id)},
        persona="admin",
        version=family_now(session, world).version,
    )
    assert chosen.status_code == 200, chosen.text
    assert family_now(session, world).lead_unit_id == second.id

    same = hand_over(
        client,
        world,
        {"to_user_id": str(both.id), "unit_id": str(second.id)},
        persona="admin",
        version=family_now(session, world).version,
    )
    assert same.status_code == 422
    assert [e["field"] for e in same.json()["errors"]] == ["to_user_id"]


@pytest.mark.parametrize("who", ["reviewer", "coordinator", "inactive", "without_unit", "nobody"])
def test_the_new_plan_lead_must_be_an_active_caseworker(
    client: TestClient, session: Session, world: World, who: str
) -> None:
    target: uuid.UUID
    if who == "reviewer":
        target = world.consented.id
    elif who == "coordinator":
        target = world.coordinator.id
    elif who == "inactive":
        user = make_user(session, units=[world.unit_c])
        user.active = False
        session.commit()
        target = user.id
    elif who == "without_unit":
        target = make_user(session, role=Role.caseworker).id
        session.commit()
    else:
        target = uuid.uuid4()

    response = hand_over(client, world, {"to_user_id": str(target)})

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["to_user_id"]
    assert family_now(session, world).plan_lead_id == world.lead.id
    assert changes(session, world) == []


def test_handover_needs_the_current_version_in_if_match(
    client: TestClient, session: Session, world: World
) -> None:
    url = f"/api/v1/families/{world.family.id}/handover"
    body = {"to_user_id": str(world.other_unit.id)}

    missing = client.post(url, json=body, headers=world.headers["lead"])
    stale = hand_over(client, world, body, version=world.family.version - 1)

    assert missing.status_code == 428
    assert stale.status_code == 412
    assert family_now(session, world).plan_lead_id == world.lead.id
    assert changes(session, world) == []


def test_an_admin_may_hand_over_a_family(
    client: TestClient, session: Session, world: World
) -> None:
    response = hand_over(client, world, {"to_user_id": str(world.same_unit.id)}, persona="admin")

    assert response.status_code == 200, response.text
    assert family_now(session, world).plan_lead_id == world.same_unit.id
    assert [c.changed_by_id for c in changes(session, world)] == [world.admin.id]


@pytest.mark.parametrize(
    ("persona", "status"), [("consented", 403), ("other_unit", 404), ("coordinator", 404)]
)
def test_others_cannot_hand_over_a_family(
    client: TestClient, session: Session, world: World, persona: str, status: int
) -> None:
    response = hand_over(client, world, {"to_user_id": str(world.same_unit.id)}, persona=persona)

    assert response.status_code == status
    assert family_now(session, world).plan_lead_id == world.lead.id


def test_a_note_is_short(client: TestClient, world: World) -> None:
    response = hand_over(client, world, {"to_user_id": str(world.same_unit.id), "note": "x" * 501})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["note"]


# --- the page ----------------------------------------------------------------------------------


def handover_url(world: World) -> str:
    return f"/families/{world.family.id}/handover"


def open_handover_form(browser: PageClient, world: World) -> dict[str, str | list[str]]:
    """The handover page as the browser opens it: the hidden fields its form sends."""
    form = page(browser.get(handover_url(world))).form(handover_url(world))
    assert form.value("version").isdigit()
    return form.hidden_fields()


def test_the_page_offers_active_caseworkers_grouped_by_unit(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead)

    response = browser.get(handover_url(world))

    assert response.status_code == 200
    leads = page(response).one("select[name=lead]")
    school = leads.one('optgroup[label="Skole Test"]')
    assert school.has(f'option[value="{world.other_unit.id}/{world.unit_c.id}"]')
    assert f'value="{world.consented.id}/' not in response.text  # a reviewer cannot lead a plan
    now = leads.one(f'option[value="{world.lead.id}/{world.unit_a.id}"]')
    assert "disabled" in now, "the current plan lead is shown, not offered"


def test_handing_over_in_the_browser_takes_the_family_off_the_old_leads_list(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead)

    response = browser.submit(
        handover_url(world),
        handover_url(world),
        {"lead": f"{world.other_unit.id}/{world.unit_c.id}", "note": "Flyttet til ny bydel."},
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/?done=handover"
    assert world.family.display_name not in browser.get("/").text
    assert browser.get(f"/families/{world.family.id}").status_code == 404
    [change] = changes(session, world)
    assert (change.to_user_id, change.note) == (world.other_unit.id, "Flyttet til ny bydel.")


def test_handing_over_within_the_unit_goes_back_to_the_family(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead)

    lead = f"{world.same_unit.id}/{world.unit_a.id}"
    response = browser.submit(
        handover_url(world), handover_url(world), {"lead": lead}, follow_redirects=True
    )

    assert response.status_code == 200
    assert str(response.url).endswith(f"/families/{world.family.id}?done=handover")
    assert page(response).has('[role="status"]')


def test_a_stale_handover_form_changes_nothing_and_says_why(
    client: TestClient, signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead)
    form = open_handover_form(browser, world)  # shown before the family changes
    moved = client.patch(
        f"/api/v1/families/{world.family.id}",
        json={"display_name": "Familien Ny"},
        headers={**world.headers["lead"], "If-Match": f'"{world.family.version}"'},
    )
    assert moved.status_code == 200

    lead = f"{world.other_unit.id}/{world.unit_c.id}"
    response = browser.post_form(handover_url(world), {**form, "lead": lead})

    assert response.status_code == 422
    assert page(response).has('[role="alert"]')
    assert family_now(session, world).plan_lead_id == world.lead.id


def test_choosing_nobody_is_shown_next_to_the_field(signed_in: SignedIn, world: World) -> None:
    browser = signed_in(world.lead)

    response = browser.submit(handover_url(world), handover_url(world), {"lead": ""})

    assert response.status_code == 422
    assert page(response).invalid("lead")
    assert page(response).field_error("lead")


@pytest.mark.parametrize(("persona", "status"), [("consented", 403), ("other_unit", 404)])
def test_the_handover_page_is_for_the_plan_lead_side(
    signed_in: SignedIn, world: World, persona: str, status: int
) -> None:
    browser = signed_in(getattr(world, persona))
    assert browser.get(handover_url(world)).status_code == status

"""A family member's e-mail address, mobile number and choice of notices (issue 15), recorded
by the plan lead through the API: checked (422, nothing changed), returned to the lead side
only, in the family's export, and gone with the family when it is erased."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import FamilyMember, Notification
from app.models.enums import NotificationChannel, NotificationKind
from tests.factories import World, build_world
from tests.html import page
from tests.pages import SignedIn

API = "/api/v1"
EMAIL = "amina@example.no"
PHONE = "+4791234567"


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    world = build_world(session, settings)
    session.commit()
    return world


def father(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Far Hassan",
        "relation": "parent",
        "birth_year": 1983,
        "email": EMAIL,
        "phone": PHONE,
        "notify_channel": "email",
    }
    body.update(changes)
    return body


def _add(client: TestClient, world: World, body: dict[str, Any], who: str = "lead") -> Any:
    return client.post(
        f"{API}/families/{world.family.id}/members", json=body, headers=world.headers[who]
    )


def test_the_plan_lead_records_how_a_member_hears_from_duk(
    client: TestClient, world: World
) -> None:
    created = _add(client, world, father(phone="91234567"))

    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["email"], body["phone"], body["notify_channel"]) == (EMAIL, "91234567", "email")
    listed = client.get(f"{API}/families/{world.family.id}/members", headers=world.headers["lead"])
    mother = next(m for m in listed.json() if m["name"] == "Mor Test")
    assert (mother["email"], mother["phone"], mother["notify_channel"]) == (None, None, "none")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "amina at example.no"}, "email"),
        ({"email": "<amina@example.no>"}, "email"),
        ({"phone": "91 23"}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({"email": None}, "email"),  # e-mail chosen, nowhere to send it
        ({"phone": None, "notify_channel": "sms"}, "phone"),
        ({"notify_channel": "pigeon"}, "notify_channel"),
    ],
)
def test_bad_contact_data_is_422_and_records_nothing(
    client: TestClient, session: Session, world: World, changes: dict[str, Any], field: str
) -> None:
    refused = _add(client, world, father(**changes))

    assert refused.status_code == 422, refused.text
    assert field in {e["field"].split(".")[-1] for e in refused.json()["errors"]}
    assert session.scalars(select(FamilyMember.name)).all() == ["Mor Test"]


def test_a_patch_that_leaves_a_channel_nowhere_to_send_changes_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    member = _add(client, world, father()).json()
    url = f"{API}/members/{member['id']}"
    headers = {**world.headers["lead"], "If-Match": '"1"'}

    refused = client.patch(url, json={"email": None, "name": "Far H."}, headers=headers)
    to_sms = client.patch(url, json={"notify_channel": "sms", "email": None}, headers=headers)

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["email"]
    assert to_sms.status_code == 200, to_sms.text
    assert (to_sms.json()["email"], to_sms.json()["notify_channel"]) == (None, "sms")
    session.expire_all()
    stored = session.get_one(FamilyMember, uuid.UUID(member["id"]))
    assert (stored.name, stored.email, stored.version) == ("Far Hassan", None, 2)


def test_contact_data_never_reaches_the_log(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    _add(client, world, father())
    refused = _add(client, world, father(email=PHONE, phone=EMAIL))

    assert refused.status_code == 422
    assert EMAIL not in caplog.text
    assert "91234567" not in caplog.text


def test_units_without_the_case_find_no_contact_data(client: TestClient, world: World) -> None:
    member = _add(client, world, father()).json()

    for who in ("consented", "other_unit", "coordinator", "admin"):
        listed = client.get(f"{API}/families/{world.family.id}/members", headers=world.headers[who])
        read = client.get(f"{API}/members/{member['id']}", headers=world.headers[who])
        assert (listed.status_code, read.status_code) == (404, 404), who
        assert EMAIL not in listed.text + read.text
    # What the consent shares: the plan and the family's name, not how to reach its members.
    shared = client.get(f"{API}/families/{world.family.id}", headers=world.headers["consented"])
    assert shared.status_code == 200
    assert EMAIL not in shared.text
    assert "91234567" not in shared.text


def test_the_export_holds_contact_data_and_erasure_removes_it_with_the_messages(
    client: TestClient, session: Session, world: World
) -> None:
    member = _add(client, world, father()).json()
    session.add(
        Notification(
            member_id=uuid.UUID(member["id"]),
            kind=NotificationKind.family_next_meeting,
            channel=NotificationChannel.email,
            language="nb",
            dedupe_key=f"family_next_meeting:test:{member['id']}",
        )
    )
    session.commit()

    export = client.get(f"{API}/families/{world.family.id}/export", headers=world.headers["lead"])
    assert export.status_code == 200
    [exported] = [m for m in export.json()["members"] if m["id"] == member["id"]]
    assert (exported["email"], exported["phone"]) == (EMAIL, PHONE)
    assert [(n["member_id"], n["kind"]) for n in export.json()["notifications"]] == [
        (member["id"], "family_next_meeting")
    ]

    erased = client.delete(
        f"{API}/families/{world.family.id}",
        params={"reason": "family_request"},
        headers={**world.headers["lead"], "If-Match": f'"{world.family.version}"'},
    )
    assert erased.status_code == 204, erased.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Notification)) == 0
    assert session.scalar(select(func.count()).where(FamilyMember.email.is_not(None))) == 0


# --- on the plan lead's pages ------------------------------------------------------------------


def _form(**changes: str) -> dict[str, str]:
    return {
        "name": "Far Hassan",
        "relation": "parent",
        "birth_year": "1983",
        "language": "so",
        "parental_responsibility": "yes",
        "email": EMAIL,
        "phone": "912 34 567",
        "notify_channel": "sms",
        **changes,
    }


def test_the_member_form_records_contact_data_and_names_a_bad_field(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    new_url = f"/families/{world.family.id}/members/new"
    post_url = f"/families/{world.family.id}/members"

    refused = browser.submit(new_url, post_url, _form(phone="", email="not an address"))

    assert refused.status_code == 422
    form = page(refused).form(post_url)
    assert (
        form.field_error("email")
        == "Write an e-mail address like name@example.no, or leave it empty."
    )
    assert page(refused).one("#email")["value"] == "not an address"
    assert session.scalars(select(FamilyMember.name)).all() == ["Mor Test"]

    no_phone = browser.submit(new_url, post_url, _form(phone=""))
    assert no_phone.status_code == 422
    assert page(no_phone).form(post_url).field_error("phone") == (
        "Write the mobile number to send notices to, or choose no notices."
    )

    added = browser.submit(new_url, post_url, _form())
    assert added.status_code == 303
    shown = browser.get(f"/families/{world.family.id}")
    assert "notices by SMS" in page(shown).one("#members").text
    member = session.scalars(select(FamilyMember).where(FamilyMember.name == "Far Hassan")).one()
    assert (member.email, member.phone, member.notify_channel) == (
        EMAIL,
        "91234567",
        NotificationChannel.sms,
    )
    edit = page(browser.get(f"/members/{member.id}/edit"))
    assert edit.one("#email")["value"] == EMAIL
    assert edit.one("input[name=notify_channel][value=sms]").get("checked") is not None

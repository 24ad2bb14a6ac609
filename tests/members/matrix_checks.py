"""What the member rows of the access matrices (tests/access/test_matrix.py for the API,
tests/access/test_page_matrix.py for the pages) check after each cell. A family's members
belong to the live case: the lead side's only; to everyone else they do not exist (404).

The world's family has one member, "Mor Test", a parent with a national ID number.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Consent, FamilyMember, FamilyMessage
from tests.factories import MOR_NATIONAL_ID

if TYPE_CHECKING:
    from tests.access.test_matrix import Call
    from tests.access.test_page_matrix import PageCall
    from tests.factories import World


def member_ids(world: World) -> dict[str, uuid.UUID]:
    return {"member_id": world.mother.id}


def member_version(world: World) -> int:
    return world.mother.version


def new_member_body(_world: World) -> dict[str, Any]:
    return {"name": "Far Test", "relation": "parent", "birth_year": 1984}


def _names(call: Call) -> list[str]:
    return [m["name"] for m in call.as_lead(f"/families/{call.world.family.id}/members")]


def check_list(call: Call) -> None:
    if call.allowed:
        [mother] = call.response.json()
        assert (mother["name"], mother["has_national_id"]) == ("Mor Test", True)
        assert MOR_NATIONAL_ID not in call.response.text


def check_add(call: Call) -> None:
    assert ("Far Test" in _names(call)) is call.allowed


def check_read(call: Call) -> None:
    if call.allowed:
        assert call.response.json()["name"] == "Mor Test"
        assert MOR_NATIONAL_ID not in call.response.text


def check_patch(call: Call) -> None:
    assert _names(call) == (["Mor Hansen"] if call.allowed else ["Mor Test"])


def check_delete(call: Call) -> None:
    assert _names(call) == ([] if call.allowed else ["Mor Test"])


# --- the pages ------------------------------------------------------------------------------


def page_member(world: World) -> dict[str, uuid.UUID | str]:
    return {"member_id": world.mother.id}


def member_form(world: World) -> dict[str, str]:
    return {
        "name": "Mor Hansen",
        "relation": "parent",
        "birth_year": str(world.mother.birth_year),
        "language": "nb",
        "parental_responsibility": "yes",
        "version": str(world.mother.version),
    }


def new_member_form(_world: World) -> dict[str, str]:
    return {"name": "Far Test", "relation": "parent", "birth_year": "1984", "language": "nb"}


def _stored(call: PageCall) -> list[str]:
    return sorted(call.stored(select(FamilyMember.name)))


def check_page_add(call: PageCall) -> None:
    assert _stored(call) == (["Far Test", "Mor Test"] if call.allowed else ["Mor Test"])


def check_page_update(call: PageCall) -> None:
    assert _stored(call) == (["Mor Hansen"] if call.allowed else ["Mor Test"])


def check_page_remove(call: PageCall) -> None:
    assert _stored(call) == ([] if call.allowed else ["Mor Test"])


# --- messages from the family (issue 15): written on the family's pages, read on the lead's --

MESSAGE = "Kan vi flytte møtet?"


def a_message(session: Session, world: World) -> dict[str, uuid.UUID | str]:
    message = FamilyMessage(family_id=world.family.id, member_id=world.mother.id, text=MESSAGE)
    session.add(message)
    session.commit()
    return {"family_id": world.family.id, "message_id": message.id}


def message_form(_world: World) -> dict[str, str]:
    return {"text": MESSAGE}


def check_message_sent(call: PageCall) -> None:
    stored = call.stored(
        select(FamilyMessage.text).where(FamilyMessage.family_id == call.world.family.id)
    )
    assert stored == ([MESSAGE] if call.allowed else [])


def check_message_shown(call: PageCall) -> None:
    assert (MESSAGE in call.response.text) is call.allowed


def check_message_read(call: PageCall) -> None:
    [read_at] = call.stored(select(FamilyMessage.read_at))
    assert (read_at is not None) is call.allowed


# --- a consent given on the family's pages (issue 15) ---------------------------------------


def consent_b_withdrawn(session: Session, world: World) -> dict[str, uuid.UUID | str]:
    """Unit B, responsible for an action in the plan, without a consent: proposed."""
    consent = session.get_one(Consent, world.consent_b_id)
    consent.withdrawn_at = utcnow()
    session.commit()
    return {"unit_id": world.unit_b.id}


def check_consent_given(call: PageCall) -> None:
    given = call.stored(select(Consent.given_by_member_id).where(Consent.withdrawn_at.is_(None)))
    assert (call.world.mother.id in given) is call.allowed


# --- the member's own choice of notices, on the family's pages (issue 15) ---------------------


def mother_with_email(session: Session, world: World) -> dict[str, uuid.UUID | str]:
    """The plan lead has recorded an e-mail address for Mor; she has chosen no notices yet."""
    mother = session.get_one(FamilyMember, world.mother.id)
    mother.email = "mor@familie.test"
    session.commit()
    return {}


def check_notices_shown(call: PageCall) -> None:
    assert ("mor@familie.test" in call.response.text) is call.allowed


def check_notices_chosen(call: PageCall) -> None:
    [channel] = call.stored(
        select(FamilyMember.notify_channel).where(FamilyMember.id == call.world.mother.id)
    )
    assert (channel.value == "email") is call.allowed

"""The correction rows of the access matrices (tests/access/test_matrix.py for the API,
tests/access/test_page_matrix.py for the pages): what each cell sends and what the plan lead
finds stored afterwards. Corrections and items entered in error belong to the live case: the
lead side's only; a unit with the family's consent finds nothing there (404), like everyone
else who does not lead the family.

The world's need says "Vi trenger større bolig.", its goal "Søke ny bolig.", its action (unit
B's) "Barnevernet tilbyr foreldreveiledning."; its referral (to unit B's service) was sent.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.models import Action, Correction, Goal, Need, Referral
from app.models.enums import ActionStatus, GoalLifecycle, NeedStatus
from app.needs import service as need_service
from app.needs.schemas import ReferralCreate
from tests.factories import actor_of

if TYPE_CHECKING:
    from tests.access.test_matrix import Call
    from tests.access.test_page_matrix import PageCall
    from tests.factories import World

NEED_TEXT = "Vi trenger større bolig."
CORRECTED_NEED = "Vi trenger en større leilighet."
GOAL_TEXT = "Søke ny bolig."
CORRECTED_GOAL = "Søke om kommunal bolig."
ACTION_TEXT = "Barnevernet tilbyr foreldreveiledning."
CORRECTED_ACTION = "Barnevernet tilbyr foreldreveiledning hjemme."
EXTERNAL_NAME = "Frivilligsentralens leksehjelp"


# --- the API ----------------------------------------------------------------------------------


def need_ids(world: World) -> dict[str, uuid.UUID]:
    return {"need_id": world.need.id}


def goal_ids(world: World) -> dict[str, uuid.UUID]:
    return {"goal_id": world.goal.id}


def action_ids(world: World) -> dict[str, uuid.UUID]:
    return {"action_id": world.action.id}


def referral_ids(world: World) -> dict[str, uuid.UUID]:
    return {"referral_id": world.referral.id}


def correct_need_body(_world: World) -> dict[str, Any]:
    return {"text": CORRECTED_NEED, "reason": "Skrevet feil."}


def check_correct_need(call: Call) -> None:
    needs = {n["id"]: n["text"] for n in call.as_lead(f"/canvases/{call.world.canvas.id}")["needs"]}
    assert needs[str(call.world.need.id)] == (CORRECTED_NEED if call.allowed else NEED_TEXT)
    history = call.as_lead(f"/needs/{call.world.need.id}/corrections")
    assert len(history) == (1 if call.allowed else 0)
    if call.allowed:
        [correction] = history
        assert correction["changes"] == [
            {"field": "text", "before": NEED_TEXT, "after": CORRECTED_NEED}
        ]
        assert correction["reason"] == "Skrevet feil."


def check_history(call: Call) -> None:
    if call.allowed:
        # Nothing in the world has been corrected: its history is empty, not missing.
        assert call.response.json() == []


# --- the pages --------------------------------------------------------------------------------


def page_need(world: World) -> dict[str, uuid.UUID | str]:
    return {"need_id": world.need.id}


def page_goal(world: World) -> dict[str, uuid.UUID | str]:
    return {"goal_id": world.goal.id}


def page_action(world: World) -> dict[str, uuid.UUID | str]:
    return {"action_id": world.action.id}


def page_referral(world: World) -> dict[str, uuid.UUID | str]:
    return {"referral_id": world.referral.id}


def need_form(world: World) -> dict[str, str | list[str]]:
    return {
        "text": CORRECTED_NEED,
        "domain": "bolig",
        "priority": "1",
        "indicators": ["bolig.trangbodd"],
        "version": str(world.need.version),
    }


def goal_form(world: World) -> dict[str, str | list[str]]:
    return {
        "text": CORRECTED_GOAL,
        "horizon": "short",
        "domains": ["bolig"],
        "target_date": "",
        "version": str(world.goal.version),
    }


def action_form(world: World) -> dict[str, str | list[str]]:
    return {
        "text": CORRECTED_ACTION,
        "kind": "unit",
        "unit_id": str(world.unit_b.id),
        "due": world.action.due_date.isoformat() if world.action.due_date else "",
        "need_ids": [str(world.need.id)],
        "goal_ids": [str(world.goal.id)],
        "version": str(world.action.version),
    }


def a_proposed_referral(session: Session, world: World) -> dict[str, uuid.UUID | str]:
    """A referral to a service outside the catalogue, not sent yet: its name can be corrected.
    (The world's own referral was sent to a service of the catalogue, which has it now.)"""
    lead = actor_of(session, world.lead)
    referral = need_service.add_referral(
        session,
        lead,
        scope_for(session, lead, world.family),
        world.need,
        ReferralCreate(external_service_name="Leksehjelp"),
    )
    session.commit()
    return {"referral_id": referral.id}


def referral_form(_world: World) -> dict[str, str]:
    return {"external_service_name": EXTERNAL_NAME, "version": "1"}


def error_form(world: World, record: str) -> dict[str, str]:
    return {"reason": "Registrert på feil familie.", "version": str(getattr(world, record).version)}


def _stored(call: PageCall, column: Any, record_id: uuid.UUID) -> Any:
    [value] = call.stored(select(column).where(column.class_.id == record_id))
    return value


def _corrections(call: PageCall, record_id: uuid.UUID) -> int:
    return len(call.stored(select(Correction.id).where(Correction.record_id == record_id)))


def check_need_corrected(call: PageCall) -> None:
    text = _stored(call, Need.text, call.world.need.id)
    assert text == (CORRECTED_NEED if call.allowed else NEED_TEXT)
    assert _corrections(call, call.world.need.id) == (1 if call.allowed else 0)


def check_goal_corrected(call: PageCall) -> None:
    text = _stored(call, Goal.text, call.world.goal.id)
    assert text == (CORRECTED_GOAL if call.allowed else GOAL_TEXT)


def check_action_corrected(call: PageCall) -> None:
    text = _stored(call, Action.text, call.world.action.id)
    assert text == (CORRECTED_ACTION if call.allowed else ACTION_TEXT)


def check_referral_corrected(call: PageCall) -> None:
    names = call.stored(
        select(Referral.external_service_name).where(Referral.family_id == call.world.family.id)
    )
    assert (EXTERNAL_NAME in names) is call.allowed
    assert ("Leksehjelp" in names) is not call.allowed


def check_need_in_error(call: PageCall) -> None:
    status = _stored(call, Need.status, call.world.need.id)
    assert status is (NeedStatus.entered_in_error if call.allowed else NeedStatus.active)


def check_goal_in_error(call: PageCall) -> None:
    status = _stored(call, Goal.lifecycle_status, call.world.goal.id)
    expected = GoalLifecycle.entered_in_error if call.allowed else GoalLifecycle.active
    assert status is expected


def check_action_in_error(call: PageCall) -> None:
    status = _stored(call, Action.status, call.world.action.id)
    assert status is (ActionStatus.entered_in_error if call.allowed else ActionStatus.planned)

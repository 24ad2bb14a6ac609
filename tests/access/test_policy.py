"""The pure access rules of DESIGN §4 (app/access/policy.py), without a database."""

from __future__ import annotations

import uuid

import pytest

from app.access.actor import Actor, UnitRef
from app.access.policy import (
    FamilyAccess,
    can_create_family,
    can_edit_case,
    can_list_families,
    can_read,
    can_read_reports,
    can_record_barrier,
    can_steward_family,
    can_update_assigned,
    family_access,
)
from app.models.enums import Role

LEAD_UNIT = UnitRef(uuid.uuid4(), "nav", "NAV Fredrikstad")
CONSENTED_UNIT = UnitRef(uuid.uuid4(), "barnevern", "Barneverntjenesten")
OTHER_UNIT = UnitRef(uuid.uuid4(), "skole", "Skolen")
PLAN_LEAD_ID = uuid.uuid4()


def actor(role: Role, *units: UnitRef, user_id: uuid.UUID | None = None) -> Actor:
    return Actor(
        user_id=user_id or uuid.uuid4(),
        username=f"{role.value}-{uuid.uuid4().hex[:6]}",
        display_name="Test",
        role=role,
        units=units,
    )


def access_of(who: Actor) -> FamilyAccess:
    return family_access(
        who,
        plan_lead_id=PLAN_LEAD_ID,
        lead_unit_id=LEAD_UNIT.id,
        consented_unit_ids=[CONSENTED_UNIT.id],
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        pytest.param(
            actor(Role.caseworker, LEAD_UNIT, user_id=PLAN_LEAD_ID),
            FamilyAccess.lead_side,
            id="the plan lead",
        ),
        pytest.param(
            actor(Role.caseworker, OTHER_UNIT, user_id=PLAN_LEAD_ID),
            FamilyAccess.lead_side,
            id="the plan lead after moving to another unit",
        ),
        pytest.param(
            actor(Role.caseworker, LEAD_UNIT), FamilyAccess.lead_side, id="caseworker, lead unit"
        ),
        pytest.param(
            actor(Role.caseworker, OTHER_UNIT, LEAD_UNIT),
            FamilyAccess.lead_side,
            id="caseworker with the lead unit among several",
        ),
        pytest.param(actor(Role.reviewer, LEAD_UNIT), FamilyAccess.none, id="reviewer, lead unit"),
        pytest.param(
            actor(Role.reviewer, CONSENTED_UNIT),
            FamilyAccess.consented,
            id="reviewer, consented unit",
        ),
        pytest.param(
            actor(Role.caseworker, CONSENTED_UNIT),
            FamilyAccess.consented,
            id="caseworker, consented unit",
        ),
        pytest.param(
            actor(Role.reviewer, OTHER_UNIT, CONSENTED_UNIT),
            FamilyAccess.consented,
            id="reviewer with the consented unit among several",
        ),
        pytest.param(
            actor(Role.caseworker, OTHER_UNIT), FamilyAccess.none, id="caseworker, other unit"
        ),
        pytest.param(actor(Role.reviewer, OTHER_UNIT), FamilyAccess.none, id="reviewer, other"),
        pytest.param(actor(Role.caseworker), FamilyAccess.none, id="caseworker without a unit"),
        pytest.param(
            actor(Role.coordinator, LEAD_UNIT, CONSENTED_UNIT),
            FamilyAccess.none,
            id="coordinator in the lead and consented units",
        ),
        pytest.param(
            actor(Role.admin, LEAD_UNIT, CONSENTED_UNIT),
            FamilyAccess.none,
            id="admin in the lead and consented units",
        ),
        pytest.param(
            actor(Role.coordinator, LEAD_UNIT, user_id=PLAN_LEAD_ID),
            FamilyAccess.none,
            id="plan lead who became a coordinator",
        ),
    ],
)
def test_family_access_follows_design_4_1(who: Actor, expected: FamilyAccess) -> None:
    assert access_of(who) is expected


def test_a_unit_without_consent_sees_nothing_even_in_the_same_municipality() -> None:
    reviewer = actor(Role.reviewer, CONSENTED_UNIT)
    no_consents = family_access(
        reviewer, plan_lead_id=PLAN_LEAD_ID, lead_unit_id=LEAD_UNIT.id, consented_unit_ids=()
    )
    assert no_consents is FamilyAccess.none


@pytest.mark.parametrize(
    ("access", "reads", "edits"),
    [
        (FamilyAccess.lead_side, True, True),
        (FamilyAccess.consented, True, False),
        (FamilyAccess.none, False, False),
    ],
)
def test_consented_units_read_but_only_the_lead_side_edits(
    access: FamilyAccess, reads: bool, edits: bool
) -> None:
    assert can_read(access) is reads
    assert can_edit_case(access) is edits


@pytest.mark.parametrize(
    ("access", "assigned", "allowed"),
    [
        pytest.param(FamilyAccess.lead_side, OTHER_UNIT.id, True, id="lead side, any unit"),
        pytest.param(FamilyAccess.lead_side, None, True, id="lead side, family's own action"),
        pytest.param(FamilyAccess.consented, CONSENTED_UNIT.id, True, id="consented, own unit"),
        pytest.param(FamilyAccess.consented, OTHER_UNIT.id, False, id="consented, other unit"),
        pytest.param(FamilyAccess.consented, None, False, id="consented, family's own action"),
        pytest.param(FamilyAccess.none, CONSENTED_UNIT.id, False, id="no access, own unit"),
    ],
)
def test_only_the_assigned_unit_updates_status_besides_the_lead_side(
    access: FamilyAccess, assigned: uuid.UUID | None, allowed: bool
) -> None:
    reviewer = actor(Role.reviewer, CONSENTED_UNIT)
    assert can_update_assigned(reviewer, access, assigned) is allowed


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        pytest.param(actor(Role.caseworker, LEAD_UNIT), True, id="caseworker with a unit"),
        pytest.param(actor(Role.caseworker), False, id="caseworker without a unit"),
        pytest.param(actor(Role.reviewer, LEAD_UNIT), False, id="reviewer"),
        pytest.param(actor(Role.coordinator, LEAD_UNIT), False, id="coordinator"),
        pytest.param(actor(Role.admin, LEAD_UNIT), False, id="admin"),
    ],
)
def test_only_caseworkers_with_a_unit_start_families(who: Actor, allowed: bool) -> None:
    assert can_create_family(who) is allowed


@pytest.mark.parametrize(
    ("role", "access", "allowed"),
    [
        (Role.caseworker, FamilyAccess.lead_side, True),
        (Role.caseworker, FamilyAccess.consented, False),
        (Role.reviewer, FamilyAccess.consented, False),
        (Role.caseworker, FamilyAccess.none, False),
        (Role.coordinator, FamilyAccess.none, False),
        (Role.admin, FamilyAccess.none, True),
    ],
)
def test_erasure_and_handover_are_for_the_lead_side_or_an_admin(
    role: Role, access: FamilyAccess, allowed: bool
) -> None:
    assert can_steward_family(actor(role, LEAD_UNIT), access) is allowed


@pytest.mark.parametrize(
    ("role", "lists", "reports", "barriers"),
    [
        (Role.caseworker, True, False, True),
        (Role.reviewer, True, False, False),
        (Role.coordinator, False, True, False),
        (Role.admin, False, False, False),
    ],
)
def test_what_each_role_may_do_regardless_of_family(
    role: Role, lists: bool, reports: bool, barriers: bool
) -> None:
    who = actor(role, LEAD_UNIT)
    assert can_list_families(who) is lists
    assert can_read_reports(who) is reports
    assert can_record_barrier(who) is barriers

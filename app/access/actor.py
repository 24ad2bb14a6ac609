"""Who is asking: the signed-in user with role and units, as the policy functions see them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.models.enums import Role


@dataclass(frozen=True, slots=True)
class UnitRef:
    id: uuid.UUID
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: uuid.UUID
    username: str
    display_name: str
    role: Role
    units: tuple[UnitRef, ...]

    @property
    def unit_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(unit.id for unit in self.units)

    def unit_label(self) -> str:
        return ", ".join(unit.name for unit in self.units)

    def acting_unit_in(self, unit_id: uuid.UUID | None) -> uuid.UUID | None:
        """The unit an event is recorded for: ``unit_id`` when the actor works there (a
        providing unit answering), else the actor's first unit, else none."""
        if unit_id is not None and unit_id in self.unit_ids:
            return unit_id
        return self.units[0].id if self.units else None


@dataclass(frozen=True, slots=True)
class Visitor:
    """A family member on the family's own pages (DESIGN §12), signed in through ID-porten: a
    principal of its own, who reaches only /familie/ and only their own family."""

    member_id: uuid.UUID
    family_id: uuid.UUID
    name: str
    language: str
    session_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class FamilyMode:
    """A staff browser session and the family it is showing its own things to, if any (DESIGN
    §12, family mode on the tablet): ``family_id`` is None when the session is not in family
    mode."""

    actor: Actor
    session_id: uuid.UUID
    family_id: uuid.UUID | None

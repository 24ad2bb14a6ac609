"""The action's form as the page that adds an action and the page that corrects one both send
it: its messages, who is responsible in the schema's shape, and where the schema's own check
of who is responsible is shown."""

from __future__ import annotations

from typing import Any

from app.kit import forms
from app.kit.i18n import N_, translations
from app.models.enums import ResponsibleKind

FIELD_MESSAGES = {
    "text": N_("Write what will be done."),
    "responsible": N_("Say who is responsible: the family or a service."),
    "responsible.kind": N_("Say who is responsible: the family or a service."),
    "responsible.unit_id": N_("Choose the service that is responsible."),
    "responsible.member": N_("Write the family member's name, at most 200 characters."),
    "responsible.user_id": N_("Choose a person who works in the chosen service, or nobody."),
    "due": N_("Give the date as year-month-day, for example 2026-12-31."),
    "need_ids": N_("Choose only needs of this canvas."),
    "goal_ids": N_("Choose only goals of this canvas."),
    "concerns_member_id": N_("Choose a member of this family, or the whole family."),
}


def responsible(kind: str, member: str, unit_id: str, user_id: str) -> dict[str, Any]:
    """Who is responsible, as the form says it, in the schema's shape."""
    said: dict[str, Any] = {"kind": kind or None}
    if kind == ResponsibleKind.unit.value:
        said["unit_id"] = forms.parse_id(unit_id) if unit_id else None
        if user_id:
            said["user_id"] = forms.parse_id(user_id)
    elif member.strip():
        said["member"] = member.strip()
    return said


def responsible_where_shown(errors: dict[str, str], kind: str, lang: str) -> None:
    """The schema's own check (a unit is responsible, but which?) answers under
    ``responsible``, which the form has no place for: it is shown at the service's choice
    when a service was chosen, else at the choice of who."""
    if "responsible" in errors:
        del errors["responsible"]
        field = "responsible.unit_id" if kind == "unit" else "responsible.kind"
        errors.setdefault(field, translations(lang).gettext(FIELD_MESSAGES[field]))


def members_by_unit(
    units: list[Any], members: list[tuple[Any, Any]]
) -> list[tuple[Any, list[Any]]]:
    """The units that have people, each with its people, for the choice of a named person."""
    return [
        (unit, [user for unit_id, user in members if unit_id == unit.id])
        for unit in units
        if any(unit_id == unit.id for unit_id, _ in members)
    ]

"""What every page of a live case shows around its own content: the canvas, the family, the
template, whether the asker may change things, and which part of the conversation this is
(the planning pages' tabs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from fastapi import Request
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import can_edit_case
from app.access.scope import FamilyScope
from app.models import Canvas

if TYPE_CHECKING:
    from app.catalogue.template_schema import CanvasTemplateDef


class Asked(NamedTuple):
    """Who asks for a page about one family, in which request and transaction, and what they
    may do there (``FamilyScope``): what a page's drawing function takes beside the record it
    draws (the canvas, the plan)."""

    request: Request
    session: Session
    actor: Actor
    scope: FamilyScope


def case_context(
    canvas: Canvas, scope: FamilyScope, template: CanvasTemplateDef, section: str
) -> dict[str, Any]:
    return {
        "canvas": canvas,
        "family": scope.family,
        "template": template,
        "can_edit": can_edit_case(scope.access),
        "section": section,
    }

"""What every page of a live case shows around its own content: the canvas, the family, the
template, whether the asker may change things, and which part of the conversation this is
(the planning pages' tabs); who asks for such a page (``Asked``), and the GET of a tab."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import can_edit_case
from app.access.scope import FamilyScope, canvas_scope
from app.models import Canvas
from app.web.deps import PageActor, SessionDep

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


class DrawTab(Protocol):
    def __call__(
        self, asked: Asked, canvas: Canvas, *, saved: str | None = None
    ) -> HTMLResponse: ...


def add_tab_page(router: APIRouter, tab: str, draw: DrawTab) -> None:
    """The GET of a planning tab, ``/canvases/{canvas_id}/<tab>`` named ``<tab>_page``: the
    live canvas for the lead side, drawn with the confirmation code a redirect left in
    ``saved``."""

    def tab_page(
        request: Request,
        actor: PageActor,
        session: SessionDep,
        canvas_id: uuid.UUID,
        saved: str | None = None,
    ) -> HTMLResponse:
        canvas, scope = canvas_scope(session, actor, canvas_id)
        return draw(Asked(request, session, actor, scope), canvas, saved=saved)

    tab_page.__name__ = tab_page.__qualname__ = f"{tab}_page"
    router.add_api_route(
        f"/canvases/{{canvas_id}}/{tab}", tab_page, methods=["GET"], name=f"{tab}_page"
    )
